import {
  invalid,
  keep,
  type Outcome,
  type PolicyInput,
  type PolicyServices,
  type ValuePolicy,
} from './policy.js';

/**
 * id, oid, uuid: identifiers of the individual's record (an MRN used as an id, a study UID). Each
 * becomes a keyed pseudonym of the same shape, so it stays valid and the same source value always
 * maps to the same pseudonym under one key.
 */
export const OID_LIKE = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;

const pseudonymized =
  (make: (value: string, services: PolicyServices) => string): ValuePolicy =>
  ({ value, place }, services) => {
    if (typeof value !== 'string') return invalid(place, services);
    services.count('pseudonymize', place);
    return keep(make(value, services));
  };

export const idPolicy = pseudonymized((value, { pseudonyms }) =>
  OID_LIKE.test(value) ? pseudonyms.oid(value) : pseudonyms.token(value),
);

export const oidPolicy = pseudonymized((value, { pseudonyms }) => `urn:oid:${pseudonyms.oid(value)}`);

export const uuidPolicy = pseudonymized(
  (value, { pseudonyms }) => `urn:uuid:${pseudonyms.resourceUuid(`uuid|${value.toLowerCase()}`)}`,
);

/**
 * The `pseudonymize` method of a contract rule: a string (or, under a rule on the element itself, any
 * string-valued primitive) becomes a keyed token. Undefined where the rule does not reach the value.
 */
export function pseudonymizeRule(input: PolicyInput, services: PolicyServices): Outcome | undefined {
  const { value, modes, valueType, place } = input;
  if (modes.pseudonymize === 0 || typeof value !== 'string') return undefined;
  if (modes.pseudonymize !== 2 && valueType !== 'string' && valueType !== 'id') return undefined;
  services.count('pseudonymize', place);
  return keep(services.pseudonyms.token(value));
}
