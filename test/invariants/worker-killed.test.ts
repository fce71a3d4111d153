import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerClient } from '../../cli/client/partner-client.js';
import { FileObjectStore } from '../../shared/adapters/embedded/file-object-store.js';
import { LocalKeyProvider } from '../../shared/adapters/embedded/local-key-provider.js';
import { SqliteDeadLetters } from '../../shared/adapters/embedded/sqlite-dead-letters.js';
import { SqliteQueue } from '../../shared/adapters/embedded/sqlite-queue.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { createEnvelope } from '../../shared/crypto/envelope.js';
import { checkInvariants, FIXTURE_BUNDLE, validContract, waitForQuiescence } from '../helpers/invariants.js';
import { freePort } from '../helpers/test-stack.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PHI = path.join(ROOT, 'dist/bin/phi.js');
const CONSUMERS = ['alpha', 'beta'];
const SUBMISSIONS = 30;
const KILLS = 3;

/** A small seeded PRNG, so a failing run can be repeated with INVARIANT_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `phi start` as a real process, SIGKILLed at random moments while deliveries are in flight and
 * restarted on the same PHI_HOME. Messages a killed worker held come back after the local poller's
 * visibility timeout (30 s, fixed in local/queue-poller.ts), which sets this test's pace.
 */
describe('Invariants: the worker killed mid-batch', () => {
  let home = '';
  let child: ChildProcess | undefined;
  let stderrTail = '';

  beforeAll(async () => {
    // Emits even when files elsewhere in the tree have type errors; only the output matters here.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await new Promise<void>((resolve) => {
      execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }, () => resolve());
    });
    await access(PHI);
    home = await mkdtemp(path.join(os.tmpdir(), 'phi-kill-'));
  }, 240_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('ends every accepted submission delivered exactly once or dead-lettered, across SIGKILLs', async () => {
    const seed = Number(process.env.INVARIANT_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const port = await freePort();
    // Exactly these consumers: the shipped contracts are only installed into a missing folder.
    await mkdir(path.join(home, 'contracts'), { recursive: true });
    for (const c of CONSUMERS) {
      await writeFile(path.join(home, 'contracts', `${c}.json`), JSON.stringify(validContract(c)));
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('PHI_')) env[k] = v;
    Object.assign(env, {
      PHI_HOME: home,
      PORT: String(port),
      PHI_RETRY_BASE_SECONDS: '0',
      PHI_VISIBILITY_TIMEOUT_SECONDS: '5',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });

    const start = async (): Promise<ChildProcess> => {
      const proc = spawn(process.execPath, [PHI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stderr?.on('data', (d: Buffer) => {
        stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`phi start exited (${code}): ${stderrTail}`));
        proc.once('exit', onExit);
        proc.stdout?.on('data', (d: Buffer) => {
          if (out.includes('listening on')) return;
          out += d.toString('utf8');
          if (out.includes('listening on')) {
            proc.off('exit', onExit);
            resolve();
          }
        });
      });
      return proc;
    };
    const kill = async (proc: ChildProcess) => {
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    };

    child = await start();
    const queue = new SqliteQueue(home);
    const client = new PartnerClient({
      baseUrl: `https://127.0.0.1:${port}`,
      partnerId: 'demo',
      privateJwk: JSON.parse(await readFile(path.join(home, 'partners/demo/private.jwk'), 'utf8')) as JWK,
      ca: await readFile(path.join(home, 'tls/ca.pem'), 'utf8'),
    });
    const body = await readFile(FIXTURE_BUNDLE);

    // A partner that retries until it hears 2xx, as an integration engine does across an outage.
    const accepted: string[] = [];
    const submitOne = async (i: number) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        try {
          const res = await client.submit(body, { idempotencyKey: `kill-${seed}-${i}` });
          if (res.status === 202 || res.status === 200) {
            accepted.push((res.json as { submissionId: string }).submissionId);
            return;
          }
          if (res.status < 500 && res.status !== 429)
            throw new Error(`submission refused: HTTP ${res.status}`);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('submission refused')) throw error;
        }
        await sleep(100);
      }
      throw new Error('submission never accepted');
    };
    let next = 0;
    const lane = async () => {
      while (next < SUBMISSIONS) {
        const i = next++;
        await submitOne(i);
        await sleep(random() * 60);
      }
    };
    const submitting = Promise.all([lane(), lane(), lane()]);

    let killsInFlight = 0;
    for (let k = 0; k < KILLS; k++) {
      const inFlight = () =>
        queue.depth(queueNames.ingest).inFlight +
        CONSUMERS.reduce((n, c) => n + queue.depth(queueNames.deliver(c)).inFlight, 0);
      for (let waited = 0; inFlight() === 0 && waited < 10_000; waited += 10) await sleep(10);
      await sleep(random() * 120);
      if (inFlight() > 0) killsInFlight += 1;
      await kill(child);
      child = await start();
      await sleep(200 + random() * 600);
    }
    await submitting;
    client.close();

    const quiet = await waitForQuiescence(queue, CONSUMERS, 120_000);
    child.kill('SIGTERM');
    await once(child, 'exit');
    const deps = {
      objects: new FileObjectStore(home),
      queue,
      deadLetters: new SqliteDeadLetters(queue),
      envelope: createEnvelope(new LocalKeyProvider(home)),
    };
    const report = await checkInvariants({ home, deps, accepted, consumers: CONSUMERS });
    queue.close();

    const context = { seed, killsInFlight, accepted: accepted.length };
    expect({ ...context, quiet }).toEqual({ ...context, quiet: true });
    expect(new Set(accepted).size).toBe(SUBMISSIONS);
    expect(report.violations).toEqual([]);
    expect(report.pairs.filter((p) => p.kind === 'delivered')).toHaveLength(SUBMISSIONS * CONSUMERS.length);
  }, 240_000);
});
