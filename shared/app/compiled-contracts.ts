import { createHash, timingSafeEqual } from 'node:crypto';
import { type ConsumerContract, parseContract } from '../core/deid/contract.js';
import { createDeidEngine, type DeidEngine, type DeidOptions } from '../core/deid/engine.js';
import { PipelineError } from '../core/errors.js';
import type { StoredContract } from '../ports/contract-store.js';

/**
 * Contract versions kept parsed. Each holds its resolved contract and its engines; a process sees a
 * handful of consumers, so this only bounds memory when a contract keeps changing.
 */
const MAX_VERSIONS = 64;
/** Engines per contract version: one per (key id, reference date), and a date per day of receipt. */
const MAX_ENGINES = 8;

interface CachedEngine {
  readonly secret: Uint8Array;
  readonly engine: DeidEngine;
}

export interface ContractCacheOptions {
  readonly parse?: (json: unknown, source: string) => ConsumerContract;
  readonly createEngine?: (options: DeidOptions) => DeidEngine;
}

/**
 * Consumer contracts parsed and compiled once per stored version. Workers need their consumer's
 * contract (and a de-identification engine built from it) for every message; parsing and compiling
 * it again each time was a third of the stack's CPU. A stored contract is identified by its source and
 * `version` (the store's digest of its bytes), so a changed file is parsed on the next message and an
 * unchanged one never again. A broken contract is remembered as its error and throws it again: its
 * deliveries still dead-letter with the reason, and a fixed file is a new version.
 *
 * Cached contracts and engines are shared by every message of a process: nothing may change them.
 */
export class ContractCache {
  private readonly versions = new Map<string, ConsumerContract | PipelineError>();
  private readonly engines = new WeakMap<ConsumerContract, Map<string, CachedEngine>>();
  private readonly parse: (json: unknown, source: string) => ConsumerContract;
  private readonly createEngine: (options: DeidOptions) => DeidEngine;

  constructor(options: ContractCacheOptions = {}) {
    this.parse = options.parse ?? parseContract;
    this.createEngine = options.createEngine ?? createDeidEngine;
  }

  /** The stored contract, validated and resolved; throws `contract-invalid` as `parseContract` does. */
  contractOf(stored: StoredContract): ConsumerContract {
    const id = `${stored.source}\u0000${stored.version ?? digestOf(stored.json)}`;
    let entry = this.versions.get(id);
    if (entry === undefined) {
      entry = this.parseOnce(stored);
      if (this.versions.size >= MAX_VERSIONS) {
        const oldest = this.versions.keys().next().value;
        if (oldest !== undefined) this.versions.delete(oldest);
      }
      this.versions.set(id, entry);
    }
    if (entry instanceof PipelineError) throw entry;
    return entry;
  }

  /**
   * The de-identification engine for a contract this cache returned (or any other contract object),
   * built once per key id, reference date and secret. Engines are pure per call (engine.ts), so one
   * serves every message of that day.
   */
  engineFor(options: DeidOptions): DeidEngine {
    let engines = this.engines.get(options.contract);
    if (engines === undefined) {
      engines = new Map();
      this.engines.set(options.contract, engines);
    }
    const id = `${options.keyId}\u0000${options.referenceDate}`;
    const cached = engines.get(id);
    if (cached !== undefined && sameBytes(cached.secret, options.secret)) return cached.engine;
    const engine = this.createEngine(options);
    engines.delete(id);
    if (engines.size >= MAX_ENGINES) {
      const oldest = engines.keys().next().value;
      if (oldest !== undefined) engines.delete(oldest);
    }
    engines.set(id, { secret: Uint8Array.from(options.secret), engine });
    return engine;
  }

  private parseOnce(stored: StoredContract): ConsumerContract | PipelineError {
    try {
      return this.parse(stored.json, stored.source);
    } catch (error) {
      if (error instanceof PipelineError && error.code === 'contract-invalid') return error;
      throw error;
    }
  }
}

const digestOf = (json: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(json) ?? '')
    .digest('hex');

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && timingSafeEqual(a, b);

/** The process's cache: workers, Lambda containers and the local stack each keep their own. */
export const compiledContracts = new ContractCache();
