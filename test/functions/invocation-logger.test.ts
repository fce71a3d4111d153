import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createHandler as ingest } from '../../functions/http-ingest.js';
import { createHandler as deliver } from '../../functions/sqs-deliver.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { buildDeps } from '../../shared/runtime/deps.js';
import { createHttpHandler } from '../../shared/runtime/http-handler.js';
import { logger } from '../../shared/runtime/logger.js';
import { sqsEvent } from '../helpers/sqs-events.js';

interface LogLine {
  readonly message: string;
  readonly function_name?: string;
  readonly function_request_id?: string;
  readonly cold_start?: boolean;
}

/** Powertools writes one JSON line per log call (errors to stderr); keep those, pass nothing through. */
function captureLogLines(): { lines: LogLine[]; restore: () => void } {
  const lines: LogLine[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      for (const text of String(chunk).split('\n')) {
        if (text.startsWith('{')) lines.push(JSON.parse(text) as LogLine);
      }
      return true;
    }) as typeof stream.write;
  }
  return {
    lines,
    restore: () => {
      for (const [i, stream] of streams.entries()) stream.write = originals[i] as typeof stream.write;
    },
  };
}

const deferred = () => {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
};

describe('Logs say who wrote them: one logger context per invocation', () => {
  let home: string;
  let deps: PipelineDeps;
  let capture: ReturnType<typeof captureLogLines>;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'phi-logctx-'));
    deps = await buildDeps(loadConfig({ PHI_HOME: home }));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    capture = captureLogLines();
  });
  afterEach(() => capture.restore());

  it('interleaved invocations of two functions each log with their own name and request id', async () => {
    const gate = deferred();
    const started = deferred();
    const first = createHttpHandler(
      async () => deps,
      async () => {
        started.release();
        await gate.promise; // the second invocation starts and logs while this one is in flight
        logger.info('inside first');
        return { statusCode: 200, headers: {}, body: '' };
      },
    );
    const second = createHttpHandler(
      async () => deps,
      async () => {
        logger.info('inside second');
        return { statusCode: 200, headers: {}, body: '' };
      },
    );
    const event = { requestContext: { requestId: 'x' }, routeKey: 'GET /t' } as APIGatewayProxyEventV2;
    const running = first(event, localLambdaContext('ingest', 'req-ingest'));
    await started.promise;
    await second(event, localLambdaContext('deliver', 'req-deliver'));
    gate.release();
    await running;

    const byMessage = (m: string) => capture.lines.filter((l) => l.message === m);
    expect(byMessage('inside first').map((l) => [l.function_name, l.function_request_id])).toEqual([
      ['ingest', 'req-ingest'],
    ]);
    expect(byMessage('inside second').map((l) => [l.function_name, l.function_request_id])).toEqual([
      ['deliver', 'req-deliver'],
    ]);
    const requests = byMessage('request').map((l) => [l.function_name, l.function_request_id]);
    expect(requests).toHaveLength(2);
    expect(requests).toContainEqual(['ingest', 'req-ingest']);
    expect(requests).toContainEqual(['deliver', 'req-deliver']);
  });

  it('the real ingest and deliver handlers, run concurrently, keep their own names', async () => {
    const ingestEvent = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../events/http-ingest.bundle.json'), 'utf8'),
    ) as APIGatewayProxyEventV2;
    const poison = sqsEvent('deliver-analytics', [{ body: 'not json', messageId: 'm-1' }]);
    await Promise.all([
      ingest(async () => deps)(ingestEvent, localLambdaContext('ingest', 'req-a')),
      deliver(async () => deps)(poison, localLambdaContext('deliver', 'req-b')),
      ingest(async () => deps)(ingestEvent, localLambdaContext('ingest', 'req-c')),
    ]);
    const attributed = capture.lines.filter((l) => l.function_request_id !== undefined);
    expect(attributed.length).toBeGreaterThanOrEqual(3);
    const expectedName: Record<string, string> = { 'req-a': 'ingest', 'req-b': 'deliver', 'req-c': 'ingest' };
    for (const line of attributed)
      expect(line.function_name).toBe(expectedName[line.function_request_id ?? '']);
    expect(capture.lines.find((l) => l.message === 'dead-lettered')?.function_name).toBe('deliver');
    expect(capture.lines.filter((l) => l.message === 'request rejected').map((l) => l.function_name)).toEqual(
      ['ingest', 'ingest'],
    );
  });

  it('on Lambda (on-demand), reports a cold start once per function name, then warm invocations', async () => {
    const previous = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    onTestFinished(() => {
      if (previous === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
      else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = previous;
    });
    const handler = createHttpHandler(
      async () => deps,
      async () => ({ statusCode: 200, headers: {}, body: '' }),
    );
    const event = { requestContext: { requestId: 'x' }, routeKey: 'GET /t' } as APIGatewayProxyEventV2;
    await handler(event, localLambdaContext('coldcheck', 'req-1'));
    await handler(event, localLambdaContext('coldcheck', 'req-2'));
    await handler(event, localLambdaContext('coldcheck-other', 'req-3'));
    const coldOf = (id: string) => capture.lines.find((l) => l.function_request_id === id)?.cold_start;
    expect([coldOf('req-1'), coldOf('req-2'), coldOf('req-3')]).toEqual([true, false, true]);
  });
});
