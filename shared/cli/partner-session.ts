import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { PartnerClient } from '../client/partner-client.js';
import type { Config } from '../runtime/config.js';
import { privateKeyPath } from '../runtime/local/partner-keys.js';
import { CliError } from './cli-error.js';

/** A PartnerClient for a partner whose private key lives in PHI_HOME, trusting the local CA. */
export async function partnerClient(config: Config, partnerId: string, url?: string): Promise<PartnerClient> {
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(await readFile(privateKeyPath(config.home, partnerId), 'utf8')) as JWK;
  } catch {
    throw new CliError(`no private key for partner ${partnerId} in ${path.join(config.home, 'partners')}`);
  }
  const ca = await readFile(path.join(config.home, 'tls', 'ca.pem'), 'utf8').catch(() => undefined);
  return new PartnerClient({
    baseUrl: (url ?? config.publicUrl).replace(/\/+$/, ''),
    partnerId,
    privateJwk,
    ...(ca ? { ca } : {}),
  });
}
