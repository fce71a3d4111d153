import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as ingest } from '../../functions/http-ingest.js';
import { createHandler as status } from '../../functions/http-status.js';
import { createHandler as token } from '../../functions/http-token.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { buildDeps } from '../../shared/runtime/deps.js';

const event = async (name: string) =>
  JSON.parse(
    await readFile(path.resolve(import.meta.dirname, '../../events', name), 'utf8'),
  ) as APIGatewayProxyEventV2;

describe('Handlers: the sample events in events/', () => {
  let home: string;
  let deps: PipelineDeps;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'phi-events-'));
    deps = await buildDeps(loadConfig({ PHI_HOME: home }));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it.each([
    ['http-ingest.bundle.json', ingest, 401, 'unauthenticated'],
    ['http-status.get.json', status, 401, 'unauthenticated'],
  ] as const)(
    '%s runs through its handler to a coded OperationOutcome',
    async (file, make, httpStatus, code) => {
      const res = await make(async () => deps)(await event(file), localLambdaContext('test', 'r-1'));
      expect(res.statusCode).toBe(httpStatus);
      expect(res.headers['WWW-Authenticate']).toBe('Bearer');
      expect(res.headers['Cache-Control']).toBe('no-store');
      expect(res.headers['X-Request-Id']).toBe('00000000-0000-4000-8000-00000000e001');
      expect(JSON.parse(String(res.body)).issue[0].details.coding[0]).toEqual({
        system: 'urn:phi-pipeline:error',
        code,
      });
    },
  );

  it('http-token.client-credentials.json is refused as invalid_client (its assertion is a placeholder)', async () => {
    const res = await token(async () => deps)(
      await event('http-token.client-credentials.json'),
      localLambdaContext('t', 'r'),
    );
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(String(res.body))).toMatchObject({ error: 'invalid_client' });
  });
});
