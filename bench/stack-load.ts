import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { httpsRequest } from '../cli/client/https-request.js';
import { PartnerClient } from '../cli/client/partner-client.js';
import { contentDigestHeader, signDetached } from '../cli/client/sign-submission.js';
import { LocalTokenSigner } from '../shared/adapters/embedded/local-token-signer.js';
import { SqliteQueue } from '../shared/adapters/embedded/sqlite-queue.js';
import { ConsumerNotificationSchema } from '../shared/app/queue-messages.js';
import { queueNames } from '../shared/app/queue-names.js';
import {
  aesGcmFloor,
  bulkFileFloorMs,
  es256CompactFloor,
  es256Floor,
  jsonFloor,
  sha256Floor,
  x12SplitFloor,
} from './floors.js';
import { DIRECT_LIMIT_BYTES, type Format, fhirBundle, type SizeClass, x12File } from './inputs.js';
import type { KeyPortCounts } from './key-port-counter.js';
import {
  deadLetters,
  deadLettersSince,
  diffCounts,
  freePort,
  keyPortCounts,
  type RssSampler,
  sampleRss,
  startStackProcess,
  stopStackProcess,
} from './local-stack-process.js';
import type { BenchRow } from './report.js';
import { percentile, runConcurrent } from './stats.js';
import { type BulkFileOnDisk, uploadBulk, writeNdjsonExport, writeX12File } from './upload-load.js';

export interface StackOptions {
  readonly sizes: readonly SizeClass[];
  readonly quick: boolean;
  readonly concurrency: number;
  readonly log: (line: string) => void;
  /** Adds the 1 GB NDJSON case (peak RSS target < 256 MB); minutes long, so asked for. */
  readonly withGigabyte?: boolean;
}

interface Prepared {
  readonly body: Buffer;
  readonly digest: string;
  readonly jws: string;
}

interface Phase {
  readonly format: Format;
  readonly size: SizeClass;
  readonly requests: number;
}

const ROUTE: Record<Format, { path: string; contentType: string }> = {
  fhir: { path: '/v1/bundles', contentType: 'application/fhir+json' },
  x12: { path: '/v1/claims', contentType: 'application/edi-x12' },
};

/** No request starts after this long in a case (quick: half): a slow stack gets fewer requests, not a longer report. */
const POST_BUDGET_MS = 40_000;

/** End to end gives up when no consumer notification arrived for this long (quick: half). */
const STALL_MS = 60_000;

/**
 * The running stack as users run it: `phi start` in its own process with its workers on and the
 * shipped consumer contracts (analytics, billing, research), loaded from this process at
 * `concurrency` requests in flight. Per format and size: accepted submissions/s and request latency,
 * then end to end (the first POST to the last consumer's notification), peak RSS of the stack's
 * processes, and the key-port calls per 1,000 envelope operations; each beside its CPU floor measured
 * here on the same bytes.
 */
