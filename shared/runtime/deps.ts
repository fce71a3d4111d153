import type { PipelineDeps, PipelineSettings } from '../app/pipeline-deps.js';
import { type Config, getConfig } from './config.js';

export const INGEST_QUEUE = 'ingest';

/** The use cases' settings, the same for every target; only the queue name prefix differs. */
export const pipelineSettings = (config: Config, queuePrefix: string): PipelineSettings => ({
  publicUrl: config.publicUrl,
  tokenUrl: config.tokenUrl,
  maxBodyBytes: config.PHI_MAX_BODY_BYTES,
  tokenTtlSeconds: config.PHI_TOKEN_TTL_SECONDS,
  ingestQueue: INGEST_QUEUE,
  queuePrefix,
  // On AWS this must equal the queues' RedrivePolicy maxReceiveCount in the deployment template.
  maxReceiveCount: config.PHI_MAX_RECEIVE_COUNT,
  retryBaseSeconds: config.PHI_RETRY_BASE_SECONDS,
});

let memo: Promise<PipelineDeps> | undefined;

/**
 * Composition root: builds the adapters for the configured target once per process (Lambda container
 * or local host), lazily on first use, so importing a handler does no I/O.
 */
export function getDeps(): Promise<PipelineDeps> {
  memo ??= buildDeps(getConfig());
  return memo;
}

export async function buildDeps(config: Config): Promise<PipelineDeps> {
  if (config.PHI_TARGET === 'aws') {
    // Imported only here, so the embedded default never loads the AWS SDK clients.
    const { createAwsDeps } = await import('./aws-deps.js');
    return createAwsDeps(config);
  }
  const { createEmbeddedDeps } = await import('./embedded-deps.js');
  return createEmbeddedDeps(config);
}
