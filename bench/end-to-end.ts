import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { PartnerClient } from '../cli/client/partner-client.js';
import { SqliteQueue } from '../shared/adapters/embedded/sqlite-queue.js';
import { ConsumerNotificationSchema } from '../shared/app/queue-messages.js';
import { queueNames } from '../shared/app/queue-names.js';
import { freePort, peakRssMiB, startStackProcess, stopStackProcess } from './local-stack-process.js';
import { fmt, percentile, runConcurrent } from './stats.js';
import { syntheticBundle } from './synthetic-bundle.js';

const CONSUMERS = ['analytics', 'research'] as const;
const SUBMISSIONS = 120;
const BYTES = 10 * 1024;

/**
 * End to end on the local stack with two consumers: submissions per second from the first POST to the
 * last notification, and the time from each 202 to each consumer's notification (p50/p99).
 */
export async function benchEndToEnd(): Promise<string[]> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'phi-bench-e2e-'));
  await mkdir(path.join(home, 'contracts'), { recursive: true });
  await writeFile(
    path.join(home, 'contracts/analytics.json'),
    JSON.stringify({
      schemaVersion: 1,
      name: 'analytics',
      version: '1.0.0',
      extends: 'safe-harbor',
      output: { format: 'ndjson' },
    }),
  );
  await writeFile(
    path.join(home, 'contracts/research.json'),
    JSON.stringify({ schemaVersion: 1, name: 'research', version: '1.0.0', extends: 'limited-data-set' }),
  );
  const port = await freePort();
  const stack = await startStackProcess(home, port);
  const queue = new SqliteQueue(home);
  const ca = await readFile(path.join(home, 'tls/ca.pem'), 'utf8');
  const jwk = JSON.parse(await readFile(path.join(home, 'partners/demo/private.jwk'), 'utf8')) as JWK;
  const client = new PartnerClient({
    baseUrl: `https://127.0.0.1:${port}`,
    partnerId: 'demo',
    privateJwk: jwk,
    ca,
  });
  try {
    await client.accessToken();
    const bodies = Array.from({ length: SUBMISSIONS }, (_, i) => syntheticBundle(BYTES, `e2e-${i}`));
    const acceptedAt = new Map<string, number>();
    const started = Date.now();
    await runConcurrent(bodies, 8, async (body) => {
      const res = await client.submit(body);
      if (res.status !== 202) throw new Error(`submission failed: HTTP ${res.status}`);
      acceptedAt.set((res.json as { submissionId: string }).submissionId, Date.now());
    });
    const latencies: number[] = [];
    let last = started;
    const pending = new Set([...acceptedAt.keys()].flatMap((id) => CONSUMERS.map((c) => `${c}/${id}`)));
    const deadline = Date.now() + 300_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const consumer of CONSUMERS) {
        for (const m of await queue.receive(queueNames.notify(consumer), {
          maxMessages: 10,
          waitTimeSeconds: 0,
        })) {
          const n = ConsumerNotificationSchema.parse(JSON.parse(m.body));
          const t0 = acceptedAt.get(n.submissionId);
          if (t0 !== undefined && pending.delete(`${consumer}/${n.submissionId}`)) {
            const at = Date.parse(n.createdAt);
            latencies.push(at - t0);
            last = Math.max(last, at);
          }
          await queue.delete(queueNames.notify(consumer), m.receiptHandle);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (pending.size > 0) throw new Error(`${pending.size} deliveries did not arrive within 300 s`);
    latencies.sort((a, b) => a - b);
    return [
      '| submissions | consumers | bundle | submissions/s (first POST → last notification) | 202 → notification p50 ms | p99 ms |',
      '|---|---|---|---|---|---|',
      `| ${SUBMISSIONS} | ${CONSUMERS.length} | 10 KB | ${fmt((SUBMISSIONS / (last - started)) * 1000)} | ${fmt(percentile(latencies, 50), 0)} | ${fmt(percentile(latencies, 99), 0)} |`,
      '',
      `stack peak RSS: ${fmt(await peakRssMiB(stack.pid), 0)} MiB`,
    ];
  } finally {
    client.close();
    queue.close();
    await stopStackProcess(stack);
    await rm(home, { recursive: true, force: true });
  }
}
