import { createHash } from 'node:crypto';

/** `prev` of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Deterministic JSON: object keys sorted (UTF-16 code unit order) at every depth, no whitespace,
 * `undefined` members dropped as JSON.stringify drops them. Non-finite numbers have no JSON form,
 * so they are refused rather than silently hashed as `null`.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

/** Hex SHA-256 of the canonical JSON of a record without its `hash` member. */
export function hashRecord(recordWithoutHash: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(recordWithoutHash), 'utf8').digest('hex');
}

export interface ChainLine {
  readonly file: string;
  /** 1-based line number within `file`. */
  readonly line: number;
  readonly text: string;
}

export type ChainBreakReason = 'unparsable' | 'hash-mismatch' | 'prev-mismatch' | 'seq-gap';

export type ChainVerification =
  | { readonly ok: true; readonly count: number; readonly head: string }
  | {
      readonly ok: false;
      /** Records verified before the broken one. */
      readonly count: number;
      readonly broken: {
        readonly file: string;
        readonly line: number;
        readonly seq?: number;
        readonly reason: ChainBreakReason;
      };
    };

const HEX_64 = /^[0-9a-f]{64}$/;

interface ChainFields {
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  readonly rest: Record<string, unknown>;
}

function parseChainFields(text: string): ChainFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { hash, ...rest } = parsed as Record<string, unknown>;
  const { seq, prev } = rest;
  if (typeof hash !== 'string' || !HEX_64.test(hash)) return undefined;
  if (typeof prev !== 'string' || !HEX_64.test(prev)) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return undefined;
  return { seq, prev, hash, rest };
}

/**
 * Verifies records in chain order: each must parse, hash to its own `hash`, point at the previous
 * record's hash, and carry the next sequence number (the first record: seq 1, prev all zeros).
 * Stops at the first broken record. Truncation of the newest records is not detectable from the
 * chain alone; compare `head` with a copy kept elsewhere for that.
 */
export function verifyChain(records: Iterable<ChainLine>): ChainVerification {
  let count = 0;
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const { file, line, text } of records) {
    const fields = parseChainFields(text);
    if (fields === undefined) return { ok: false, count, broken: { file, line, reason: 'unparsable' } };
    const at = { file, line, seq: fields.seq };
    let actual: string;
    try {
      actual = hashRecord(fields.rest);
    } catch {
      return { ok: false, count, broken: { ...at, reason: 'unparsable' } };
    }
    if (actual !== fields.hash) return { ok: false, count, broken: { ...at, reason: 'hash-mismatch' } };
    if (fields.prev !== expectedPrev) return { ok: false, count, broken: { ...at, reason: 'prev-mismatch' } };
    if (fields.seq !== expectedSeq) return { ok: false, count, broken: { ...at, reason: 'seq-gap' } };
    expectedPrev = fields.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count, head: expectedPrev };
}

/** The chain position a new record continues from, read from the newest record's own fields. */
export function chainLinkAfter(lastLine: string | undefined): { seq: number; prev: string } | undefined {
  if (lastLine === undefined) return { seq: 1, prev: GENESIS_HASH };
  const fields = parseChainFields(lastLine);
  return fields === undefined ? undefined : { seq: fields.seq + 1, prev: fields.hash };
}
