import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import { warmRequiredBindings } from '../shared/core/fhir/required-bindings.js';
import { warmFhirValidator } from '../shared/core/fhir/validate-bundle.js';
import type { Config } from '../shared/runtime/config.js';
import { buildDeps } from '../shared/runtime/deps.js';
import { type RunningHost, startHttpHost } from './http-host.js';
import { prepareHome } from './prepare-home.js';
import { httpRoutes } from './routes.js';
import { type LocalWorkers, startLocalWorkers } from './workers.js';

export interface LocalStack {
  readonly url: string;
  readonly deps: PipelineDeps;
  readonly caPath: string;
  readonly demoKeyPath: string;
  close(): Promise<void>;
}

/**
 * `phi start`: the embedded default. The same handler functions Lambda runs, fed API Gateway v2 events
 * by a local HTTPS host.
 */
export async function startLocalStack(config: Config): Promise<LocalStack> {
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
  const workers: LocalWorkers | undefined = config.PHI_WORKERS
    ? startLocalWorkers(deps, { visibilityTimeoutSeconds: config.PHI_VISIBILITY_TIMEOUT_SECONDS })
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
    close: async () => {
      await host.close();
      await workers?.stop();
    },
  };
}
