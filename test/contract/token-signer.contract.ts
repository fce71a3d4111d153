import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issuerJwks } from '../../shared/app/discovery.js';
import { issueAccessToken, verifyAccessToken } from '../../shared/core/auth/access-token.js';
import type { TokenSigner } from '../../shared/ports/key-provider.js';

export interface TokenSignerFixture {
  readonly signer: TokenSigner;
  /** Another instance over the same key (another process or Lambda container). */
  sameKey(): Promise<TokenSigner>;
  /** A signer over a different key. */
  otherKey(): Promise<TokenSigner>;
  cleanup(): Promise<void>;
}

const ISSUER = 'https://pipeline.example.org';
const AUDIENCE = 'https://pipeline.example.org/v1';
const NOW = new Date('2026-08-01T12:00:00.000Z');

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS of `payload` signed through `signer`, with its kid in the header. */
async function signJws(signer: TokenSigner, payload: unknown): Promise<string> {
  const input = `${b64url({ alg: signer.alg, kid: await signer.kid() })}.${b64url(payload)}`;
  const signature = await signer.sign(new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const publishedJwks = async (signer: TokenSigner) =>
  createLocalJWKSet((await issuerJwks({ signer })) as JSONWebKeySet);

export interface TokenSignerContractOptions {
  /**
   * Inputs over 4096 bytes go to KMS as a SHA-256 DIGEST; moto ignores MessageType and hashes the digest
   * again, so their signatures cannot verify there (test/integration/aws-adapters.int.test.ts checks the
   * request instead). True skips that one test on such an emulator.
   */
  readonly emulatorHashesDigests?: boolean;
}

/** The access-token issuer key: what every TokenSigner adapter must share (ES256, JWKS, stable kid). */
export function describeTokenSignerContract(
  name: string,
  make: () => Promise<TokenSignerFixture>,
  options: TokenSignerContractOptions = {},
): void {
  describe(`TokenSigner contract: ${name}`, () => {
    let fixture: TokenSignerFixture;
    let signer: TokenSigner;

    beforeEach(async () => {
      fixture = await make();
      signer = fixture.signer;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('publishes a public P-256 JWK whose kid is its RFC 7638 thumbprint', async () => {
      const jwk = await signer.publicJwk();
      expect(signer.alg).toBe('ES256');
      expect(jwk).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        alg: 'ES256',
        use: 'sig',
        kid: await signer.kid(),
      });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(member);
      const { kty, crv, x, y } = jwk;
      expect(await signer.kid()).toBe(await calculateJwkThumbprint({ kty, crv, x, y }));
    });

    it('signs raw 64-byte ES256 signatures that verify with the published JWKS', async () => {
      const token = await signJws(signer, { sub: 'demo' });
      expect(Buffer.from(token.split('.')[2] ?? '', 'base64url').byteLength).toBe(64);
      const { payload, protectedHeader } = await compactVerify(token, await publishedJwks(signer));
      expect(protectedHeader.kid).toBe(await signer.kid());
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sub: 'demo' });
    });

    it.skipIf(options.emulatorHashesDigests === true)('signs inputs longer than 4096 bytes too', async () => {
      const token = await signJws(signer, { sub: 'demo', pad: 'x'.repeat(6000) });
      await expect(compactVerify(token, await publishedJwks(signer))).resolves.toBeDefined();
    });

    it('issues access tokens the pipeline verifies, and a changed payload does not verify', async () => {
      const claims = { partnerId: 'demo', scopes: ['system/Bundle.write'] };
      const { token } = await issueAccessToken(claims, {
        signer,
        issuer: ISSUER,
        audience: AUDIENCE,
        now: NOW,
      });
      const issuerKey = await signer.publicJwk();
      const verify = (t: string) =>
        verifyAccessToken(`Bearer ${t}`, {
          issuerKey,
          issuer: ISSUER,
          audience: AUDIENCE,
          now: NOW,
        });
      await expect(verify(token)).resolves.toEqual(claims);
      const [header, payload, signature] = token.split('.');
      const forged = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as object;
      const tampered = `${header}.${b64url({ ...forged, sub: 'acme' })}.${signature}`;
      await expect(verify(tampered)).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('keeps one key and kid across instances over the same key', async () => {
      const again = await fixture.sameKey();
      expect(await again.kid()).toBe(await signer.kid());
      expect(await again.publicJwk()).toEqual(await signer.publicJwk());
      await expect(
        compactVerify(await signJws(again, { n: 1 }), await publishedJwks(signer)),
      ).resolves.toBeDefined();
    });

    it('a different key has another kid, and its signatures do not verify with this JWKS', async () => {
      const other = await fixture.otherKey();
      expect(await other.kid()).not.toBe(await signer.kid());
      const token = await signJws(other, { sub: 'demo' });
      await expect(compactVerify(token, await publishedJwks(signer))).rejects.toMatchObject({
        code: 'ERR_JWKS_NO_MATCHING_KEY',
      });
      // Even claiming this signer's kid, the other key's signature does not verify.
      const [, payload, signature] = token.split('.');
      const relabelled = `${b64url({ alg: 'ES256', kid: await signer.kid() })}.${payload}.${signature}`;
      await expect(compactVerify(relabelled, await publishedJwks(signer))).rejects.toMatchObject({
        code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      });
    });
  });
}
