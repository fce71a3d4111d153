import { createPrivateKey, sign } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken, verifyAccessToken } from '../../shared/core/auth/access-token.js';
import { verifyClientAssertion } from '../../shared/core/auth/client-assertion.js';
import { grantScopes, parseScope, scopeAllows } from '../../shared/core/auth/scopes.js';
import { OAuthError, PipelineError } from '../../shared/core/errors.js';

const TOKEN_URL = 'https://127.0.0.1:8443/v1/token';
const NOW = new Date('2026-11-22T10:00:00Z');
const nowSec = Math.floor(NOW.getTime() / 1000);

async function keyPair(alg: 'ES256' | 'ES384' | 'PS256' | 'EdDSA') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return { privateKey, publicJwk: { ...pub, kid, alg } as JWK, kid };
}

describe('Function: scopes', () => {
  it('reads SMART v1 and v2 scopes', () => {
    expect([...(parseScope('system/Bundle.write')?.interactions ?? [])].sort()).toEqual(['c', 'd', 'u']);
    expect([...(parseScope('system/Claim.c')?.interactions ?? [])]).toEqual(['c']);
    expect(parseScope('system/Bundle.dc')).toBeUndefined(); // v2 letters must be in cruds order
    expect(parseScope('user/Bundle.write')).toBeUndefined();
    expect(parseScope('system/Bundle.write ')).toBeUndefined();
  });

  it('grants only what the registration covers, never wider', () => {
    const registered = ['system/Bundle.write'];
    expect(grantScopes(['system/Bundle.c', 'system/Claim.write', 'system/*.cruds'], registered)).toEqual([
      'system/Bundle.c',
    ]);
    expect(grantScopes(['system/*.write'], ['system/Bundle.write'])).toEqual([]);
    expect(grantScopes(['system/Bundle.write'], ['system/*.*'])).toEqual(['system/Bundle.write']);
  });

  it('lets a route through only with a covering scope', () => {
    expect(scopeAllows(['system/Bundle.write'], 'Bundle', 'c')).toBe(true);
    expect(scopeAllows(['system/Bundle.read'], 'Bundle', 'c')).toBe(false);
    expect(scopeAllows(['system/Claim.write'], 'Bundle', 'c')).toBe(false);
    expect(scopeAllows(['system/*.c'], 'Claim', 'c')).toBe(true);
  });
});

