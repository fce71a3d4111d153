import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ChainLine,
  type ChainVerification,
  canonicalJson,
  chainLinkAfter,
  hashRecord,
  verifyChain,
} from '../../core/audit/hash-chain.js';
import { PipelineError } from '../../core/errors.js';
import type { AuditEvent, AuditRecord, AuditSink } from '../../ports/audit-sink.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { auditEventSchema, issuePaths } from '../record-schemas.js';

export const CHAIN_DIR = 'chain/';
export const HEAD_KEY = 'head.json';
const SEQ_DIGITS = 12;
const CHAIN_KEY = /^chain\/(\d{12})\.json$/;

/** `chain/000000000042.json`: zero-padded so key order is chain order. */
export const chainKey = (seq: number): string => `${CHAIN_DIR}${String(seq).padStart(SEQ_DIGITS, '0')}.json`;

const decode = (body: Uint8Array): string => Buffer.from(body).toString('utf8');

interface Tail {
  readonly seq: number;
  readonly text: string;
}

export interface S3AuditSinkOptions {
  /** Tries at taking the next seq before giving up (each loss means another writer appended). Default 50. */
  readonly maxAttempts?: number;
}

/**
 * Hash-chained audit log in an ObjectStore (the audit bucket on AWS), one object per record at
 * `chain/<seq>.json`. Concurrent Lambdas keep it linear: a record is created with If-None-Match, so of
 * two writers computing the same seq one wins and the other re-reads the tail and takes the next seq.
 * `head.json` is only a hint where to start looking: the tail is always confirmed by probing forward
 * until a seq is missing.
 */
export class S3AuditSink implements AuditSink {
  private pending: Promise<unknown> = Promise.resolve();
  /** The newest record this instance knows to exist. */
  private tail: Tail | undefined;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: ObjectStore,
    options: S3AuditSinkOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 50;
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    const parsed = auditEventSchema.safeParse(event);
    if (!parsed.success) {
      return Promise.reject(
        new PipelineError('content-invalid', 'audit event has invalid fields', {
          details: { fields: issuePaths(parsed.error) },
        }),
      );
    }
    // Appends of one instance queue up rather than race each other for the same seq.
    const result = this.pending.then(() => this.appendSerial(parsed.data));
    this.pending = result.catch(() => undefined);
    return result;
  }

  private async appendSerial(event: AuditEvent): Promise<AuditRecord> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const tail = await this.findTail();
      const link = chainLinkAfter(tail?.text);
      if (link === undefined) {
        throw new PipelineError('store-unavailable', 'audit chain tail is unreadable; run phi audit verify', {
          details: { key: tail === undefined ? '' : chainKey(tail.seq) },
        });
      }
      const unsigned = { ...event, seq: link.seq, prev: link.prev };
      const record: AuditRecord = { ...unsigned, hash: hashRecord(unsigned) };
      const text = canonicalJson(record);
      const { created } = await this.store.put(chainKey(link.seq), Buffer.from(text, 'utf8'), {
        ifAbsent: true,
        contentType: 'application/json',
      });
      if (created) {
        this.tail = { seq: link.seq, text };
        await this.writeHint(record);
        return record;
      }
      // Another writer took this seq; the next findTail probes past it.
      await sleep(Math.random() * Math.min(100, 5 * attempt));
    }
    throw new PipelineError('store-unavailable', 'audit chain is too contended to append', {
      retryable: true,
      details: { attempts: this.maxAttempts },
    });
  }

  private async writeHint(record: AuditRecord): Promise<void> {
    const hint = Buffer.from(JSON.stringify({ seq: record.seq, hash: record.hash }), 'utf8');
    // Only a hint: a failed or out-of-order update costs later appends a few probes, nothing more.
    await this.store.put(HEAD_KEY, hint, { contentType: 'application/json' }).catch(() => undefined);
  }

  private async findTail(): Promise<Tail | undefined> {
    let tail = this.tail ?? (await this.tailFromHint());
    for (;;) {
      const seq = (tail?.seq ?? 0) + 1;
      const next = await this.store.get(chainKey(seq));
      if (next === undefined) return tail;
      tail = { seq, text: decode(next.body) };
    }
  }

  private async tailFromHint(): Promise<Tail | undefined> {
    const seq = await readHintSeq(this.store);
    if (seq !== undefined) {
      const record = await this.store.get(chainKey(seq));
      if (record !== undefined) return { seq, text: decode(record.body) };
    }
    // No usable hint: the newest record by listing.
    const keys = (await this.store.list(CHAIN_DIR)).filter((key) => CHAIN_KEY.test(key));
    const last = keys.at(-1);
    if (last === undefined) return undefined;
    const record = await this.store.get(last);
    return record === undefined
      ? undefined
      : { seq: Number(last.slice(CHAIN_DIR.length, -5)), text: decode(record.body) };
  }
}

async function readHintSeq(store: ObjectStore): Promise<number | undefined> {
  const hint = await store.get(HEAD_KEY);
  if (hint === undefined) return undefined;
  try {
    const { seq } = JSON.parse(decode(hint.body)) as { seq?: unknown };
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** Every record of the chain in seq order; `file` is the record's key in the audit store. */
export async function readS3AuditChain(store: ObjectStore, concurrency = 16): Promise<ChainLine[]> {
  const keys = (await store.list(CHAIN_DIR)).filter((key) => CHAIN_KEY.test(key));
  const lines: ChainLine[] = new Array(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < keys.length; index = next++) {
      const key = keys[index] ?? '';
      const object = await store.get(key);
      // A record deleted since the listing reads as empty, which the verifier reports as unparsable.
      lines[index] = { file: key, line: 1, text: object === undefined ? '' : decode(object.body) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return lines;
}

/**
 * Verifies the chain end to end with the shared verifier. Also reports records missing from the end
 * when the head hint names a later seq than the chain reaches (truncation the chain alone cannot show).
 */
export async function verifyS3AuditChain(store: ObjectStore): Promise<ChainVerification> {
  const verification = verifyChain(await readS3AuditChain(store));
  if (!verification.ok) return verification;
  const hinted = await readHintSeq(store);
  if (hinted !== undefined && hinted > verification.count) {
    return {
      ok: false,
      count: verification.count,
      broken: { file: chainKey(hinted), line: 1, seq: hinted, reason: 'seq-gap' },
    };
  }
  return verification;
}
