import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { isPartnerAlgorithm } from '../shared/core/auth/jose-header.js';
import { DEFAULT_PARTNER_SCOPES } from '../shared/core/auth/scopes.js';
import { PipelineError } from '../shared/core/errors.js';
import { PARTNER_ID } from '../shared/core/ids.js';
import type { Clock, PartnerRegistry } from '../shared/ports/index.js';
import type {
  BusinessAssociateAgreement,
  PartnerRecord,
  RiskTier,
} from '../shared/ports/partner-registry.js';

export { PARTNER_ID } from '../shared/core/ids.js';

export const privateKeyPath = (home: string, partnerId: string): string =>
  path.join(home, 'partners', partnerId, 'private.jwk');

const DAY_MS = 86_400_000;
/** `phi partner add` defaults: a BAA signed today for a year, a yearly review, keys valid for a year. */
export const DEFAULT_TERM_DAYS = 365;

const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Governance of a new partner; what is not given takes the documented defaults (docs/partners.md). */
export interface PartnerGovernanceOptions {
  readonly baa?: BusinessAssociateAgreement;
  readonly nextReviewDue?: string;
  readonly riskTier?: RiskTier;
  readonly owner?: string;
  readonly sourceCidrs?: readonly string[];
  readonly routes?: PartnerRecord['routes'];
  /** The key's lifetime in days (its notAfter). */
  readonly keyDays?: number;
}

/** A new EC P-256 key pair, `kid` = RFC 7638 thumbprint, `alg: ES256`, `use: sig`. */
export async function newPartnerKeyPair(): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  // jose loads here, on first use: every verb imports this module to prepare PHI_HOME.
  const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await import('jose');
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

/** Writes a partner's private JWK (mode 0600), never over an existing file. */
async function writePrivateKey(file: string, jwk: JWK): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * Registers a governed partner with a new EC P-256 key pair: the public JWK goes to the registry with
 * its validity window, the private JWK (with kid, alg ES256, use sig) to PHI_HOME/partners/ID/private.jwk
 * with mode 0600. Without options the partner has an active BAA signed today for DEFAULT_TERM_DAYS, a
 * review due then, risk tier `moderate` and `owner` as given (the operator by default).
 */
export async function addPartner(
  home: string,
  registry: PartnerRegistry,
  clock: Clock,
  partnerId: string,
  scopes: readonly string[] = DEFAULT_PARTNER_SCOPES,
  governance: PartnerGovernanceOptions = {},
): Promise<{ privateKeyPath: string }> {
  if (!PARTNER_ID.test(partnerId)) {
    throw new PipelineError(
      'config-invalid',
      'partner id must be 1-64 of a-z, 0-9 and -, starting with a letter or digit',
    );
  }
  if (await registry.get(partnerId))
    throw new PipelineError('config-invalid', `partner ${partnerId} already exists`);
  const now = clock.now().getTime();
  const term = now + DEFAULT_TERM_DAYS * DAY_MS;
  const { publicJwk, privateJwk } = await newPartnerKeyPair();
  const record: PartnerRecord = {
    id: partnerId,
    scopes: [...scopes],
    keys: [
      {
        ...publicJwk,
        notBefore: new Date(now).toISOString(),
        notAfter: new Date(now + (governance.keyDays ?? DEFAULT_TERM_DAYS) * DAY_MS).toISOString(),
      },
    ],
    status: 'active',
    createdAt: new Date(now).toISOString(),
    baa: governance.baa ?? { status: 'active', signedAt: isoDay(now), expiresAt: isoDay(term) },
    riskTier: governance.riskTier ?? 'moderate',
    owner: governance.owner ?? 'unassigned',
    nextReviewDue: governance.nextReviewDue ?? isoDay(term),
    ...(governance.routes === undefined ? {} : { routes: [...governance.routes] }),
    ...(governance.sourceCidrs === undefined ? {} : { sourceCidrs: [...governance.sourceCidrs] }),
  };
  const file = privateKeyPath(home, partnerId);
  await writePrivateKey(file, privateJwk);
  try {
    await registry.put(record);
  } catch (error) {
    // A record the registry refuses (a bad flag) leaves no orphan private key behind.
    await rm(file, { force: true });
    throw error;
  }
  return { privateKeyPath: file };
}

/**
 * The local half of `phi partner rotate-key` with a generated key, once the registry holds the new
 * public key: the current private key moves to `partners/ID/private-<kid>.jwk` (it still signs during
 * the overlap) and the new one takes its place.
 */
export async function installRotatedPrivateKey(
  home: string,
  partnerId: string,
  privateJwk: JWK,
): Promise<{ privateKeyPath: string; previousKeyPath?: string }> {
  const file = privateKeyPath(home, partnerId);
  let previousKeyPath: string | undefined;
  const current = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as JWK,
    () => undefined,
  );
  if (current !== undefined) {
    const kid =
      typeof current.kid === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(current.kid) ? current.kid : 'old';
    previousKeyPath = path.join(path.dirname(file), `private-${kid}.jwk`);
    await rename(file, previousKeyPath);
  }
  await writePrivateKey(file, privateJwk);
  return { privateKeyPath: file, ...(previousKeyPath === undefined ? {} : { previousKeyPath }) };
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * A partner's new public JWK from a file (`rotate-key --jwk`): an asymmetric public key with a pinned
 * `alg`; `kid` defaults to its RFC 7638 thumbprint. A file holding private members is refused: the
 * partner keeps its private key.
 */
export async function readPublicJwkFile(file: string): Promise<JWK> {
  const { calculateJwkThumbprint, importJWK } = await import('jose');
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (cause) {
    throw new PipelineError('usage', '--jwk must name a readable JSON Web Key file', { cause });
  }
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw new PipelineError('usage', '--jwk is not a JSON Web Key');
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw new PipelineError('usage', '--jwk holds a private key; give the public JWK only');
  }
  if (!isPartnerAlgorithm(jwk.alg)) {
    throw new PipelineError('usage', '--jwk needs alg ES256, ES384, PS256 or EdDSA');
  }
  await importJWK(jwk, jwk.alg).catch((cause: unknown) => {
    throw new PipelineError('usage', '--jwk is not a usable public key for its alg', { cause });
  });
  const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, use: 'sig' };
}
