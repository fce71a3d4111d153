import { z } from 'zod';
import { CONSUMER_ID } from '../ids.js';
import { RESTRICTED_ZIP_LISTS } from './data/restricted-zip3.js';
import { PROFILES } from './profile-names.js';

/**
 * The consumer contract's schema and types: shape only. Resolution (extends, profile limits, paths
 * compiled against the R4 model) is contract.ts, which compiles; the compiler needs only these types.
 */
export { PROFILES, type ProfileName } from './profile-names.js';

const ELEMENT_PATH = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;
const RULE_PATH = /^[A-Z][A-Za-z]+(\.[a-z][A-Za-z0-9]*)+$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

const rulePath = z.string().regex(RULE_PATH);

const RuleSchema = z.discriminatedUnion('method', [
  z.strictObject({ path: rulePath, method: z.literal('keep') }),
  z.strictObject({ path: rulePath, method: z.literal('drop') }),
  z.strictObject({ path: rulePath, method: z.literal('generalize'), to: z.enum(['year', 'zip3', 'age90']) }),
  z.strictObject({ path: rulePath, method: z.literal('dateShift') }),
  z.strictObject({ path: rulePath, method: z.literal('pseudonymize') }),
  z.strictObject({
    path: rulePath,
    method: z.literal('substitute'),
    value: z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.record(z.string(), z.unknown()),
      z.array(z.unknown()),
    ]),
  }),
  z.strictObject({ path: rulePath, method: z.literal('scrub') }),
]);

const ResourceAllowSchema = z.union([
  z.literal('drop'),
  z.strictObject({ elements: z.array(z.string().regex(ELEMENT_PATH)).max(1000) }),
]);

/** `http:` only for loopback hosts (tests, a local server); anything else must be `https:`. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const isDeliveryUrl = (value: string): boolean => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '' || url.search !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
};
const deliveryUrl = z
  .string()
  .max(2048)
  .refine(isDeliveryUrl, { message: 'must be an https URL (http only for a loopback host)' });

/**
 * Where a consumer's copy goes: an encrypted object plus a notification (the default), or a FHIR
 * server that receives it as `transaction` Bundles, authenticated with SMART Backend Services. The
 * client's private key is never in the contract: it is a pipeline secret (`phi consumer fhir-key`).
 */
const DeliverySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('object') }),
  z.strictObject({
    type: z.literal('fhir'),
    baseUrl: deliveryUrl,
    tokenUrl: deliveryUrl,
    clientId: z.string().regex(/^[\x21-\x7e]{1,255}$/),
    keyId: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/)
      .optional(),
    scope: z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/)
      .max(1024),
    maxEntriesPerTransaction: z.int().min(1).max(10_000).optional(),
  }),
]);
export type ContractDelivery = z.infer<typeof DeliverySchema>;
export type FhirDeliverySettings = Extract<ContractDelivery, { type: 'fhir' }>;

/** What a consumer takes: FHIR bundles (POST /v1/bundles) and X12 837 claim files (POST /v1/claims). */
export const SUBMISSION_KINDS = ['bundle', 'claim'] as const;

/**
 * How a consumer takes claim files: `x12`, the 837 itself de-identified in place (counts recomputed),
 * or `fhir`, each claim mapped to R4 (Claim, Patient, Coverage, …) and de-identified as a bundle is.
 */
const ClaimsSchema = z.strictObject({
  output: z.enum(['x12', 'fhir']),
  /**
   * X12 copies only: the segments the consumer may receive, as `LOOP/SEGMENT` or
   * `LOOP/SEGMENT*QUALIFIER` (loop may be `*`, segment may be `*`); the envelope and the segments
   * the structure needs are always kept. Absent: every segment, under the profile's backstop.
   */
  keep: z.array(z.string().max(64)).max(1000).optional(),
});

export const ConsumerContractSchema = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(1),
  name: z.string().regex(CONSUMER_ID),
  version: z.string().regex(/^\d{1,6}\.\d{1,6}\.\d{1,6}$/),
  description: z.string().max(4000).optional(),
  extends: z.enum(PROFILES).optional(),
  profile: z.enum(PROFILES).optional(),
  output: z.strictObject({ format: z.enum(['ndjson', 'bundle', 'same']) }).optional(),
  kinds: z.array(z.enum(SUBMISSION_KINDS)).min(1).max(SUBMISSION_KINDS.length).optional(),
  claims: ClaimsSchema.optional(),
  resources: z.record(z.string().regex(/^[A-Z][A-Za-z]{1,63}$/), ResourceAllowSchema).optional(),
  extensions: z.array(z.string().regex(ABSOLUTE_URI).max(1024)).max(1000).optional(),
  rules: z.array(RuleSchema).max(1000).optional(),
  dates: z
    .strictObject({
      method: z.enum(['year', 'shift', 'keep']),
      shift: z
        .strictObject({
          minDays: z.int().min(-3650).max(3650),
          maxDays: z.int().min(-3650).max(3650),
          timeOfDay: z.enum(['keep', 'drop']),
        })
        .optional(),
    })
    .optional(),
  zip: z
    .strictObject({
      method: z.enum(['zip3', 'keep', 'drop']),
      restrictedPrefixes: z.enum(RESTRICTED_ZIP_LISTS),
    })
    .optional(),
  ages: z.strictObject({ over89: z.enum(['aggregate', 'keep']) }).optional(),
  freeText: z.enum(['drop', 'scrub']).optional(),
  identifiers: z.enum(['drop', 'pseudonymize']).optional(),
  delivery: DeliverySchema.optional(),
});

/** A contract as written or resolved; resolved contracts have `profile` and every setting filled in. */
export type ConsumerContract = z.infer<typeof ConsumerContractSchema>;
export type ContractRule = z.infer<typeof RuleSchema>;
