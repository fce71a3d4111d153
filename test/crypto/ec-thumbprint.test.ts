import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { ecJwkThumbprint } from '../../shared/crypto/ec-thumbprint.js';

describe('ecJwkThumbprint', () => {
  it("equals jose's RFC 7638 thumbprint for P-256 keys, whatever else the JWK carries", async () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' }) as { kty: 'EC'; crv: string; x: string; y: string };
      const expected = await calculateJwkThumbprint({ ...jwk, kid: 'ignored', alg: 'ES256' } as never);
      expect(ecJwkThumbprint(jwk)).toBe(expected);
    }
  });

  it('is the RFC 7638 §3.1 construction: ordered members, no whitespace, SHA-256, base64url', () => {
    // Another x gives another thumbprint; member order in the input does not matter.
    const a = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB' } as const;
    const b = { y: 'BBBB', x: 'AAAA', crv: 'P-256', kty: 'EC' } as const;
    expect(ecJwkThumbprint(a)).toBe(ecJwkThumbprint(b));
    expect(ecJwkThumbprint({ ...a, x: 'AAAB' })).not.toBe(ecJwkThumbprint(a));
    expect(ecJwkThumbprint(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
