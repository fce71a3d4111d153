import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { PipelineError } from '../../core/errors.js';
import { onceUntilFailure } from '../../core/once.js';
import { ecJwkThumbprint } from '../../crypto/ec-thumbprint.js';
import type { TokenSigner } from '../../ports/key-provider.js';
import { keysDirectory, loadOrCreateKeyFile } from './key-files.js';

interface IssuerKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
  readonly kid: string;
}

function generateIssuerJwk(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' })), 'utf8');
}

function parseIssuerJwk(file: Buffer): { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string } {
  const jwk: unknown = JSON.parse(file.toString('utf8'));
  if (typeof jwk === 'object' && jwk !== null) {
    const { kty, crv, x, y, d } = jwk as Record<string, unknown>;
    if (
      kty === 'EC' &&
      crv === 'P-256' &&
      typeof x === 'string' &&
      typeof y === 'string' &&
      typeof d === 'string'
    ) {
      return { kty, crv, x, y, d };
    }
  }
  throw new PipelineError('config-invalid', 'issuer key file is not a P-256 private JWK');
}

/**
 * The access-token issuer key on the embedded default: one P-256 key kept as a private JWK in
 * `${home}/keys/issuer.jwk` (0600), created once; `kid` is its RFC 7638 thumbprint.
 */
export class LocalTokenSigner implements TokenSigner {
  readonly alg = 'ES256' as const;
  private readonly path: string;

  constructor(home: string) {
    this.path = join(keysDirectory(home), 'issuer.jwk');
  }

  private readonly issuerKey = onceUntilFailure(() => this.load());

  private async load(): Promise<IssuerKey> {
    try {
      const { kty, crv, x, y, d } = parseIssuerJwk(await loadOrCreateKeyFile(this.path, generateIssuerJwk));
      const kid = ecJwkThumbprint({ kty, crv, x, y });
      return {
        privateKey: createPrivateKey({ key: { kty, crv, x, y, d }, format: 'jwk' }),
        publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' },
        kid,
      };
    } catch (error) {
      throw new PipelineError('crypto-failed', 'issuer signing key could not be read or created', {
        cause: error,
      });
    }
  }

  async kid(): Promise<string> {
    return (await this.issuerKey()).kid;
  }

  async publicJwk(): Promise<JWK> {
    return { ...(await this.issuerKey()).publicJwk };
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    const { privateKey } = await this.issuerKey();
    return new Uint8Array(sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  }
}
