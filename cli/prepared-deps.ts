import { prepareVerbHome } from '../local/prepare-home.js';
import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import type { Config } from '../shared/runtime/config.js';
import { buildDeps } from '../shared/runtime/deps.js';

/** Every verb prepares PHI_HOME first, as `phi start` does (SPEC §2); on AWS only the folder. */
export async function preparedDeps(config: Config): Promise<PipelineDeps> {
  const deps = await buildDeps(config);
  await prepareVerbHome(config, deps);
  return deps;
}
