import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../shared/runtime/config.js';
import { logFailure, logger } from '../shared/runtime/logger.js';
import type { LocalWorkers, LocalWorkersOptions } from './workers.js';

export interface WorkerThreadData {
  readonly config: Config;
  readonly options: LocalWorkersOptions;
}

export interface WorkerThreadMessage {
  readonly type: 'stop';
}

/** How long a stop waits for in-flight batches before the thread is terminated (they come back after their visibility timeout). */
const STOP_GRACE_MS = 30_000;
/** Pause before a thread that died is started again. */
const RESTART_MS = 1_000;

const ENTRY = new URL('./worker-thread.js', import.meta.url);

/**
 * The thread's V8 heap, bounded (docs/streaming.md, "Memory"). Without a bound V8 sizes the heap
 * from the machine (a 4 GB limit here) and lets it grow with allocation churn: a 100 MB bulk
 * submission took the thread's heap to 276 MB with 75 to 243 MB of it live between collections.
 * With these, the same run stayed at 101 MB (live at most 72 MB), and a 10 KB load was not slower.
 * A message that would need more than the bound ends the thread (ERR_WORKER_OUT_OF_MEMORY), which
 * is started again; the message comes back after its visibility timeout and, repeated, dead-letters.
 */
const HEAP_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 12 } as const;

/**
 * Whether the queue workers can run in a thread: the entry is compiled JavaScript (`dist/`, as
 * `phi start` and `npm start` run). From TypeScript sources (tests) they run in-process instead.
 */
export const workerThreadAvailable = (): boolean => existsSync(fileURLToPath(ENTRY));

/**
 * The queue pollers and handlers on a thread of their own, so de-identification, encryption and the
 * workers' synchronous SQLite commits never hold up the event loop that serves partners: the embedded
 * host uses a second core. The thread builds its own deps from the same Config. A thread that dies is
 * logged and started again; `stop()` lets in-flight batches finish, closes its stores and waits for it.
 */
export function startWorkerThread(config: Config, options: LocalWorkersOptions = {}): LocalWorkers {
  let stopping = false;
  let worker: Worker;
  let exited: Promise<number>;
  let restartTimer: NodeJS.Timeout | undefined;

  const spawn = (): void => {
    const data: WorkerThreadData = { config, options };
    worker = new Worker(ENTRY, { workerData: data, name: 'phi-workers', resourceLimits: HEAP_LIMITS });
    worker.on('error', (error) => logFailure('local workers: thread failed', error));
    exited = new Promise((resolve) => worker.once('exit', resolve));
    void exited.then((code) => {
      if (stopping) return;
      logger.error('local workers: thread exited; starting it again', { exitCode: code });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (!stopping) spawn();
      }, RESTART_MS);
    });
  };
  spawn();

  return {
    stop: async () => {
      stopping = true;
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      const current = worker;
      current.postMessage({ type: 'stop' } satisfies WorkerThreadMessage);
      const grace = setTimeout(() => void current.terminate(), STOP_GRACE_MS);
      await exited;
      clearTimeout(grace);
    },
  };
}
