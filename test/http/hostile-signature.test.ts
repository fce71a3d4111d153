/**
 * Hostile-input catalog §7 C (rows S1–S20 of security.md §2.6) against `X-JWS-Signature`, over real
 * HTTPS. SPEC §3 answers every signature fault with 400 and one of: signature-missing,
 * signature-malformed, signature-invalid, signature-key-unknown, signature-alg-rejected, signature-stale.
 * Every other part of each request is valid, so the signature is the only fault.
 */
import { createPublicKey, type JsonWebKey, randomBytes, sign } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../local/partner-keys.js';
import {
  accessToken,
  attackerKey,
  b64url,
  connectionCounter,
  craftDetachedJws,
  DOOR_ONLY,
  ecSigner,
  expectRejected,
  expectRejectedAsOneOf,
  expectServerAlive,
  freshBundle,
  nowSeconds,
  partnerJwsHeader,
  privateKeyObject,
  publicHalf,
  type RawRequest,
  sendRaw,
  snapshot,
  submission,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

describe('hostile signature (catalog C, S1–S20)', () => {
  let t: TestStack;
  let jwk: JWK;
  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
    jwk = await t.privateJwk();
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'other-lab');
    await accessToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A valid demo submission of a fresh body whose X-JWS-Signature is `jws(body)`. */
  const withSignature = async (jws: (body: Buffer) => string): Promise<RawRequest> => {
    const body = freshBundle();
    return submission(t, body, { headers: { 'X-JWS-Signature': jws(body) } });
  };
  const rejected = async (req: RawRequest, code: string) =>
    expectRejected(t, () => sendRaw(t, req), 400, code);

  it('(control) the crafting helpers make a signature the server accepts', async () => {
    const req = await withSignature((body) => craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(jwk)));
    expect((await sendRaw(t, req)).status).toBe(202);
  });

  it('S10: no X-JWS-Signature is signature-missing', async () => {
    const req = await submission(t, freshBundle(), { headers: { 'X-JWS-Signature': undefined } });
    await rejected(req, 'signature-missing');
  });

  it('S10: HEADER.. with an empty signature is signature-malformed', async () => {
    const req = await withSignature(() => `${b64url(JSON.stringify(partnerJwsHeader(jwk)))}..`);
    await rejected(req, 'signature-malformed');
  });

  it('a non-detached compact JWS (payload present) is signature-malformed', async () => {
    const req = await withSignature((body) => {
      const jws = craftDetachedJws(
        partnerJwsHeader(jwk, { b64: undefined, crit: undefined }),
        body,
        ecSigner(jwk),
      );
      const [h, , s] = jws.split('.');
      return `${h}.${b64url(body)}.${s}`;
    });
    await rejected(req, 'signature-malformed');
  });

  it('a JWS JSON serialization instead of compact form is signature-malformed', async () => {
    const req = await withSignature((body) => {
      const [h, , s] = craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(jwk)).split('.');
      return JSON.stringify({ protected: h, signature: s });
    });
    await rejected(req, 'signature-malformed');
  });

  it('two or four segments are signature-malformed', async () => {
    const good = craftDetachedJws(partnerJwsHeader(jwk), freshBundle(), ecSigner(jwk));
    const [h, , s] = good.split('.');
    for (const value of [`${h}.${s}`, `${h}...${s}`]) {
      await rejected(await withSignature(() => value), 'signature-malformed');
    }
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])(
    'S1: alg "%s" with an empty signature is signature-alg-rejected',
    async (alg) => {
      const req = await withSignature((body) =>
        craftDetachedJws(partnerJwsHeader(jwk, { alg }), body, { kind: 'none' }),
      );
      await rejected(req, 'signature-alg-rejected');
    },
  );

  it('S1: alg "none" with a non-empty (bogus) signature is signature-alg-rejected', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { alg: 'none' }), body, {
        kind: 'bytes',
        signature: randomBytes(64),
      }),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it("S2: HS256 keyed with the partner's public JWK (JSON text) is signature-alg-rejected", async () => {
    const secret = JSON.stringify(publicHalf(jwk));
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { alg: 'HS256' }), body, { kind: 'hmac', secret }),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it("S2: HS256 keyed with the partner's public key PEM is signature-alg-rejected", async () => {
    const pem = createPublicKey({ key: publicHalf(jwk) as JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { alg: 'HS256' }), body, { kind: 'hmac', secret: pem }),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it.each([
    ['ES384', 96],
    ['PS256', 256],
    ['RS256', 256],
    ['ES256K', 64],
  ] as const)("alg %s on the partner's ES256 kid is signature-alg-rejected", async (alg, size) => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { alg }), body, { kind: 'bytes', signature: randomBytes(size) }),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it.each(['../../../../dev/null', '/proc/self/environ', "x' OR '1'='1", 'k1\u0000'])(
    'S3/S4: kid %j is signature-key-unknown',
    async (kid) => {
      const req = await withSignature((body) =>
        craftDetachedJws(partnerJwsHeader(jwk, { kid }), body, ecSigner(jwk)),
      );
      await rejected(req, 'signature-key-unknown');
    },
  );

  it("S4: the partner's own kid with a NUL appended is signature-key-unknown (no truncation)", async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { kid: `${jwk.kid}\u0000` }), body, ecSigner(jwk)),
    );
    await rejected(req, 'signature-key-unknown');
  });

  it('S4: a 200-character kid is signature-key-unknown', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { kid: 'k'.repeat(200) }), body, ecSigner(jwk)),
    );
    await rejected(req, 'signature-key-unknown');
  });

  it('S4: a 10 KB kid is refused as an unknown key or as an oversized JWS', async () => {
    // SPEC has no JWS size limit: refusing the kid (key-unknown) and refusing the oversized header
    // before reading the kid (malformed) are both specific and defensible; either way nothing runs on it.
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { kid: 'k'.repeat(10 * 1024) }), body, ecSigner(jwk)),
    );
    await expectRejectedAsOneOf(t, () => sendRaw(t, req), [
      [400, 'signature-key-unknown'],
      [400, 'signature-malformed'],
    ]);
  });

  it('S5/S6: jku and x5u (http and file) are signature-alg-rejected and never fetched', async () => {
    const listener = await connectionCounter();
    try {
      for (const extra of [
        { jku: `${listener.url}/latest/meta-data/iam/` },
        { x5u: `${listener.url}/cert.pem` },
        { x5u: 'file:///etc/passwd' },
      ]) {
        const req = await withSignature((body) =>
          craftDetachedJws(partnerJwsHeader(jwk, extra), body, ecSigner(jwk)),
        );
        await rejected(req, 'signature-alg-rejected');
      }
      expect(listener.connections(), 'outbound connections to the URLs in the header').toBe(0);
    } finally {
      await listener.close();
    }
  });

  it("S7: an embedded attacker jwk, signed by the attacker under the partner's kid, is signature-alg-rejected", async () => {
    const attacker = await attackerKey();
    const req = await withSignature((body) =>
      craftDetachedJws(
        partnerJwsHeader(jwk, { jwk: publicHalf(attacker.publicJwk) }),
        body,
        ecSigner(attacker.privateJwk),
      ),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it('S7: an embedded x5c chain is signature-alg-rejected', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(
        partnerJwsHeader(jwk, { x5c: [randomBytes(300).toString('base64')] }),
        body,
        ecSigner(jwk),
      ),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it.each([
    [{ crit: ['x-foo'], 'x-foo': 1, b64: undefined }, false],
    [{ crit: ['exp'], exp: nowSeconds() + 60, b64: undefined }, false],
    [{ crit: ['b64', 'x-foo'], 'x-foo': 1 }, true],
  ])('S8: unknown crit %j is signature-alg-rejected', async (extra, unencoded) => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, extra), body, ecSigner(jwk), { unencoded }),
    );
    await rejected(req, 'signature-alg-rejected');
  });

  it('S9: b64 false without crit is signature-malformed', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { crit: undefined }), body, ecSigner(jwk), { unencoded: true }),
    );
    await rejected(req, 'signature-malformed');
  });

  it('S9: crit ["b64"] with b64 as the string "false" is signature-malformed', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { b64: 'false' }), body, ecSigner(jwk), { unencoded: true }),
    );
    await rejected(req, 'signature-malformed');
  });

  it('S9: crit ["b64"] without a b64 member, and an empty crit, are signature-malformed', async () => {
    for (const extra of [{ b64: undefined }, { crit: [] }]) {
      const req = await withSignature((body) =>
        craftDetachedJws(partnerJwsHeader(jwk, extra), body, ecSigner(jwk), { unencoded: true }),
      );
      await rejected(req, 'signature-malformed');
    }
  });

  it('S9: a standard (base64url) signature under an unencoded header is signature-invalid', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(jwk), { unencoded: false }),
    );
    await rejected(req, 'signature-invalid');
  });

  it('S9: an unencoded (raw body) signature under a standard header is signature-invalid', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { b64: undefined, crit: undefined }), body, ecSigner(jwk), {
        unencoded: true,
      }),
    );
    await rejected(req, 'signature-invalid');
  });

  it('S11: duplicate alg members ({"alg":"none","alg":"ES256"}), validly signed, are signature-malformed', async () => {
    const req = await withSignature((body) => {
      const header = `{"alg":"none","alg":"ES256","kid":${JSON.stringify(jwk.kid)},"iat":${nowSeconds()},"b64":false,"crit":["b64"]}`;
      return craftDetachedJws(header, body, ecSigner(jwk), { unencoded: true });
    });
    await rejected(req, 'signature-malformed');
  });

  it('S11: duplicate kid members, validly signed, are signature-malformed', async () => {
    const req = await withSignature((body) => {
      const header = `{"alg":"ES256","kid":"someone-else","kid":${JSON.stringify(jwk.kid)},"iat":${nowSeconds()},"b64":false,"crit":["b64"]}`;
      return craftDetachedJws(header, body, ecSigner(jwk), { unencoded: true });
    });
    await rejected(req, 'signature-malformed');
  });

  it('S11: a protected header that is not a JSON object is signature-malformed', async () => {
    for (const header of ['["ES256"]', '"ES256"', '{"alg":"ES256"', 'not json']) {
      const req = await withSignature((body) =>
        craftDetachedJws(header, body, ecSigner(jwk), { unencoded: true }),
      );
      await rejected(req, 'signature-malformed');
    }
  });

  it('S12: a 64 KB protected header is refused at the edge (431 payload-too-large) before any decoding', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { 'x-pad': 'p'.repeat(48 * 1024) }), body, ecSigner(jwk)),
    );
    await expectRejected(t, () => sendRaw(t, req), 431, 'payload-too-large', { audit: 'edge' });
  });

  it('S12: 1 000 crit entries (within the HTTP header limit) are signature-malformed or signature-alg-rejected', async () => {
    // Either answer is specific: the header is oversized for a JWS and its crit lists unknown extensions.
    const crit = Array.from({ length: 1_000 }, (_, i) => `x${i}`);
    const req = await withSignature((body) =>
      craftDetachedJws({ ...partnerJwsHeader(jwk), crit }, body, ecSigner(jwk), { unencoded: true }),
    );
    await expectRejectedAsOneOf(t, () => sendRaw(t, req), [
      [400, 'signature-malformed'],
      [400, 'signature-alg-rejected'],
    ]);
  });

  it('S13: +, /, =, space, tab, %2B and non-ASCII in the signature segment are signature-malformed', async () => {
    // A signature whose base64url has - or _, so the standard-alphabet form really differs.
    let good = '';
    let body = freshBundle();
    for (;;) {
      good = craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(jwk));
      const sig = good.split('.')[2] ?? '';
      if (/[-_]/.test(sig.slice(1, -1))) break;
      body = freshBundle();
    }
    const [h, , s = ''] = good.split('.');
    const std = Buffer.from(s, 'base64url').toString('base64').replace(/=+$/, '');
    const mid = Math.floor(s.length / 2);
    for (const bad of [
      std,
      `${s}=`,
      `${s.slice(0, mid)} ${s.slice(mid)}`,
      `${s.slice(0, mid)}\t${s.slice(mid)}`,
      `${s.slice(0, mid)}%2B${s.slice(mid)}`,
      `${s.slice(0, mid)}\u00e9${s.slice(mid)}`,
    ]) {
      const req = await submission(t, body, { headers: { 'X-JWS-Signature': `${h}..${bad}` } });
      await rejected(req, 'signature-malformed');
    }
  });

  it('S13: =, + and whitespace in the protected header segment are signature-malformed', async () => {
    const body = freshBundle();
    const [h = '', , s] = craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(jwk)).split('.');
    const mid = Math.floor(h.length / 2);
    for (const bad of [`${h}=`, `${h.slice(0, mid)}+${h.slice(mid)}`, `${h.slice(0, mid)} ${h.slice(mid)}`]) {
      const req = await submission(t, body, { headers: { 'X-JWS-Signature': `${bad}..${s}` } });
      await rejected(req, 'signature-malformed');
    }
  });

  it('S14: an ES256 signature of 64 zero bytes (r = s = 0) is signature-invalid', async () => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk), body, { kind: 'bytes', signature: new Uint8Array(64) }),
    );
    await rejected(req, 'signature-invalid');
  });

  it('S14: a DER-encoded ECDSA signature (not R||S) is signature-malformed', async () => {
    // JWA (RFC 7518 §3.4) defines the ES256 signature as the 64-byte R||S; DER is not an encoding of it.
    const req = await withSignature((body) => {
      const protectedB64 = b64url(JSON.stringify(partnerJwsHeader(jwk)));
      const input = Buffer.concat([Buffer.from(`${protectedB64}.`), body]);
      const der = sign('sha256', input, { key: privateKeyObject(jwk), dsaEncoding: 'der' });
      return `${protectedB64}..${b64url(der)}`;
    });
    await rejected(req, 'signature-malformed');
  });

  it('S14: 63- and 65-byte ES256 signatures are signature-malformed', async () => {
    for (const size of [63, 65]) {
      const req = await withSignature((body) =>
        craftDetachedJws(partnerJwsHeader(jwk), body, { kind: 'bytes', signature: randomBytes(size) }),
      );
      await rejected(req, 'signature-malformed');
    }
  });

  it('S15: a valid signature over body A attached to body B is signature-invalid', async () => {
    const bodyA = freshBundle();
    const req = await withSignature(() => craftDetachedJws(partnerJwsHeader(jwk), bodyA, ecSigner(jwk)));
    await rejected(req, 'signature-invalid');
  });

  it("S15: the partner's kid with a signature by an unregistered key is signature-invalid", async () => {
    const attacker = await attackerKey();
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(attacker.privateJwk)),
    );
    await rejected(req, 'signature-invalid');
  });

  it('S16: the exact same signed request again is 200 with the first id and stores nothing new', async () => {
    const req = await withSignature((body) => craftDetachedJws(partnerJwsHeader(jwk), body, ecSigner(jwk)));
    const first = await sendRaw(t, req);
    expect(first.status).toBe(202);
    const before = await snapshot(t);

    const again = await sendRaw(t, req);

    expect(again.status).toBe(200);
    const id = (res: { body: Buffer }) =>
      (JSON.parse(res.body.toString('utf8')) as { submissionId?: string }).submissionId;
    expect(id(again)).toBe(id(first));
    expect(await t.stack.deps.objects.list('')).toEqual(before.objects);
    const after = await snapshot(t);
    expect(after.sends - before.sends).toBe(0);
    expect(after.ingest).toBe(before.ingest);
  });

  it.each([
    ['one hour ago', -3600],
    ['ten minutes ahead', 600],
    ['just outside the window (301 s ago)', -301],
  ])('S17: iat %s is signature-stale', async (_label, offset) => {
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(jwk, { iat: nowSeconds() + offset }), body, ecSigner(jwk)),
    );
    await rejected(req, 'signature-stale');
  });

  it('S17: no iat at all, or a non-numeric iat, is signature-stale', async () => {
    for (const iat of [undefined, String(nowSeconds())]) {
      const req = await withSignature((body) =>
        craftDetachedJws(partnerJwsHeader(jwk, { iat }), body, ecSigner(jwk)),
      );
      await rejected(req, 'signature-stale');
    }
  });

  it("S20: another partner's kid with a valid signature by that partner's key is signature-key-unknown", async () => {
    const other = await t.privateJwk('other-lab');
    const req = await withSignature((body) =>
      craftDetachedJws(partnerJwsHeader(other), body, ecSigner(other)),
    );
    await rejected(req, 'signature-key-unknown');
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});
