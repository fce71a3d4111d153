import type { PipelineDeps } from '../app/pipeline-deps.js';
import { type Config, getConfig } from './config.js';

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
