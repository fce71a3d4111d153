import { createHandler as deliver } from '../functions/sqs-deliver.js';
import { createHandler as process } from '../functions/sqs-process.js';
import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import { queueNames } from '../shared/app/queue-names.js';
import { logFailure } from '../shared/runtime/logger.js';
import { type QueuePoller, startQueuePoller } from './queue-poller.js';

export interface LocalWorkers {
  stop(): Promise<void>;
}

export interface LocalWorkersOptions {
  readonly rescanMs?: number;
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * The event source mappings of the deployed stack, locally: one poller on `ingest` for the process
 * function and one per consumer deliver queue for the deliver function. Consumers are the contract
 * files, re-read every few seconds so a contract dropped into PHI_HOME/contracts starts receiving.
 */
export function startLocalWorkers(deps: PipelineDeps, opts: LocalWorkersOptions = {}): LocalWorkers {
  const getDeps = () => Promise.resolve(deps);
  const processHandler = process(getDeps);
  const deliverHandler = deliver(getDeps);
  const pollers = new Map<string, QueuePoller>();
  pollers.set(
    queueNames.ingest,
    startQueuePoller({
      queueName: queueNames.ingest,
      queue: deps.queue,
      handler: processHandler,
      functionName: 'process',
      visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 30,
    }),
  );
  const scan = async () => {
    try {
      for (const { consumer } of await deps.contracts.list()) {
        const name = queueNames.deliver(consumer);
        if (!pollers.has(name)) {
          pollers.set(
            name,
            startQueuePoller({
              queueName: name,
              queue: deps.queue,
              handler: deliverHandler,
              functionName: 'deliver',
              visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 30,
            }),
          );
        }
      }
    } catch (error) {
      logFailure('local workers: contract scan failed', error);
    }
  };
  void scan();
  const timer = setInterval(() => void scan(), opts.rescanMs ?? 3000);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...pollers.values()].map((p) => p.stop()));
    },
  };
}
