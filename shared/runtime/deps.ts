import type { PipelineDeps } from '../app/pipeline-deps.js';
import { type Config, getConfig } from './config.js';

export const INGEST_QUEUE = 'ingest';

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
    throw new Error('PHI_TARGET=aws is not available yet: the AWS adapters are not built');
  }
  const { createEmbeddedDeps } = await import('./embedded-deps.js');
  return createEmbeddedDeps(config);
}