describe('Function: verifyClientAssertion', () => {
  let es256: Awaited<ReturnType<typeof keyPair>>;
  let other: Awaited<ReturnType<typeof keyPair>>;
  beforeAll(async () => {
    es256 = await keyPair('ES256');
    other = await keyPair('ES256');
  });

  const assertion = (
    overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: unknown } = {},
  ) =>
    new SignJWT({ jti: 'j-1', ...(overrides.claims ?? {}) })
      .setProtectedHeader({ alg: 'ES256', kid: es256.kid, typ: 'JWT', ...(overrides.header ?? {}) } as never)
      .setIssuer(String(overrides.claims?.iss ?? 'lab-a'))
      .setSubject(String(overrides.claims?.sub ?? 'lab-a'))
      .setAudience(String(overrides.claims?.aud ?? TOKEN_URL))
      .setIssuedAt(nowSec)
      .setExpirationTime(Number(overrides.claims?.exp ?? nowSec + 240))
      .sign((overrides.key ?? es256.privateKey) as Parameters<SignJWT['sign']>[0]);

  const verify = async (jwt: string) =>
    verifyClientAssertion(jwt, {
      partnerId: 'lab-a',
      partnerKeys: [es256.publicJwk],
      tokenUrl: TOKEN_URL,
      now: NOW,
    });

  const refusal = async (jwt: Promise<string>) => {
    const error = await verify(await jwt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    return (error as OAuthError).oauthCode;
  };

  it('accepts a well-formed assertion and returns its jti and exp', async () => {
    await expect(verify(await assertion())).resolves.toEqual({
      partnerId: 'lab-a',
      jti: 'j-1',
      exp: nowSec + 240,
    });
  });

  it.each([
    ['exp an hour ahead', () => assertion({ claims: { exp: nowSec + 3600 } })],
    ['expired', () => assertion({ claims: { exp: nowSec - 120 } })],
    ['iss differs from sub', () => assertion({ claims: { sub: 'lab-b' } })],
    ['aud is not the token URL', () => assertion({ claims: { aud: 'https://evil.example/token' } })],
    ['an unregistered key signs', () => assertion({ key: other.privateKey })],
    ['kid is not registered', () => assertion({ header: { kid: 'nope' } })],
    ['header carries jku', () => assertion({ header: { jku: 'http://169.254.169.254/' } })],
    ['header carries jwk', () => assertion({ header: { jwk: other.publicJwk } })],
  ])('refuses an assertion whose %s as invalid_client', async (_name, make) => {
    expect(await refusal(make())).toBe('invalid_client');
  });

  it('refuses alg none and an alg other than the key pin', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: es256.kid })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: 'lab-a', sub: 'lab-a', aud: TOKEN_URL, exp: nowSec + 60, jti: 'x' }),
    ).toString('base64url')}.`;
    expect(await refusal(Promise.resolve(none))).toBe('invalid_client');
    const hs = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: es256.kid })
      .setIssuer('lab-a')
      .setSubject('lab-a')
      .setAudience(TOKEN_URL)
      .setExpirationTime(nowSec + 60)
      .sign(new TextEncoder().encode(JSON.stringify(es256.publicJwk)));
    expect(await refusal(Promise.resolve(hs))).toBe('invalid_client');
  });

  it('refuses an assertion without jti', async () => {
    const noJti = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: es256.kid })
      .setIssuer('lab-a')
      .setSubject('lab-a')
      .setAudience(TOKEN_URL)
      .setExpirationTime(nowSec + 60)
      .sign(es256.privateKey);
    expect(await refusal(Promise.resolve(noJti))).toBe('invalid_client');
  });
});

describe('Function: issueAccessToken / verifyAccessToken', () => {
  let issuer: Awaited<ReturnType<typeof keyPair>>;
  let signer: { alg: 'ES256'; kid(): Promise<string>; sign(input: Uint8Array): Promise<Uint8Array> };
  beforeAll(async () => {
    issuer = await keyPair('ES256');
    const pem = createPrivateKey({ key: (await exportJWK(issuer.privateKey)) as never, format: 'jwk' });
    signer = {
      alg: 'ES256',
      kid: async () => issuer.kid,
      sign: async (input) => sign('sha256', input, { key: pem, dsaEncoding: 'ieee-p1363' }),
    };
  });
  const base = 'https://127.0.0.1:8443';
  const verify = (token: string, now = NOW) =>
    verifyAccessToken(`Bearer ${token}`, { issuerKey: issuer.publicJwk, issuer: base, audience: base, now });

  it('round-trips partner and scopes through a signature made by the signer port', async () => {
    const { token, expiresIn } = await issueAccessToken(
      { partnerId: 'lab-a', scopes: ['system/Bundle.write'] },
      { signer, issuer: base, audience: base, now: NOW },
    );
    expect(expiresIn).toBe(300);
    await expect(verify(token)).resolves.toEqual({ partnerId: 'lab-a', scopes: ['system/Bundle.write'] });
  });

  it('refuses expired, foreign-issuer and tampered tokens as unauthenticated', async () => {
    const { token } = await issueAccessToken(
      { partnerId: 'lab-a', scopes: ['s'] },
      { signer, issuer: base, audience: base, now: NOW },
    );
    const expired = await verify(token, new Date(NOW.getTime() + 301_000)).catch((e: unknown) => e);
    const foreign = await issueAccessToken(
      { partnerId: 'lab-a', scopes: ['s'] },
      { signer, issuer: 'https://other', audience: base, now: NOW },
    );
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'lab-b' })).toString('base64url');
    const tampered = `${h}.${forged}.${s}`;
    expect(forged).not.toBe(p);
    for (const error of [
      expired,
      await verify(foreign.token).catch((e: unknown) => e),
      await verify(tampered).catch((e: unknown) => e),
      await verifyAccessToken(undefined, {
        issuerKey: issuer.publicJwk,
        issuer: base,
        audience: base,
        now: NOW,
      }).catch((e: unknown) => e),
      await verifyAccessToken('Basic abc', {
        issuerKey: issuer.publicJwk,
        issuer: base,
        audience: base,
        now: NOW,
      }).catch((e: unknown) => e),
    ]) {
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as PipelineError).code).toBe('unauthenticated');
      expect((error as PipelineError).details?.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    }
  });
});