export async function benchStack(opts: StackOptions): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'phi-bench-stack-'));
  const port = await freePort();
  const stack = await startStackProcess(home, port);
  const rss = sampleRss(stack.pid);
  const baseUrl = `https://127.0.0.1:${port}`;
  const ca = await readFile(path.join(home, 'tls/ca.pem'), 'utf8');
  const jwk = JSON.parse(await readFile(path.join(home, 'partners/demo/private.jwk'), 'utf8')) as JWK;
  const { d: _private, ...publicJwk } = jwk;
  const client = new PartnerClient({ baseUrl, partnerId: 'demo', privateJwk: jwk, ca });
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const queue = new SqliteQueue(home);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    const token = await client.accessToken();
    const tokenFloor = es256CompactFloor(token, (await new LocalTokenSigner(home).publicJwk()) as JWK);
    const consumers = await waitForConsumers(home);
    const ctx: PhaseContext = { baseUrl, ca, agent, token, queue, consumers, opts, home, rss, stack };
    opts.log('stack: warm-up');
    await runPhase(ctx, await prepare('fhir', 10 * 1024, opts.quick ? 16 : 48, jwk, 'warm'));
    const phases: Phase[] = opts.sizes
      .filter((s) => s.bytes <= DIRECT_LIMIT_BYTES)
      .flatMap((size) =>
        (['fhir', 'x12'] as const).map((format) => ({
          format,
          size,
          requests: size.bytes <= 64 * 1024 ? (opts.quick ? 200 : 800) : opts.quick ? 8 : 32,
        })),
      );
    const only = process.env.BENCH_STACK_CASES?.split(',');
    let steady: { counts: KeyPortCounts; label: string } | undefined;
    for (const phase of phases.filter(
      (p) => only === undefined || only.includes(`${p.format}:${p.size.label}`),
    )) {
      ctx.token = await client.accessToken();
      opts.log(`stack: ${phase.format} ${phase.size.label} × ${phase.requests}`);
      const prepared = await prepare(
        phase.format,
        phase.size.bytes,
        phase.requests,
        jwk,
        `${phase.format}-${phase.size.label}`,
      );
      const m = await runPhase(ctx, prepared);
      // The CPU floor of the same requests, one core: two ES256 verifies (token, JWS), SHA-256, parse,
      // AES-256-GCM of the body; end to end adds per consumer a parse + serialize and AES-GCM of a copy.
      const sample = prepared.slice(0, Math.min(prepared.length, phase.size.bytes > 100_000 ? 8 : 200));
      const parse = phase.format === 'fhir' ? jsonFloor : x12SplitFloor;
      const jwsFloors = sample.map((p) => es256Floor(p.jws, p.body, publicJwk));
      const ingestMs =
        bestOf(2, () => {
          for (const [i, p] of sample.entries()) {
            tokenFloor();
            jwsFloors[i]?.();
            sha256Floor(p.body);
            parse(p.body);
            aesGcmFloor(p.body);
          }
        }) / sample.length;
      const copyMs =
        bestOf(2, () => {
          for (const p of sample) {
            parse(p.body);
            aesGcmFloor(p.body);
          }
        }) / sample.length;
      const ingestFloor = 1000 / ingestMs;
      const e2eFloor = 1000 / (ingestMs + consumers.length * copyMs);
      const sentInputs = prepared.slice(0, m.sent);
      const bytes = sentInputs.reduce((n, p) => n + p.body.length, 0);
      const mean = bytes / Math.max(1, m.sent);
      const small = phase.size.bytes <= 64 * 1024;
      const kms = kmsPer1000(m.counts);
      if (phase.format === 'fhir' && small) steady = { counts: m.counts, label: phase.size.label };
      const common = {
        section: 'stack',
        format: phase.format,
        size: phase.size.label,
        inputBytes: Math.round(mean),
        items: m.sent,
        peakRssMiB: m.peakRssMiB,
        ...(kms === undefined ? {} : { kmsPer1000: kms }),
      } as const;
      const accepted = (m.sent / m.acceptedMs) * 1000;
      rows.push({
        ...common,
        stage: `accepted (202), concurrency ${opts.concurrency}`,
        perSec: accepted,
        mbPerSec: (bytes / 1e6 / m.acceptedMs) * 1000,
        p50Ms: percentile(m.requestMs, 50),
        p99Ms: percentile(m.requestMs, 99),
        floor: { what: 'token + JWS ES256, SHA-256, parse, AES-GCM (1 core)', perSec: ingestFloor },
        ratio: accepted / ingestFloor,
        ...(phase.format === 'fhir' && small
          ? { target: { text: '≥ 0.40 of the floor', met: accepted / ingestFloor >= 0.4 } }
          : {}),
        ...(m.failures > 0 ? { note: `${m.failures} requests refused (first HTTP ${m.firstFailure})` } : {}),
      });
      if (m.e2eMs === undefined) {
        rows.push({ ...common, stage: `end to end, ${consumers.length} consumers`, notMeasured: m.missing });
      } else {
        const e2e = (m.sent / m.e2eMs) * 1000;
        rows.push({
          ...common,
          stage: `end to end, ${consumers.length} consumers`,
          perSec: e2e,
          mbPerSec: (bytes / 1e6 / m.e2eMs) * 1000,
          p50Ms: percentile(m.deliveredMs, 50),
          p99Ms: percentile(m.deliveredMs, 99),
          floor: {
            what: `ingest floor + ${consumers.length} × (parse + serialize, AES-GCM)`,
            perSec: e2eFloor,
          },
          ratio: e2e / e2eFloor,
          target: { text: '≥ 0.35 of the floor', met: e2e / e2eFloor >= 0.35 },
          ...(kms === undefined ? {} : { note: kmsNote(m.counts) }),
        });
      }
    }
    if (steady !== undefined) {
      const kms = kmsPer1000(steady.counts);
      rows.push({
        section: 'stack',
        stage: 'KMS calls per 1,000 objects, steady state',
        format: 'fhir',
        size: steady.label,
        inputBytes: 0,
        items: steady.counts.materials,
        ...(kms === undefined
          ? { notMeasured: 'the key provider hands out a materials manager; its key calls are not visible' }
          : {
              kmsPer1000: kms,
              target: { text: '≤ 1 per 1,000', met: kms <= 1 },
              note: kmsNote(steady.counts),
            }),
      });
    }
    const bulkOnly = process.env.BENCH_BULK_CASES?.split(',');
    const bulkDir = await mkdtemp(path.join(os.tmpdir(), 'phi-bench-bulk-'));
    try {
      const bulkCases = opts.sizes
        .filter((s) => s.bytes > DIRECT_LIMIT_BYTES)
        .flatMap((size) => (['fhir', 'x12'] as const).map((format) => ({ format, size, rssTarget: false })))
        // BENCH_BULK_CASES=fhir (or x12, or none): only those bulk cases, e.g. to watch one's memory.
        .filter((c) => bulkOnly === undefined || bulkOnly.includes(c.format));
      if (opts.withGigabyte) {
        bulkCases.push({
          format: 'fhir',
          size: { label: '1 GB', bytes: 1024 ** 3, items: 1 },
          rssTarget: true,
        });
      }
      for (const c of bulkCases) {
        ctx.token = await client.accessToken();
        opts.log(`stack: ${c.format} ${c.size.label} through the upload path`);
        rows.push(await bulkCase(ctx, jwk, bulkDir, c.format, c.size, c.rssTarget));
      }
      if (!opts.withGigabyte) {
        rows.push({
          section: 'stack',
          stage: `peak RSS, 1 GB NDJSON to ${consumers.length} consumers`,
          format: 'fhir',
          size: '1 GB (NDJSON, upload path)',
          inputBytes: 1024 ** 3,
          items: 0,
          notMeasured: 'run with --with-1gb (minutes; target < 256 MB)',
        });
      }
    } finally {
      await rm(bulkDir, { recursive: true, force: true });
    }
    notes.push(
      `Consumers: ${consumers.join(', ')} (the shipped contracts). The load generator is this process; the stack is \`phi start\` in its own process with its workers on (PHI_WORKERS default), the rate limiter opened.`,
      'Latency: `accepted` p50/p99 is the request (POST → 202); `end to end` p50/p99 is the 202 → the last consumer notification of that submission (its `createdAt`); per second is submissions over the first POST → last 202 (accepted) or → last notification (end to end).',
      'KMS / 1,000 objects: data keys generated or unwrapped at the key port (each one KMS call on AWS unless a data-key cache answers) per 1,000 envelope operations (objects encrypted or decrypted), counted by a preloaded wrapper in every thread of the stack. Target: ≤ 1 at steady state.',
      'Floors are one core in this process; the stack has the whole machine. A ratio above 1 means the stack used more than one core well.',
    );
  } finally {
    rss.stop();
    client.close();
    agent.destroy();
    queue.close();
    await stopStackProcess(stack);
    await rm(home, { recursive: true, force: true });
  }
  return { rows, notes };
}

