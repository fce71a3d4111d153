import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { privateKeyPath } from '../local/partner-keys.js';
import type { Config } from '../shared/runtime/config.js';
import { CliError } from './cli-error.js';
import { PartnerClient } from './client/partner-client.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A PartnerClient for a partner whose private key lives in PHI_HOME. It trusts the local CA
 * (PHI_HOME/tls/ca.pem) on the embedded default, and with PHI_TARGET=aws only for a loopback URL
 * (`phi start` as a local host over the AWS adapters): a deployed API is verified against the system
 * CAs, which a `ca` option would replace.
 */
export async function partnerClient(config: Config, partnerId: string, url?: string): Promise<PartnerClient> {
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(await readFile(privateKeyPath(config.home, partnerId), 'utf8')) as JWK;
  } catch {
    throw new CliError(`no private key for partner ${partnerId} in ${path.join(config.home, 'partners')}`);
  }
  const baseUrl = (url ?? config.publicUrl).replace(/\/+$/, '');
  const trustLocalCa = config.PHI_TARGET !== 'aws' || isLoopback(baseUrl);
  const ca = trustLocalCa
    ? await readFile(path.join(config.home, 'tls', 'ca.pem'), 'utf8').catch(() => undefined)
    : undefined;
  return new PartnerClient({ baseUrl, partnerId, privateJwk, ...(ca ? { ca } : {}) });
}

function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}
