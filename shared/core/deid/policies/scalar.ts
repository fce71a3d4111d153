import { invalid, keep, type ValuePolicy } from './policy.js';

/** boolean, code, time: they say nothing about who a person is; only their JSON type is checked. */
export const booleanPolicy: ValuePolicy = ({ value, place }, services) =>
  typeof value === 'boolean' ? keep(value) : invalid(place, services);

export const codePolicy: ValuePolicy = ({ value, place }, services) =>
  typeof value === 'string' ? keep(value) : invalid(place, services);

/**
 * integer, decimal, …: kept. A large integer may be an identifier written as a number (an MRN in a
 * value), so it is checked against the record's numeric identifiers once they are all known.
 */
export const numberPolicy: ValuePolicy = ({ value, place }, services) => {
  if (typeof value !== 'number') return invalid(place, services);
  return keep(value, Number.isInteger(value) && Math.abs(value) >= 10_000 ? 'number' : undefined);
};
