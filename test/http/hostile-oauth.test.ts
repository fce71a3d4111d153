/**
 * Hostile-input catalog §7 D (OAuth / token) over real HTTPS: bearer tokens on a submission route
 * (SPEC §3: 401 unauthenticated + WWW-Authenticate: Bearer, 403 insufficient-scope) and attacks on the
 * token endpoint (RFC 6749 §5.2 errors: invalid_client 401, invalid_request / invalid_scope /
 * unsupported_grant_type 400).
 */
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../local/partner-keys.js';
import {
  accessToken,
  accessTokenClaims,
  assertionClaims,
  attackerKey,
  b64url,
  CLIENT_ASSERTION_TYPE,
  connectionCounter,
  craftJwt,
  DOOR_ONLY,
  ecSigner,
  expectOAuthError,
  expectRejected,
  expectServerAlive,
  freshBundle,
  issuerKey,
  publicHalf,
  type RawRequest,
  type Signer,
  sendRaw,
  submission,
  tokenForm,
  tokenRequest,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

const BEARER = { 'www-authenticate': /^Bearer\b/ };

describe('hostile OAuth (catalog D)', () => {
  let t: TestStack;
  let jwk: JWK;
  let issuer: { jwk: JWK; kid: string };
  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
    jwk = await t.privateJwk();
    issuer = await issuerKey(t);
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'claims-only', [
      'system/Claim.write',
    ]);
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'bundles-only', [
      'system/Bundle.write',
    ]);
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'disabled-lab');
    await accessToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const issuerSigner = (): Signer => ecSigner(issuer.jwk);
  const atHeader = () => ({ alg: 'ES256', kid: issuer.kid, typ: 'at+jwt' });
  /** A valid demo submission carrying `authorization` (undefined: no Authorization header). */
  const withAuthorization = (authorization: string | undefined): Promise<RawRequest> =>
    submission(t, freshBundle(), { headers: { Authorization: authorization } });
  const unauthenticated = async (authorization: string | undefined) => {
    const req = await withAuthorization(authorization);
    await expectRejected(t, () => sendRaw(t, req), 401, 'unauthenticated', { headers: BEARER });
  };

  describe('bearer tokens on POST /v1/bundles', () => {
    it('(control) a token forged here with the issuer key and valid claims is accepted', async () => {
      const req = await withAuthorization(
        `Bearer ${craftJwt(atHeader(), accessTokenClaims(t), issuerSigner())}`,
      );
      expect((await sendRaw(t, req)).status).toBe(202);
    });

    it('D45: no Authorization header is 401 unauthenticated with WWW-Authenticate: Bearer', async () => {
      await unauthenticated(undefined);
    });

    it.each(['Bearer garbage', 'Bearer ', 'Bearer a.b.c', 'Basic ZGVtbzpkZW1v', 'bearer'])(
      'a malformed Authorization (%j) is 401 unauthenticated',
      async (value) => {
        await unauthenticated(value);
      },
    );

    it('D46: an expired token (exp = now − 10 s) is 401 unauthenticated', async () => {
      const claims = accessTokenClaims(t);
      const now = Number(claims.iat);
      const token = craftJwt(atHeader(), { ...claims, iat: now - 310, exp: now - 10 }, issuerSigner());
      await unauthenticated(`Bearer ${token}`);
    });

    it('a token from another issuer (iss) is 401 unauthenticated', async () => {
      const token = craftJwt(
        atHeader(),
        { ...accessTokenClaims(t), iss: 'https://evil.example' },
        issuerSigner(),
      );
      await unauthenticated(`Bearer ${token}`);
    });

    it('a token for another audience is 401 unauthenticated', async () => {
      const token = craftJwt(
        atHeader(),
        { ...accessTokenClaims(t), aud: 'https://other.example' },
        issuerSigner(),
      );
      await unauthenticated(`Bearer ${token}`);
    });

    it("a token signed by another key under the issuer's kid is 401 unauthenticated", async () => {
      const attacker = await attackerKey();
      await unauthenticated(
        `Bearer ${craftJwt(atHeader(), accessTokenClaims(t), ecSigner(attacker.privateJwk))}`,
      );
    });

    it('a token whose payload was edited after signing (scope widened) is 401 unauthenticated', async () => {
      const [h, , s] = craftJwt(
        atHeader(),
        { ...accessTokenClaims(t), scope: 'system/Claim.write' },
        issuerSigner(),
      ).split('.');
      const widened = b64url(JSON.stringify({ ...accessTokenClaims(t), scope: 'system/*.*' }));
      await unauthenticated(`Bearer ${h}.${widened}.${s}`);
    });

    it('an alg "none" token is 401 unauthenticated', async () => {
      const token = craftJwt({ ...atHeader(), alg: 'none' }, accessTokenClaims(t), { kind: 'none' });
      await unauthenticated(`Bearer ${token}`);
      await unauthenticated(`Bearer ${token}AAAA`);
    });

    it("an HS256 token keyed with the issuer's public JWK is 401 unauthenticated", async () => {
      const secret = JSON.stringify(publicHalf(issuer.jwk));
      const token = craftJwt({ ...atHeader(), alg: 'HS256' }, accessTokenClaims(t), { kind: 'hmac', secret });
      await unauthenticated(`Bearer ${token}`);
    });

    it('a token typed JWT instead of at+jwt is 401 unauthenticated', async () => {
      const token = craftJwt({ ...atHeader(), typ: 'JWT' }, accessTokenClaims(t), issuerSigner());
      await unauthenticated(`Bearer ${token}`);
    });

    it("the partner's own client assertion used as a bearer token is 401 unauthenticated", async () => {
      const assertion = craftJwt(
        { alg: 'ES256', kid: jwk.kid, typ: 'JWT' },
        assertionClaims(t),
        ecSigner(jwk),
      );
      await unauthenticated(`Bearer ${assertion}`);
    });

    it('a valid-looking token for an unregistered partner is 401 unauthenticated', async () => {
      const token = craftJwt(
        atHeader(),
        { ...accessTokenClaims(t, 'ghost'), client_id: 'ghost' },
        issuerSigner(),
      );
      await unauthenticated(`Bearer ${token}`);
    });

    it('a token of a partner disabled since it was issued is 401 unauthenticated', async () => {
      const token = await accessToken(t, 'disabled-lab');
      const record = await t.stack.deps.partners.get('disabled-lab');
      expect(record).toBeDefined();
      if (record) await t.stack.deps.partners.put({ ...record, status: 'disabled' });
      const req = await submission(t, freshBundle(), {
        partner: 'disabled-lab',
        headers: { Authorization: `Bearer ${token}` },
      });
      await expectRejected(t, () => sendRaw(t, req), 401, 'unauthenticated', { headers: BEARER });
    });

    it('D47: a partner registered only for system/Claim.write posting a Bundle is 403 insufficient-scope', async () => {
      const req = await submission(t, freshBundle(), { partner: 'claims-only' });
      await expectRejected(t, () => sendRaw(t, req), 403, 'insufficient-scope');
    });

    it('D47: a partner registered only for system/Bundle.write posting a claim is 403 insufficient-scope', async () => {
      const req = await submission(t, freshBundle(), { partner: 'bundles-only', kind: 'claim' });
      await expectRejected(t, () => sendRaw(t, req), 403, 'insufficient-scope');
    });

    it('D47: a token granting only system/Observation.rs posting a Bundle is 403 insufficient-scope', async () => {
      const token = craftJwt(
        atHeader(),
        { ...accessTokenClaims(t), scope: 'system/Observation.rs' },
        issuerSigner(),
      );
      await expectRejected(
        t,
        async () => sendRaw(t, await withAuthorization(`Bearer ${token}`)),
        403,
        'insufficient-scope',
      );
    });
  });

  describe('POST /v1/token', () => {
    const assertionHeader = (extra: Record<string, unknown> = {}) => ({
      alg: 'ES256',
      kid: jwk.kid,
      typ: 'JWT',
      ...extra,
    });
    const assertion = (claims: Record<string, unknown>, header = assertionHeader(), signer = ecSigner(jwk)) =>
      craftJwt(header, claims, signer);
    const token = (fields: ReadonlyArray<readonly [string, string]>) => () =>
      sendRaw(t, tokenRequest(fields));
    const invalidClient = (fields: ReadonlyArray<readonly [string, string]>) =>
      expectOAuthError(t, token(fields), 401, 'invalid_client');

    it('(control) an assertion crafted here is exchanged for a token', async () => {
      const res = await sendRaw(t, tokenRequest(tokenForm(assertion(assertionClaims(t)))));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({
        token_type: 'bearer',
        scope: 'system/Bundle.write',
      });
    });

    it('D48: an assertion with exp one hour ahead is 401 invalid_client', async () => {
      const claims = assertionClaims(t);
      await invalidClient(tokenForm(assertion({ ...claims, exp: Number(claims.iat) + 3600 })));
    });

    it('an assertion that has expired is 401 invalid_client', async () => {
      const claims = assertionClaims(t);
      await invalidClient(
        tokenForm(assertion({ ...claims, iat: Number(claims.iat) - 600, exp: Number(claims.iat) - 300 })),
      );
    });

    it('D49: an assertion jti used a second time is 401 invalid_client', async () => {
      const reused = assertion(assertionClaims(t));
      expect((await sendRaw(t, tokenRequest(tokenForm(reused)))).status).toBe(200);
      await invalidClient(tokenForm(reused));
    });

    it('an assertion without jti is 401 invalid_client', async () => {
      const { jti: _jti, ...claims } = assertionClaims(t);
      await invalidClient(tokenForm(assertion(claims)));
    });

    it('D51: iss ≠ sub is 401 invalid_client', async () => {
      await invalidClient(tokenForm(assertion({ ...assertionClaims(t), sub: 'other-lab' })));
    });

    it('D51: aud other than the token URL is 401 invalid_client', async () => {
      for (const aud of ['https://evil.example/v1/token', t.config.publicUrl]) {
        await invalidClient(tokenForm(assertion({ ...assertionClaims(t), aud })));
      }
    });

    it('an alg "none" assertion is 401 invalid_client', async () => {
      await invalidClient(
        tokenForm(assertion(assertionClaims(t), assertionHeader({ alg: 'none' }), { kind: 'none' })),
      );
    });

    it("an HS256 assertion keyed with the partner's public JWK is 401 invalid_client", async () => {
      const secret = JSON.stringify(publicHalf(jwk));
      await invalidClient(
        tokenForm(assertion(assertionClaims(t), assertionHeader({ alg: 'HS256' }), { kind: 'hmac', secret })),
      );
    });

    it("an assertion signed by an unregistered key under the partner's kid is 401 invalid_client", async () => {
      const attacker = await attackerKey();
      await invalidClient(
        tokenForm(assertion(assertionClaims(t), assertionHeader(), ecSigner(attacker.privateJwk))),
      );
    });

    it("an assertion under the attacker's own (unregistered) kid is 401 invalid_client", async () => {
      const attacker = await attackerKey();
      await invalidClient(
        tokenForm(
          assertion(
            assertionClaims(t),
            assertionHeader({ kid: attacker.privateJwk.kid }),
            ecSigner(attacker.privateJwk),
          ),
        ),
      );
    });

    it('D50: a jku header is 401 invalid_client and the URL is never fetched', async () => {
      const listener = await connectionCounter();
      try {
        await invalidClient(
          tokenForm(assertion(assertionClaims(t), assertionHeader({ jku: `${listener.url}/jwks.json` }))),
        );
        expect(listener.connections()).toBe(0);
      } finally {
        await listener.close();
      }
    });

    it('an embedded attacker jwk (signed by the attacker) is 401 invalid_client', async () => {
      const attacker = await attackerKey();
      const header = assertionHeader({ kid: attacker.privateJwk.kid, jwk: publicHalf(attacker.publicJwk) });
      await invalidClient(tokenForm(assertion(assertionClaims(t), header, ecSigner(attacker.privateJwk))));
    });

    it('an unknown client (iss = sub = an unregistered id) is 401 invalid_client', async () => {
      await invalidClient(tokenForm(assertion(assertionClaims(t, 'ghost'))));
    });

    it('grant_type authorization_code is 400 unsupported_grant_type', async () => {
      const fields = tokenForm(assertion(assertionClaims(t))).map(([k, v]): [string, string] =>
        k === 'grant_type' ? [k, 'authorization_code'] : [k, v],
      );
      await expectOAuthError(t, token(fields), 400, 'unsupported_grant_type');
    });

    it('no grant_type is 400 invalid_request', async () => {
      const fields = tokenForm(assertion(assertionClaims(t))).filter(([k]) => k !== 'grant_type');
      await expectOAuthError(t, token(fields), 400, 'invalid_request');
    });

    it('no client_assertion is 400 invalid_request', async () => {
      const fields = tokenForm('x').filter(([k]) => k !== 'client_assertion');
      await expectOAuthError(t, token(fields), 400, 'invalid_request');
    });

    it('a wrong client_assertion_type is 400 invalid_request', async () => {
      const fields = tokenForm(assertion(assertionClaims(t))).map(([k, v]): [string, string] =>
        k === 'client_assertion_type'
          ? [k, 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer']
          : [k, v],
      );
      await expectOAuthError(t, token(fields), 400, 'invalid_request');
    });

    it('a repeated parameter is 400 invalid_request', async () => {
      const fields = [
        ...tokenForm(assertion(assertionClaims(t))),
        ['client_assertion', assertion(assertionClaims(t))],
      ] as const;
      await expectOAuthError(t, token(fields), 400, 'invalid_request');
    });

    it('a JSON body instead of a form is 400 invalid_request', async () => {
      const body = JSON.stringify({
        grant_type: 'client_credentials',
        scope: 'system/Bundle.write',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion(assertionClaims(t)),
      });
      await expectOAuthError(
        t,
        () =>
          sendRaw(t, {
            method: 'POST',
            path: '/v1/token',
            headers: { 'Content-Type': 'application/json' },
            body,
          }),
        400,
        'invalid_request',
      );
    });

    it('D52: a scope the partner is not registered for is 400 invalid_scope', async () => {
      await expectOAuthError(
        t,
        token(tokenForm(assertion(assertionClaims(t)), 'system/Observation.read')),
        400,
        'invalid_scope',
      );
    });

    it('D52: a partner registered only for Claim.write asking for Bundle.write is 400 invalid_scope', async () => {
      const claimsOnly = await t.privateJwk('claims-only');
      const a = craftJwt(
        { alg: 'ES256', kid: claimsOnly.kid, typ: 'JWT' },
        assertionClaims(t, 'claims-only'),
        ecSigner(claimsOnly),
      );
      await expectOAuthError(t, token(tokenForm(a, 'system/Bundle.write')), 400, 'invalid_scope');
    });

    it('D52: wildcard scopes are narrowed to what the registration covers, never wider', async () => {
      const res = await sendRaw(
        t,
        tokenRequest(
          tokenForm(assertion(assertionClaims(t)), 'system/*.* system/*.cruds system/Bundle.write'),
        ),
      );
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body.toString('utf8')) as { scope?: string }).scope).toBe('system/Bundle.write');
    });
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});
