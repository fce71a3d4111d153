import { access, copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureDirectory } from '../shared/adapters/embedded/durable-fs.js';
import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import type { Config } from '../shared/runtime/config.js';
import { packageRoot } from './package-root.js';
import { addPartner, DEFAULT_TERM_DAYS, privateKeyPath } from './partner-keys.js';
import { ensureTlsFiles, type TlsFiles } from './tls-files.js';

export const DEMO_PARTNER = 'demo';
const DEMO_GOVERNANCE = { riskTier: 'low', owner: 'phi demo' } as const;

const demoGovernance = (now: Date) => {
  const inAYear = new Date(now.getTime() + DEFAULT_TERM_DAYS * 86_400_000).toISOString().slice(0, 10);
  return {
    ...DEMO_GOVERNANCE,
    baa: { status: 'active', signedAt: now.toISOString().slice(0, 10), expiresAt: inAYear },
    nextReviewDue: inAYear,
  } as const;
};

type HomeDeps = Pick<PipelineDeps, 'partners' | 'signer' | 'keys' | 'clock'>;

/**
 * First use of PHI_HOME (by any verb): the TLS certificate and its CA, the issuer key, the local master
 * key, and the `demo` partner. Idempotent; later calls find everything in place.
 *
 * With PHI_TARGET=aws (`phi start` as a local host over the AWS adapters) only PHI_HOME and its TLS
 * files are made: keys live in KMS, and the deployed registry gets neither a `demo` partner nor
 * contracts behind the operator's back. The issuer key is read once so a wrong key fails the start.
 */
export async function prepareHome(
  config: Config,
  deps: HomeDeps,
): Promise<{ tls: TlsFiles; demoKeyPath: string }> {
  await ensureDirectory(config.home);
  const tls = await ensureTlsFiles(config.home, deps.clock);
  await deps.signer.kid();
  const demoKeyPath = privateKeyPath(config.home, DEMO_PARTNER);
  if (config.PHI_TARGET === 'aws') return { tls, demoKeyPath };
  await deps.keys.materials('data');
  const hasKey = await access(demoKeyPath).then(
    () => true,
    () => false,
  );
  const demo = await deps.partners.get(DEMO_PARTNER);
  if (!hasKey && !demo) {
    await addPartner(config.home, deps.partners, deps.clock, DEMO_PARTNER, undefined, DEMO_GOVERNANCE);
  } else if (demo?.status === 'active' && demo.baa === undefined) {
    // A demo partner written before governance (docs/partners.md): this home's own synthetic partner
    // is the one record brought forward by itself; any other partner waits for `phi partner set`.
    await deps.partners.put({ ...demo, ...demoGovernance(deps.clock.now()) });
  }
  await installDefaultContracts(config.home);
  return { tls, demoKeyPath };
}

/**
 * What every verb but `phi start` needs of PHI_HOME. On the embedded default that is everything
 * `prepareHome` makes (SPEC §2: any verb may come first). With PHI_TARGET=aws it is only the folder,
 * for partners' private keys and the offline de-identification key: no TLS files (nothing listens)
 * and no AWS calls.
 */
export async function prepareVerbHome(config: Config, deps: HomeDeps): Promise<void> {
  if (config.PHI_TARGET === 'aws') {
    await ensureDirectory(config.home);
    return;
  }
  await prepareHome(config, deps);
}

/**
 * The shipped consumer contracts (contracts/*.json) are copied into PHI_HOME/contracts once, when that
 * folder does not exist yet; after that the folder is the operator's to edit.
 */
async function installDefaultContracts(home: string): Promise<void> {
  const target = path.join(home, 'contracts');
  const exists = await access(target).then(
    () => true,
    () => false,
  );
  if (exists) return;
  const source = path.join(packageRoot(), 'contracts');
  const files = (await readdir(source).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  // Staged then renamed, so a concurrent first use sees either no folder or a complete one.
  const staging = `${target}.${process.pid}.tmp`;
  await mkdir(staging, { recursive: true, mode: 0o700 });
  for (const f of files) await copyFile(path.join(source, f), path.join(staging, f));
  await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
}
