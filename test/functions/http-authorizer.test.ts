import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/http-authorizer.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { issueAccessToken } from '../../shared/core/auth/access-token.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { buildDeps } from '../../shared/runtime/deps.js';

/** An HTTP API REQUEST authorizer event (payload 2.0) as API Gateway sends it. */
function authorizerEvent(routeKey: string, authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  const [method = 'GET', rawPath = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:us-east-1:123456789012:abc123/$default/${method}${rawPath}`,
    identitySource: authorization === undefined ? [] : [authorization, routeKey],
    routeKey,
    rawPath,
    rawQueryString: '',
    cookies: [],
    headers: authorization === undefined ? {} : { authorization },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.5', userAgent: 'test' },
      requestId: 'gw-req-1',
      routeKey,
      stage: '$default',
      time: '04/Dec/2026:03:00:00 +0000',
      timeEpoch: 0,
    },
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

describe('functions/http-authorizer: the gateway gate of every partner route', () => {
  let home: string;
  let deps: PipelineDeps;
  let run: ReturnType<typeof createHandler>;
  const token = async (scopes: string[], opts: { audience?: string; ttlSeconds?: number } = {}) => {
    const { token: t } = await issueAccessToken(
      { partnerId: 'acme', scopes },
      {
        signer: deps.signer,
        issuer: deps.settings.publicUrl,
        audience: opts.audience ?? deps.settings.publicUrl,
        now: deps.clock.now(),
        ...(opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds }),
      },
    );
    return `Bearer ${t}`;
  };
  const decide = (routeKey: string, authorization?: string) =>
    run(authorizerEvent(routeKey, authorization), localLambdaContext('authorizer', 'r-1'));
  const auditCount = async () => (await deps.auditLog.read()).length;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'phi-authorizer-'));
    deps = await buildDeps(loadConfig({ PHI_HOME: home }));
    run = createHandler(async () => deps);
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('allows a valid token with the scope each write route needs, and any valid token on reads', async () => {
    const bundles = await token(['system/Bundle.write']);
    const claims = await token(['system/Claim.c']);
    expect(await decide('POST /v1/bundles', bundles)).toEqual({
      isAuthorized: true,
      context: { partner: 'acme' },
    });
    expect((await decide('POST /v1/claims', claims)).isAuthorized).toBe(true);
    expect((await decide('POST /v1/uploads', claims)).isAuthorized).toBe(true);
    for (const read of [
      'GET /v1/submissions/{id}',
      'GET /v1/submissions/{id}/acknowledgement',
      'GET /v1/submissions/{id}/errors',
    ]) {
      expect((await decide(read, claims)).isAuthorized).toBe(true);
    }
  });

  it('denies a wrongly scoped token on each write route, with one audit record each', async () => {
    const bundlesOnly = await token(['system/Bundle.write']);
    const readOnly = await token(['system/Bundle.read']);
    for (const [route, auth] of [
      ['POST /v1/claims', bundlesOnly],
      ['POST /v1/bundles', readOnly],
      ['POST /v1/uploads', readOnly],
    ] as const) {
      const before = await auditCount();
      expect(await decide(route, auth)).toEqual({ isAuthorized: false });
      const lines = (await deps.auditLog.read()).slice(before).map((l) => JSON.parse(l.text));
      expect(lines).toMatchObject([
        { action: 'gateway.refused', outcome: 'failure', code: 'insufficient-scope', actor: { id: 'acme' } },
      ]);
      expect(lines[0].details).toEqual({ route });
    }
  });

  it('denies missing, malformed, foreign-audience, expired and forged tokens as unauthenticated', async () => {
    const valid = await token(['system/Bundle.write']);
    const [h, p] = valid.slice('Bearer '.length).split('.');
    const forged = `Bearer ${h}.${p}.${Buffer.alloc(64, 1).toString('base64url')}`;
    const cases = [
      undefined,
      'Basic dXNlcjpwYXNz',
      await token(['system/Bundle.write'], { audience: 'https://elsewhere.example' }),
      await token(['system/Bundle.write'], { ttlSeconds: -10 }),
      forged,
    ];
    for (const auth of cases) {
      const before = await auditCount();
      expect(await decide('POST /v1/bundles', auth)).toEqual({ isAuthorized: false });
      const lines = (await deps.auditLog.read()).slice(before).map((l) => JSON.parse(l.text));
      expect(lines).toMatchObject([{ action: 'gateway.refused', code: 'unauthenticated' }]);
    }
    // The check can fail: the untouched token passes.
    expect((await decide('POST /v1/bundles', valid)).isAuthorized).toBe(true);
  });

  it('answers the sample event in events/: denied as it stands, allowed with a real token in it', async () => {
    const sample = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../events/http-authorizer.request.json'), 'utf8'),
    ) as APIGatewayRequestAuthorizerEventV2;
    const context = localLambdaContext('authorizer', 'r-2');
    expect(await run(sample, context)).toEqual({ isAuthorized: false });
    const auth = await token(['system/Bundle.write']);
    const real = {
      ...sample,
      headers: { ...sample.headers, authorization: auth },
      identitySource: [auth, sample.routeKey],
    };
    expect(await run(real, context)).toEqual({ isAuthorized: true, context: { partner: 'acme' } });
  });

  it('never writes the token into the audit record', async () => {
    const auth = await token(['system/Bundle.read']);
    expect((await decide('POST /v1/bundles', auth)).isAuthorized).toBe(false);
    const text = (await deps.auditLog.read()).map((l) => l.text).join('\n');
    expect(text).toContain('gateway.refused');
    for (const part of auth.slice('Bearer '.length).split('.')) expect(text.includes(part)).toBe(false);
  });
});
