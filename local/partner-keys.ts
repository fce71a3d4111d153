import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { DEFAULT_PARTNER_SCOPES } from '../shared/core/auth/scopes.js';
import { PipelineError } from '../shared/core/errors.js';
import { PARTNER_ID } from '../shared/core/ids.js';
import type { Clock, PartnerRegistry } from '../shared/ports/index.js';

export { PARTNER_ID } from '../shared/core/ids.js';

export const privateKeyPath = (home: string, partnerId: string): string =>
  path.join(home, 'partners', partnerId, 'private.jwk');

/**
 * Registers a partner with a new EC P-256 key pair: the public JWK goes to the registry, the private JWK
 * (with kid, alg ES256, use sig) to PHI_HOME/partners/ID/private.jwk with mode 0600.
 */
export async function addPartner(
  home: string,
  registry: PartnerRegistry,
  clock: Clock,
  partnerId: string,
  scopes: readonly string[] = DEFAULT_PARTNER_SCOPES,
): Promise<{ privateKeyPath: string }> {
  if (!PARTNER_ID.test(partnerId)) {
    throw new PipelineError(
      'config-invalid',
      'partner id must be 1-64 of a-z, 0-9 and -, starting with a letter or digit',
    );
  }
  if (await registry.get(partnerId))
    throw new PipelineError('config-invalid', `partner ${partnerId} already exists`);
  // jose loads here, on first use: every verb imports this module to prepare PHI_HOME.
  const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await import('jose');
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const pub: JWK = { ...publicJwk, kid, alg: 'ES256', use: 'sig' };
  const priv: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  const file = privateKeyPath(home, partnerId);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(priv, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await registry.put({
    id: partnerId,
    scopes: [...scopes],
    keys: [pub],
    status: 'active',
    createdAt: clock.now().toISOString(),
  });
  return { privateKeyPath: file };
}
