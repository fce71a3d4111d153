/**
 * The id rules, one place each. These ids appear in object keys, queue names, key names, file names and
 * audit records, so each is a closed alphabet that cannot carry a path, a separator or content.
 */

/** Partner ids: lower-case letters, digits and dashes, starting with a letter or digit. */
export const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Consumer ids. A consumer id is its contract's name (docs/contracts.md, `name`) and the contract store's
 * key, and becomes queue names (`notify-<id>`), a key name (`consumer:<id>`), S3 prefixes and
 * CloudFormation names. deploy/settings.cjs cannot import TypeScript and repeats this rule; a unit test
 * keeps the two equal.
 */
export const CONSUMER_ID = /^[a-z][a-z0-9-]{0,62}$/;
/** The consumer id rule as messages spell it. */
export const CONSUMER_ID_RULE = '[a-z][a-z0-9-]{0,62}';

/** Submission ids: the lower-case UUID v4 ingest mints (`randomUUID`). */
export const SUBMISSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * An id read from a message that becomes a file name (`phi consume` writes `<submissionId>.<ext>`):
 * letters, digits and `-` only, so no path can be smuggled in.
 */
export const FILE_SAFE_ID = /^[A-Za-z0-9-]{1,128}$/;

/** Operator ids recorded in the audit chain (`--operator`, `user@host` by default). */
export const OPERATOR_ID = /^[A-Za-z0-9._@:+-]{1,128}$/;

/**
 * Queue message ids and the submission ids a dead letter names, as the dead-letter views show them and
 * replay requests select them. Anything outside this alphabet is withheld, never echoed.
 */
export const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A logical queue name (`ingest`, `deliver-<consumer>`, …) or its `-dlq`, as SQS allows names. */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Key names: `data`, or `<kind>:<id>` such as `consumer:analytics`. The kind has no `-`, so a key file
 * name is unambiguous; both key providers accept exactly these.
 */
export const KEY_NAME = /^[a-z0-9]{1,32}(?::[a-z0-9][a-z0-9-]{0,63})?$/;

const matches =
  (rule: RegExp) =>
  (value: unknown): value is string =>
    typeof value === 'string' && rule.test(value);

export const isPartnerId = matches(PARTNER_ID);
export const isConsumerId = matches(CONSUMER_ID);
export const isSubmissionId = matches(SUBMISSION_ID);
export const isFileSafeId = matches(FILE_SAFE_ID);
export const isOperatorId = matches(OPERATOR_ID);
