import { DROP, type WholePolicy, withheld } from './policy.js';

/**
 * ContactPoint (phone, e-mail, fax, URL): never released. Its value is remembered as an identifier so
 * that the same number or address is scrubbed from free text too.
 */
export const contactPointPolicy: WholePolicy = ({ value, place }, services) => {
  if (typeof value.value === 'string') services.identifiers.addIdentifier(value.value);
  withheld(place, services);
  return DROP;
};
