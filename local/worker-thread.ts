import { parentPort, workerData } from 'node:worker_threads';
import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import { PipelineError } from '../shared/core/errors.js';
import type { Config } from '../shared/runtime/config.js';
import { buildDeps } from '../shared/runtime/deps.js';
import { logFailure } from '../shared/runtime/logger.js';
import type { WorkerThreadData, WorkerThreadMessage } from './worker-thread-host.js';
import { startLocalWorkers } from './workers.js';

/**
 * The queue workers' own thread (see worker-thread-host.ts): deps of its own, built from the stack's
 * Config. Queues, objects and the audit log are files that both threads open; each store is safe for
 * several processes (SQLite WAL with IMMEDIATE transactions, create-if-absent objects, the audit lock).
 */
const port = parentPort;
if (port === null) {
  throw new PipelineError('config-invalid', 'local/worker-thread.js runs only as a worker thread');
}
const data = workerData as WorkerThreadData;

const deps: PipelineDeps = await buildDeps(data.config as Config);
const workers = startLocalWorkers(deps, data.options);

let stopping = false;
port.on('message', (message: WorkerThreadMessage) => {
  if (message.type !== 'stop' || stopping) return;
  stopping = true;
  void (async () => {
    try {
      await workers.stop();
    } catch (error) {
      logFailure('local workers: stop failed', error);
    }
    closeStores(deps);
    // Ends this thread only; other handles of the deps (timers, sockets) must not keep it alive.
    process.exit(0);
  })();
});

/** The SQLite connections this thread opened; the other thread keeps its own. */
function closeStores(d: PipelineDeps): void {
  for (const store of [d.queue, d.audit] as unknown[]) {
    const close = (store as { close?: unknown }).close;
    if (typeof close !== 'function') continue;
    try {
      close.call(store);
    } catch (error) {
      logFailure('local workers: closing a store failed', error);
    }
  }
}
