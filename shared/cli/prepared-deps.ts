import type { PipelineDeps } from '../app/pipeline-deps.js';
import type { Config } from '../runtime/config.js';
import { buildDeps } from '../runtime/deps.js';
import { prepareVerbHome } from '../runtime/local/prepare-home.js';

/** Every verb prepares PHI_HOME first, as `phi start` does (SPEC §2); on AWS only the folder. */
export async function preparedDeps(config: Config): Promise<PipelineDeps> {
  const deps = await buildDeps(config);
  await prepareVerbHome(config, deps);
  return deps;
}
