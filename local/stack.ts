import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import { warmRequiredBindings } from '../shared/core/fhir/required-bindings.js';
import { warmFhirValidator } from '../shared/core/fhir/validate-bundle.js';
import type { Config } from '../shared/runtime/config.js';
import { buildDeps } from '../shared/runtime/deps.js';
import { type RunningHost, startHttpHost } from './http-host.js';
import { prepareHome } from './prepare-home.js';
import { httpRoutes } from './routes.js';
import { startWorkerThread, workerThreadAvailable } from './worker-thread-host.js';
import { type LocalWorkers, startLocalWorkers } from './workers.js';

export interface LocalStackOptions {
  /**
   * Where the queue workers run: `thread` (the default when running compiled code: a second core, off
   * the event loop that serves partners) or `in-process` (the default from TypeScript sources, e.g.
   * under vitest, where a thread cannot load the .ts entry).
   */
  readonly workers?: 'thread' | 'in-process';
}

export interface LocalStack {
  readonly url: string;
  readonly deps: PipelineDeps;
  readonly caPath: string;
  readonly demoKeyPath: string;
  /** Where the queue workers run; `off` with PHI_WORKERS=false. */
  readonly workers: 'thread' | 'in-process' | 'off';
  close(): Promise<void>;
}

/**
 * `phi start`: the embedded default. The same handler functions Lambda runs, fed API Gateway v2 events
 * by a local HTTPS host.
 */
export async function startLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  const deps = await buildDeps(config);
  const home = await prepareHome(config, deps);
  const getDeps = () => Promise.resolve(deps);
  const { routes, fallback } = httpRoutes(getDeps);
  const host: RunningHost = await startHttpHost({
    host: config.PHI_HOST,
    port: config.PORT,
    tls: home.tls,
    routes,
    fallback,
    maxBodyBytes: config.PHI_MAX_BODY_BYTES,
  });
  const workerOptions = { visibilityTimeoutSeconds: config.PHI_VISIBILITY_TIMEOUT_SECONDS };
  const mode = !config.PHI_WORKERS
    ? 'off'
    : (options.workers ?? (workerThreadAvailable() ? 'thread' : 'in-process'));
  const workers: LocalWorkers | undefined =
    mode === 'thread'
      ? startWorkerThread(config, workerOptions)
      : mode === 'in-process'
        ? startLocalWorkers(deps, workerOptions)
        : undefined;
  // Index the R4 definitions and value sets now (about a second) rather than in the first request.
  setImmediate(() => {
    warmFhirValidator();
    warmRequiredBindings();
  });
  return {
    url: host.url,
    deps,
    caPath: home.tls.caPath,
    demoKeyPath: home.demoKeyPath,
    workers: mode,
    close: async () => {
      await host.close();
      await workers?.stop();
    },
  };
}
