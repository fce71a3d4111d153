import { restrictedZip3 } from '../../../../shared/core/deid/data/restricted-zip3.js';
import type {
  ElementPolicy,
  Links,
  Modes,
  Place,
  PolicyInput,
  PolicyRecord,
  PolicyServices,
  PolicySettings,
} from '../../../../shared/core/deid/policies/policy.js';
import { Pseudonyms } from '../../../../shared/core/deid/pseudonyms.js';

/** A policy's world in miniature: real keyed pseudonyms, and a record of everything it asked for. */
export interface PolicyHarness {
  readonly services: PolicyServices;
  readonly record: PolicyRecord;
  /** `rule:path` per count, in order. */
  readonly counts: string[];
  readonly names: string[];
  readonly addressParts: string[];
  readonly identifiers: string[];
  /** Values handed to `collect`. */
  readonly collected: unknown[];
  /** Patient keys the date shift was asked for. */
  readonly shiftedFor: string[];
}

export const SHIFT_DAYS = 10;
export const PSEUDONYMS = new Pseudonyms(new Uint8Array(32).fill(7), 'policy-key', 'policy-tests');

export const SAFE_HARBOR: Modes = {
  text: 'drop',
  scrubAll: false,
  dates: 'year',
  zip: 'zip3',
  age90: true,
  pseudonymize: 0,
  identifiers: 'drop',
};

export function harness(settings: Partial<PolicySettings> = {}, links?: Links): PolicyHarness {
  const counts: string[] = [];
  const names: string[] = [];
  const addressParts: string[] = [];
  const identifiers: string[] = [];
  const collected: unknown[] = [];
  const shiftedFor: string[] = [];
  const record: PolicyRecord = { labels: 0, age90: false, links };
  const services: PolicyServices = {
    settings: {
      profile: 'safe-harbor',
      dates: 'year',
      shift: { minDays: SHIFT_DAYS, maxDays: SHIFT_DAYS, timeOfDay: 'keep' },
      restrictedZip: restrictedZip3('union'),
      ...settings,
    },
    referenceDate: '2025-01-01',
    pseudonyms: PSEUDONYMS,
    pseudonymSystem: 'urn:phi-pipeline:pseudonym:policy-key',
    identifiers: {
      addName: (v) => names.push(v),
      addAddressPart: (v) => addressParts.push(v),
      addIdentifier: (v) => identifiers.push(v),
    },
    count: (rule, place: Place) => counts.push(`${rule}:${place.path}`),
    shiftDays: (patient) => {
      shiftedFor.push(patient.key);
      return SHIFT_DAYS;
    },
    collect: (value) => collected.push(value),
  };
  return { services, record, counts, names, addressParts, identifiers, collected, shiftedFor };
}

/** An input for `element` of `type` at `type.element`, under Safe Harbor unless `modes` say otherwise. */
export function inputFor(
  h: PolicyHarness,
  type: string,
  element: string,
  value: unknown,
  extra: Partial<Omit<PolicyInput, 'modes'>> & { modes?: Partial<Modes> } = {},
): PolicyInput {
  const { modes, ...rest } = extra;
  return {
    value,
    type,
    element,
    elementName: element,
    valueType: 'string',
    place: { path: `${type}.${element}`, record: h.record },
    patient: { key: 'Patient/p1' },
    siblings: {},
    neighbourDisplays: undefined,
    modes: { ...SAFE_HARBOR, ...modes },
    ...rest,
  };
}

/** The policy a table registers for `element`; a missing one fails the test. */
export function policyOf(table: Readonly<Record<string, ElementPolicy>>, element: string): ElementPolicy {
  const policy = table[element];
  if (policy === undefined) throw new Error(`no policy for ${element}`);
  return policy;
}
