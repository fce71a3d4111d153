import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerClient } from '../../cli/client/partner-client.js';
import type * as StackModule from '../../local/stack.js';
import type * as ConfigModule from '../../shared/runtime/config.js';
import { freePort } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The stack as `phi start` runs it: compiled JavaScript, so the queue workers run on their own thread.
 * Compiled into a fresh folder under node_modules/.cache (never racing a build of dist/), with the
 * shipped contracts beside it where packageRoot() finds them.
 */
async function buildStack(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'phi-thread-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
  await cp(join(ROOT, 'contracts'), join(dir, 'contracts'), { recursive: true });
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { outDir: dir, rootDir: ROOT, sourceMap: false },
      files: ['local/stack.ts', 'local/worker-thread.ts', 'shared/runtime/config.ts'].map((f) =>
        join(ROOT, f),
      ),
      include: [],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: ROOT }).catch(
    () => undefined, // emits even while unrelated files have type errors; the imports below tell
  );
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

describe('Local stack: queue workers on a thread of their own', () => {
  let build: { dir: string; cleanup(): Promise<void> };
  let home: string;
  beforeAll(async () => {
    build = await buildStack();
    home = await mkdtemp(join(tmpdir(), 'phi-thread-home-'));
  }, 180_000);
  afterAll(async () => {
    await build?.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  it('delivers to every consumer from the worker thread and stops it cleanly on close()', async () => {
    const load = (file: string) => import(pathToFileURL(join(build.dir, file)).href);
    const { startLocalStack } = (await load('local/stack.js')) as typeof StackModule;
    const { loadConfig } = (await load('shared/runtime/config.js')) as typeof ConfigModule;
    const config = loadConfig({ PHI_HOME: home, PORT: String(await freePort()) });
    const stack = await startLocalStack(config);
    let closed = false;
    try {
      expect(stack.workers).toBe('thread');
      const ca = await readFile(stack.caPath, 'utf8');
      const privateJwk = JSON.parse(await readFile(stack.demoKeyPath, 'utf8')) as JWK;
      const client = new PartnerClient({ baseUrl: stack.url, partnerId: 'demo', privateJwk, ca });
      try {
        const body = await readFile(join(ROOT, 'samples/fhir/Bundle-bundle-transaction.json'));
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await client.submit(body, { idempotencyKey: `thread-${i}` });
          expect(res.status).toBe(202);
          ids.push((res.json as { submissionId: string }).submissionId);
        }
        for (const id of ids) {
          const status = await until(
            async () => {
              const s = (await client.status(id)).json as { status: string };
              return s.status === 'delivered' ? s : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 100 },
          );
          expect(status.status).toBe('delivered');
        }
      } finally {
        client.close();
      }
      const started = performance.now();
      await stack.close();
      closed = true;
      // close() waits for the thread to exit; an idle one exits at once, not after the grace period.
      expect(performance.now() - started).toBeLessThan(10_000);
      // Nothing is left polling: a message sent now stays where it is.
      const { SqliteQueue } = (await load('shared/adapters/embedded/sqlite-queue.js')) as {
        SqliteQueue: new (
          home: string,
        ) => {
          send(q: string, b: string): Promise<unknown>;
          depth(q: string): { total: number };
          close(): void;
        };
      };
      const queue = new SqliteQueue(home);
      try {
        await queue.send('ingest', '{}');
        await new Promise((r) => setTimeout(r, 1500));
        expect(queue.depth('ingest').total).toBe(1);
      } finally {
        queue.close();
      }
    } finally {
      if (!closed) await stack.close();
    }
  }, 120_000);
});
