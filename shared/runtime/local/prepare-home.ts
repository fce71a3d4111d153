import { access } from 'node:fs/promises';
import { ensureDirectory } from '../../adapters/embedded/durable-fs.js';
import type { PipelineDeps } from '../../app/pipeline-deps.js';
import type { Config } from '../config.js';
import { addPartner, privateKeyPath } from './partner-keys.js';
import { ensureTlsFiles, type TlsFiles } from './tls-files.js';

export const DEMO_PARTNER = 'demo';

/**
 * First use of PHI_HOME (by any verb): the TLS certificate and its CA, the issuer key, the local master
 * key, and the `demo` partner. Idempotent; later calls find everything in place.
 */
export async function prepareHome(
  config: Config,
  deps: Pick<PipelineDeps, 'partners' | 'signer' | 'keys' | 'clock'>,
): Promise<{ tls: TlsFiles; demoKeyPath: string }> {
  await ensureDirectory(config.home);
  const tls = await ensureTlsFiles(config.home, deps.clock);
  await deps.signer.kid();
  await deps.keys.materials('data');
  const demoKeyPath = privateKeyPath(config.home, DEMO_PARTNER);
  const hasKey = await access(demoKeyPath).then(
    () => true,
    () => false,
  );
  if (!hasKey && !(await deps.partners.get(DEMO_PARTNER))) {
    await addPartner(config.home, deps.partners, deps.clock, DEMO_PARTNER);
  }
  return { tls, demoKeyPath };
}
