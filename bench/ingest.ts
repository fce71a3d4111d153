import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { httpsRequest } from '../cli/client/https-request.js';
import { PartnerClient } from '../cli/client/partner-client.js';
import { contentDigestHeader, signDetached } from '../cli/client/sign-submission.js';
import { LocalKeyProvider } from '../shared/adapters/embedded/local-key-provider.js';
import { LocalTokenSigner } from '../shared/adapters/embedded/local-token-signer.js';
import { verifyAccessToken } from '../shared/core/auth/access-token.js';
import { parseSafeJson } from '../shared/core/json/safe-json.js';
import { verifyDetachedJws } from '../shared/core/jws/detached-jws.js';
import { createEnvelope } from '../shared/crypto/envelope.js';
import { freePort, peakRssMiB, startStackProcess, stopStackProcess } from './local-stack-process.js';
import { fmt, percentile, runConcurrent } from './stats.js';
import { syntheticBundle } from './synthetic-bundle.js';

interface Case {
  readonly label: string;
  readonly bytes: number;
  readonly requests: number;
  readonly concurrency: number;
}

const CASES: readonly Case[] = [
  { label: '10 KB bundle', bytes: 10 * 1024, requests: 600, concurrency: 8 },
  { label: '1 MB bundle', bytes: 1024 * 1024, requests: 40, concurrency: 4 },
];

/** Ingest requests/s and latency on the local stack, beside the single-core CPU floor of the same bytes. */
export async function benchIngest(): Promise<string[]> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'phi-bench-'));
  const port = await freePort();
  const stack = await startStackProcess(home, port, { PHI_WORKERS: 'false' });
  const baseUrl = `https://127.0.0.1:${port}`;
  const ca = await readFile(path.join(home, 'tls/ca.pem'), 'utf8');
  const jwk = JSON.parse(await readFile(path.join(home, 'partners/demo/private.jwk'), 'utf8')) as JWK;
  const client = new PartnerClient({ baseUrl, partnerId: 'demo', privateJwk: jwk, ca });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  const rows: string[] = [
    '| case | requests | concurrency | req/s | p50 ms | p99 ms | floor ms/req (1 core) | floor req/s | req/s ÷ floor |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  try {
    const token = await client.accessToken();
    const issuerKey = await new LocalTokenSigner(home).publicJwk();
    const envelope = createEnvelope(new LocalKeyProvider(home));
    const { d: _private, ...publicJwk } = jwk;
    for (const c of CASES) {
      const prepared = await Promise.all(
        Array.from({ length: c.requests }, async (_, i) => {
          const body = syntheticBundle(c.bytes, `${c.label}-${i}`);
          return { body, digest: contentDigestHeader(body), jws: await signDetached(body, jwk) };
        }),
      );
      const failures: number[] = [];
      const { latenciesMs, wallMs } = await runConcurrent(prepared, c.concurrency, async (p) => {
        const res = await httpsRequest(`${baseUrl}/v1/bundles`, {
          method: 'POST',
          ca,
          agent,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/fhir+json',
            'Content-Digest': p.digest,
            'X-JWS-Signature': p.jws,
          },
          body: p.body,
        });
        if (res.status !== 202) failures.push(res.status);
      });
      if (failures.length > 0)
        throw new Error(`${failures.length} requests failed, e.g. HTTP ${failures[0]}`);

      // CPU floor: the irreducible work per request, measured on the same bytes in this process.
      const floorRuns = Math.min(prepared.length, c.bytes > 100_000 ? 20 : 300);
      const t0 = performance.now();
      for (const p of prepared.slice(0, floorRuns)) {
        await verifyAccessToken(`Bearer ${token}`, {
          issuerKey,
          issuer: baseUrl,
          audience: baseUrl,
          now: new Date(),
        });
        await verifyDetachedJws(p.jws, p.body, { partnerKeys: [publicJwk], now: new Date() });
        createHash('sha256').update(p.body).digest();
        parseSafeJson(p.body);
        await envelope.encrypt('data', p.body, { purpose: 'bench', submissionId: 'bench', partner: 'demo' });
      }
      const floorMs = (performance.now() - t0) / floorRuns;
      const reqPerSec = (c.requests / wallMs) * 1000;
      rows.push(
        `| ${c.label} | ${c.requests} | ${c.concurrency} | ${fmt(reqPerSec)} | ${fmt(percentile(latenciesMs, 50))} | ${fmt(percentile(latenciesMs, 99))} | ${fmt(floorMs, 2)} | ${fmt(1000 / floorMs)} | ${fmt(reqPerSec / (1000 / floorMs), 2)} |`,
      );
    }
    rows.push('', `stack peak RSS: ${fmt(await peakRssMiB(stack.pid), 0)} MiB (workers off: ingest only)`);
  } finally {
    client.close();
    agent.destroy();
    await stopStackProcess(stack);
    await rm(home, { recursive: true, force: true });
  }
  return rows;
}
