import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { PipelineError } from '../../shared/core/errors.js';
import type { Envelope } from '../../shared/crypto/envelope.js';
import type { ObjectStore, Queue } from '../../shared/ports/index.js';

/**
 * In-process fault injection for the ports the workers touch. A rule picks calls by port, method and
 * a predicate over the arguments; it either fails some of them (the Nth, the first N, or all) or holds
 * them at a gate until the test releases it, so a test can order concurrent work without sleeping.
 */
export type FaultPort = 'objects' | 'queue' | 'envelope';

export interface FaultCall {
  readonly port: FaultPort;
  readonly method: string;
  readonly args: readonly unknown[];
}

export type FaultError = 'retryable' | 'plain' | ((call: FaultCall) => Error);

export interface FailRule {
  readonly port: FaultPort;
  readonly method: string;
  readonly when?: (call: FaultCall) => boolean;
  /** 1-based positions among the matching calls that fail. */
  readonly nth?: readonly number[];
  /** Fail the first `times` matching calls (default 1 when neither `nth` nor `every` is given); `Infinity` fails them all. */
  readonly times?: number;
  /** Fail every `every`-th matching call (the every-th, 2×every-th, …). */
  readonly every?: number;
  /** `retryable` (default): PipelineError('store-unavailable', …, {retryable: true}); `plain`: an Error. */
  readonly error?: FaultError;
}

export interface HoldRule {
  readonly port: FaultPort;
  readonly method: string;
  readonly when?: (call: FaultCall) => boolean;
}

export interface FailHandle {
  /** Matching calls seen so far. */
  readonly matched: number;
  /** Matching calls that were failed. */
  readonly failed: number;
  /** Stops failing; calls pass from now on. */
  disable(): void;
}

export interface Gate {
  /** Calls waiting at the gate now. */
  readonly waiting: number;
  /** Resolves once `count` calls in total have reached the gate. */
  reached(count?: number): Promise<void>;
  /** Lets every held call (and any later one) through. */
  release(): void;
}

/** First argument as a string: the object key, the queue name or the envelope key name. */
export const firstArg = (call: FaultCall): string => (typeof call.args[0] === 'string' ? call.args[0] : '');

/** Matches calls whose first argument (key, queue or key name) matches `pattern`. */
export const argMatches =
  (pattern: RegExp) =>
  (call: FaultCall): boolean =>
    pattern.test(firstArg(call));

const makeError = (kind: FaultError, call: FaultCall): Error => {
  if (typeof kind === 'function') return kind(call);
  const what = `injected fault: ${call.port}.${call.method}`;
  return kind === 'plain'
    ? new Error(what)
    : new PipelineError('store-unavailable', what, { retryable: true });
};

interface ActiveFail {
  readonly rule: FailRule;
  matched: number;
  failed: number;
  enabled: boolean;
}

interface ActiveHold {
  readonly rule: HoldRule;
  readonly opened: Promise<void>;
  readonly release: () => void;
  open: boolean;
  arrived: number;
  waiting: number;
  readonly watchers: { count: number; resolve: () => void }[];
}

const matches = (
  rule: { port: FaultPort; method: string; when?: (c: FaultCall) => boolean },
  call: FaultCall,
) => rule.port === call.port && rule.method === call.method && (rule.when?.(call) ?? true);

export class FaultInjector {
  private readonly fails: ActiveFail[] = [];
  private readonly holds: ActiveHold[] = [];
  /** Every injected failure, in order: port, method and first argument (keys and queue names, no content). */
  readonly log: { port: FaultPort; method: string; target: string }[] = [];

  fail(rule: FailRule): FailHandle {
    const active: ActiveFail = { rule, matched: 0, failed: 0, enabled: true };
    this.fails.push(active);
    return {
      get matched() {
        return active.matched;
      },
      get failed() {
        return active.failed;
      },
      disable: () => {
        active.enabled = false;
      },
    };
  }

