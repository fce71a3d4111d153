import { generalizeZip } from '../zip.js';
import { type ElementPolicy, invalid, keep, withheld } from './policy.js';

/**
 * Policies for X12 elements that no FHIR type covers as they must be written in a claim. The X12
 * walker (deid/x12/) names these as data type `X12.<segment>` and element `<segment><nn>`; names,
 * addresses, identifiers, dates and free text go through the FHIR types' policies (HumanName,
 * Address, Identifier, date, string) exactly as in FHIR.
 */

/** The ZIP of an N4 after the ZIP3 rule: `000` (three characters, N403's minimum) for a restricted prefix. */
export const RESTRICTED_N403 = '000';

/**
 * N403 postal code: kept only by a limited data set that keeps ZIPs; otherwise the first three digits
 * plus `00` (the three digits alone when the ZIP is itself `xxx00`), or `000` for a restricted prefix (45 CFR 164.514(b)(2)(i)(B): "changed to 000"). A code
 * that is not a US ZIP (a Canadian postal code) goes.
 */
export const x12PostalCodePolicy: ElementPolicy = ({ value, place, modes }, services) => {
  if (typeof value !== 'string') return invalid(place, services);
  if (modes.zip === 'keep' && services.settings.profile === 'limited-data-set') return keep(value);
  const zip = modes.zip === 'drop' ? undefined : generalizeZip(value, services.settings.restrictedZip);
  if (zip === undefined) return withheld(place, services);
  services.count('generalize-zip3', place);
  if (zip === '00000') return keep(RESTRICTED_N403);
  // A ZIP that already ends in 00 would come out as it went in: its three digits alone say the same.
  return keep(value.trim().startsWith(zip) ? zip.slice(0, 3) : zip);
};

/**
 * SBR04, the group or plan name: most often the subscriber's employer, which Safe Harbor removes.
 * The walker remembers it as an organisation name (a whole phrase) for scrubbing free text.
 */
export const x12GroupNamePolicy: ElementPolicy = ({ place }, services) => withheld(place, services);

export const x12ElementPolicies: Readonly<Record<string, Readonly<Record<string, ElementPolicy>>>> = {
  'X12.N4': { N403: x12PostalCodePolicy },
  'X12.SBR': { SBR04: x12GroupNamePolicy },
};