interface PhaseContext {
  readonly baseUrl: string;
  readonly ca: string;
  readonly agent: https.Agent;
  token: string;
  readonly queue: SqliteQueue;
  readonly consumers: readonly string[];
  readonly opts: StackOptions;
  readonly home: string;
  readonly rss: RssSampler;
  readonly stack: ChildProcess;
}

interface PhaseResult {
  /** Requests sent (all of them unless the time budget ran out). */
  readonly sent: number;
  readonly acceptedMs: number;
  readonly requestMs: number[];
  readonly e2eMs?: number;
  readonly deliveredMs: number[];
  readonly missing: string;
  readonly peakRssMiB: number;
  readonly counts: KeyPortCounts;
  readonly failures: number;
  readonly firstFailure?: number;
}

async function prepare(format: Format, bytes: number, n: number, jwk: JWK, tag: string): Promise<Prepared[]> {
  const out: Prepared[] = [];
  for (let i = 0; i < n; i++) {
    const body =
      format === 'fhir' ? fhirBundle(bytes, `${tag}-${i}`) : x12File(bytes, 1000 + i + tag.length * 7919);
    out.push({ body, digest: contentDigestHeader(body), jws: await signDetached(body, jwk) });
  }
  return out;
}

async function runPhase(ctx: PhaseContext, prepared: readonly Prepared[]): Promise<PhaseResult> {
  await settle();
  const before = keyPortCounts(ctx.home);
  const deadBefore = deadLetters(ctx.stack);
  ctx.rss.reset();
  const acceptedAt = new Map<string, number>();
  const pending = new Map<string, Set<string>>();
  const deliveredAt = new Map<string, number>();
  let failures = 0;
  let firstFailure: number | undefined;
  let posting = true;
  let lastAccepted = 0;
  let lastProgress = Date.now();
  const stallMs = ctx.opts.quick ? STALL_MS / 2 : STALL_MS;
  const started = Date.now();
  const drain = (async () => {
    const stalled = () => !posting && Date.now() > Math.max(lastAccepted, lastProgress) + stallMs;
    while ((posting || [...pending.values()].some((s) => s.size > 0)) && !stalled()) {
      let got = 0;
      for (const consumer of ctx.consumers) {
        const name = queueNames.notify(consumer);
        for (const m of await ctx.queue.receive(name, { maxMessages: 10, waitTimeSeconds: 0 })) {
          got++;
          lastProgress = Date.now();
          const n = ConsumerNotificationSchema.parse(JSON.parse(m.body));
          const waiting = pending.get(n.submissionId);
          if (waiting?.delete(consumer) && waiting.size === 0) {
            deliveredAt.set(n.submissionId, Date.parse(n.createdAt));
          }
          await ctx.queue.delete(name, m.receiptHandle);
        }
      }
      if (got === 0) await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const { latenciesMs, started: sent } = await runConcurrent(
    prepared,
    ctx.opts.concurrency,
    async (p) => {
      const format: Format = p.body[0] === 0x49 ? 'x12' : 'fhir';
      const res = await httpsRequest(`${ctx.baseUrl}${ROUTE[format].path}`, {
        method: 'POST',
        ca: ctx.ca,
        agent: ctx.agent,
        headers: {
          Authorization: `Bearer ${ctx.token}`,
          'Content-Type': ROUTE[format].contentType,
          'Content-Digest': p.digest,
          'X-JWS-Signature': p.jws,
        },
        body: p.body,
      });
      const id = (JSON.parse(res.body.toString() || '{}') as { submissionId?: string }).submissionId;
      if (res.status !== 202 || id === undefined) {
        failures++;
        firstFailure ??= res.status;
        return;
      }
      acceptedAt.set(id, Date.now());
      pending.set(id, new Set(ctx.consumers));
      lastAccepted = Math.max(lastAccepted, Date.now());
    },
    ctx.opts.quick ? POST_BUDGET_MS / 2 : POST_BUDGET_MS,
  );
  posting = false;
  const acceptedMs = Math.max(1, lastAccepted - started);
  await drain;
  const peakRssMiB = ctx.rss.peakMiB();
  await settle();
  const counts = diffCounts(keyPortCounts(ctx.home), before);
  const missingIds = [...pending].filter(([, s]) => s.size > 0).map(([id]) => id);
  const missing = missingIds.length;
  const stuck = missingIds[0] === undefined ? '' : await statusOf(ctx, missingIds[0]);
  const dead = deadLettersSince(ctx.stack, deadBefore);
  const deliveredMs = [...deliveredAt.entries()]
    .map(([id, at]) => at - (acceptedAt.get(id) ?? at))
    .sort((a, b) => a - b);
  const last = Math.max(...deliveredAt.values());
  return {
    sent,
    acceptedMs,
    requestMs: latenciesMs,
    deliveredMs,
    ...(missing === 0 && deliveredAt.size > 0 ? { e2eMs: Math.max(1, last - started) } : {}),
    missing: `${missing} of ${acceptedAt.size} submissions not notified to every consumer (nothing arrived for ${stallMs / 1000} s; the first one's status: ${stuck})${dead === '' ? '' : `; dead-lettered: ${dead}`}`,
    peakRssMiB,
    counts,
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

/**
 * One bulk submission through the upload path (SPEC §5): files written to disk, the manifest POSTed,
 * each file PUT, then every consumer's notification awaited (no stall detection: one submission
 * notifies at its end; the status is polled and a failed or dead-lettered one ends the wait).
 */
async function bulkCase(
  ctx: PhaseContext,
  jwk: JWK,
  dir: string,
  format: Format,
  size: SizeClass,
  rssTarget: boolean,
): Promise<BenchRow> {
  const base = {
    section: 'stack',
    stage: rssTarget
      ? `peak RSS, end to end, ${ctx.consumers.length} consumers`
      : `end to end, ${ctx.consumers.length} consumers`,
    format,
    size: `${size.label} (${format === 'fhir' ? 'NDJSON' : '837'}, upload path)`,
    inputBytes: size.bytes,
  } as const;
  let files: BulkFileOnDisk[];
  try {
    files =
      format === 'fhir' ? await writeNdjsonExport(dir, size.bytes) : await writeX12File(dir, size.bytes);
  } catch (error) {
    return {
      ...base,
      items: 0,
      notMeasured: `inputs: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  await settle();
  const before = keyPortCounts(ctx.home);
  const deadBefore = deadLetters(ctx.stack);
  ctx.rss.reset();
  const started = Date.now();
  const up = await uploadBulk({ ...ctx, jwk }, files);
  if ('notOnMain' in up) return { ...base, items: 0, notMeasured: 'upload path not on main' };
  if ('refused' in up) return { ...base, items: 0, notMeasured: up.refused };
  const waiting = new Set(ctx.consumers);
  let last = 0;
  let status = '';
  // Generous: 0.2 MB/s end to end, at least three minutes.
  const deadline = started + Math.max(180_000, (bytes / 0.2e6) * 1000);
  let nextStatus = Date.now() + 5000;
  while (waiting.size > 0 && Date.now() < deadline) {
    let got = 0;
    for (const consumer of ctx.consumers) {
      const name = queueNames.notify(consumer);
      for (const m of await ctx.queue.receive(name, { maxMessages: 10, waitTimeSeconds: 0 })) {
        got++;
        const n = ConsumerNotificationSchema.parse(JSON.parse(m.body));
        if (n.submissionId === up.submissionId && waiting.delete(consumer))
          last = Math.max(last, Date.parse(n.createdAt));
        await ctx.queue.delete(name, m.receiptHandle);
      }
    }
    if (Date.now() > nextStatus) {
      status = await statusOf(ctx, up.submissionId);
      nextStatus = Date.now() + 5000;
      if (/^(failed|dead-lettered)/.test(status)) break;
    }
    if (got === 0) await new Promise((r) => setTimeout(r, 200));
  }
  const peakRssMiB = ctx.rss.peakMiB();
  await settle();
  const counts = diffCounts(keyPortCounts(ctx.home), before);
  const kms = kmsPer1000(counts);
  const dead = deadLettersSince(ctx.stack, deadBefore);
  if (waiting.size > 0) {
    return {
      ...base,
      items: 1,
      peakRssMiB,
      notMeasured: `not every consumer notified (status: ${status || (await statusOf(ctx, up.submissionId))})${dead === '' ? '' : `; dead-lettered: ${dead}`}`,
    };
  }
  const ms = Math.max(1, last - started);
  // The floor of the same files, read again from disk after the run (page cache warm for both).
  let ingestMs = 0;
  let copyMs = 0;
  for (const f of files) {
    const floor = await bulkFileFloorMs(f.path, f.kind);
    ingestMs += floor.ingestMs;
    copyMs += floor.copyMs;
  }
  const floorPerSec = 1000 / (ingestMs + ctx.consumers.length * copyMs);
  return {
    ...base,
    items: 1,
    perSec: 1000 / ms,
    mbPerSec: (bytes / 1e6 / ms) * 1000,
    p50Ms: ms,
    peakRssMiB,
    ...(kms === undefined ? {} : { kmsPer1000: kms }),
    floor: {
      what: `SHA-256, parse, AES-GCM + ${ctx.consumers.length} × (parse + serialize, AES-GCM), streamed from disk`,
      perSec: floorPerSec,
    },
    ratio: 1000 / ms / floorPerSec,
    target: rssTarget
      ? { text: 'peak RSS < 256 MB', met: peakRssMiB < 256 }
      : { text: '≥ 0.35 of the floor', met: 1000 / ms / floorPerSec >= 0.35 },
    note: `${files.length} files, ${Math.round(bytes / 1e6)} MB; upload (POST manifest + PUTs) ${((up.uploadedAt - started) / 1000).toFixed(1)} s; latency = POST → last notification${kms === undefined ? '' : `; ${kmsNote(counts)}`}`,
  };
}

/** The status the stack gives a submission (its `status` and any failure code), for a report that says why. */
async function statusOf(ctx: PhaseContext, id: string): Promise<string> {
  try {
    const res = await httpsRequest(`${ctx.baseUrl}/v1/submissions/${id}`, {
      method: 'GET',
      ca: ctx.ca,
      agent: ctx.agent,
      headers: { Authorization: `Bearer ${ctx.token}` },
    });
    const json = JSON.parse(res.body.toString() || '{}') as Record<string, unknown>;
    const consumers = Array.isArray(json.consumers)
      ? (json.consumers as { id?: unknown; status?: unknown }[])
      : [];
    const each = consumers.map((c) => `${String(c.id)} ${String(c.status)}`).join(', ');
    return `${String(json.status ?? `HTTP ${res.status}`)}${each === '' ? '' : ` (${each})`}`;
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The counters are written at most every 100 ms. */
const settle = () => new Promise((r) => setTimeout(r, 300));

const kmsPer1000 = (c: KeyPortCounts): number | undefined =>
  c.materials === 0 || c.opaqueMaterials === c.materials
    ? undefined
    : ((c.dataKeysGenerated + c.dataKeysUnwrapped) / c.materials) * 1000;

const kmsNote = (c: KeyPortCounts): string =>
  `key port: ${c.materials} envelope operations, ${c.dataKeysGenerated} data keys generated, ${c.dataKeysUnwrapped} unwrapped${c.opaqueMaterials > 0 ? `, ${c.opaqueMaterials} through a materials manager (not visible)` : ''}`;

function bestOf(rounds: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The consumers the stack's workers deliver to: the contract files of its home (the shipped three). */
async function waitForConsumers(home: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const files = await readdir(path.join(home, 'contracts'));
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}