  hold(rule: HoldRule): Gate {
    let openGate = (): void => {};
    const opened = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const active: ActiveHold = {
      rule,
      opened,
      release: () => openGate(),
      open: false,
      arrived: 0,
      waiting: 0,
      watchers: [],
    };
    this.holds.push(active);
    return {
      get waiting() {
        return active.waiting;
      },
      reached: (count = 1) =>
        active.arrived >= count
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              active.watchers.push({ count, resolve });
            }),
      release: () => {
        active.open = true;
        openGate();
      },
    };
  }

  /** Stops every failure and opens every gate (e.g. before stopping workers). */
  clear(): void {
    for (const f of this.fails) f.enabled = false;
    for (const h of this.holds) {
      h.open = true;
      h.release();
    }
  }

  /** Called by the wrappers before each port call: waits at matching gates, then may throw. */
  async before(call: FaultCall): Promise<void> {
    for (const hold of this.holds) {
      if (hold.open || !matches(hold.rule, call)) continue;
      hold.arrived += 1;
      hold.waiting += 1;
      for (const w of hold.watchers.filter((x) => x.count <= hold.arrived)) w.resolve();
      await hold.opened;
      hold.waiting -= 1;
    }
    for (const active of this.fails) {
      if (!active.enabled || !matches(active.rule, call)) continue;
      active.matched += 1;
      const { nth, times, every } = active.rule;
      const failNow = nth
        ? nth.includes(active.matched)
        : every
          ? active.matched % every === 0
          : active.matched <= (times ?? 1);
      if (failNow) {
        active.failed += 1;
        this.log.push({ port: call.port, method: call.method, target: firstArg(call) });
        throw makeError(active.rule.error ?? 'retryable', call);
      }
    }
  }
}

export function faultyObjectStore(inner: ObjectStore, faults: FaultInjector): ObjectStore {
  const at = (method: string, args: readonly unknown[]) => faults.before({ port: 'objects', method, args });
  return {
    get bucket() {
      return inner.bucket;
    },
    put: async (key, body, options) => {
      await at('put', [key, body, options]);
      return inner.put(key, body, options);
    },
    get: async (key) => {
      await at('get', [key]);
      return inner.get(key);
    },
    putStream: async (key, body, options) => {
      await at('putStream', [key, options]);
      return inner.putStream(key, body, options);
    },
    getStream: async (key) => {
      await at('getStream', [key]);
      return inner.getStream(key);
    },
    exists: async (key) => {
      await at('exists', [key]);
      return inner.exists(key);
    },
    list: async (prefix) => {
      await at('list', [prefix]);
      return inner.list(prefix);
    },
    delete: async (key) => {
      await at('delete', [key]);
      return inner.delete(key);
    },
  };
}

export function faultyQueue(inner: Queue, faults: FaultInjector): Queue {
  const at = (method: string, args: readonly unknown[]) => faults.before({ port: 'queue', method, args });
  return {
    send: async (queue, body, options) => {
      await at('send', [queue, body, options]);
      return inner.send(queue, body, options);
    },
    receive: async (queue, options) => {
      await at('receive', [queue, options]);
      return inner.receive(queue, options);
    },
    delete: async (queue, receiptHandle) => {
      await at('delete', [queue, receiptHandle]);
      return inner.delete(queue, receiptHandle);
    },
    changeVisibility: async (queue, receiptHandle, seconds) => {
      await at('changeVisibility', [queue, receiptHandle, seconds]);
      return inner.changeVisibility(queue, receiptHandle, seconds);
    },
  };
}

export function faultyEnvelope(inner: Envelope, faults: FaultInjector): Envelope {
  const at = (method: string, args: readonly unknown[]) => faults.before({ port: 'envelope', method, args });
  return {
    encrypt: async (keyName, plaintext, context) => {
      await at('encrypt', [keyName, context]);
      return inner.encrypt(keyName, plaintext, context);
    },
    decrypt: async (keyName, ciphertext, expectedContext) => {
      await at('decrypt', [keyName, expectedContext]);
      return inner.decrypt(keyName, ciphertext, expectedContext);
    },
    encryptStream: async function* (keyName, plaintext, context) {
      await at('encryptStream', [keyName, context]);
      yield* inner.encryptStream(keyName, plaintext, context);
    },
    decryptStream: async function* (keyName, ciphertext, expectedContext) {
      await at('decryptStream', [keyName, expectedContext]);
      yield* inner.decryptStream(keyName, ciphertext, expectedContext);
    },
  };
}

/** A copy of `deps` whose object store, queue and envelope pass through `faults`. */
export function withFaults(deps: PipelineDeps, faults: FaultInjector): PipelineDeps {
  return {
    ...deps,
    objects: faultyObjectStore(deps.objects, faults),
    queue: faultyQueue(deps.queue, faults),
    envelope: faultyEnvelope(deps.envelope, faults),
  };
}
