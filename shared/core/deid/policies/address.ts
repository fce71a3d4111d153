import { generalizeZip } from '../zip.js';
import {
  type ElementPolicy,
  invalid,
  type Json,
  keep,
  keptString,
  type PolicyServices,
  type WholePolicy,
  withheld,
} from './policy.js';
import { withheldValuePolicy } from './withheld.js';

/**
 * Address: the parts that locate a person more precisely than a state go (lines, district, text);
 * the city stays only in a limited data set; the ZIP code is cut to three digits (or kept, or
 * dropped, as the contract says). The parts are remembered first, for scrubbing free text.
 */
export const addressPolicy: WholePolicy = ({ value }, services) => {
  collectAddress(value, services.identifiers);
  return 'walk';
};

export function collectAddress(address: Json, identifiers: PolicyServices['identifiers']): void {
  if (Array.isArray(address.line))
    for (const line of address.line) if (typeof line === 'string') identifiers.addAddressPart(line);
  for (const key of ['city', 'district', 'text'] as const) {
    const part = address[key];
    if (typeof part === 'string') identifiers.addAddressPart(part);
  }
  if (typeof address.postalCode === 'string') identifiers.addIdentifier(address.postalCode);
}

/** A state or country names an area too large to identify anyone, unless it spells a name. */
const region: ElementPolicy = (input, services) => keptString(input, services, 'check-context');

const city: ElementPolicy = ({ value, place }, services) => {
  if (services.settings.profile === 'limited-data-set' && typeof value === 'string') return keep(value);
  return withheld(place, services);
};

const postalCode: ElementPolicy = ({ value, place, modes }, services) => {
  if (typeof value !== 'string') return invalid(place, services);
  if (modes.zip === 'keep' && services.settings.profile === 'limited-data-set') return keep(value);
  const zip = modes.zip === 'drop' ? undefined : generalizeZip(value, services.settings.restrictedZip);
  if (zip === undefined) return withheld(place, services);
  services.count('generalize-zip3', place);
  return keep(zip);
};

export const addressElementPolicies: Readonly<Record<string, ElementPolicy>> = {
  state: region,
  country: region,
  city,
  postalCode,
  line: withheldValuePolicy,
  text: withheldValuePolicy,
  district: withheldValuePolicy,
};
