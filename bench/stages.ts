import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { contentDigestHeader, signDetached } from '../cli/client/sign-submission.js';
import { FileObjectStore } from '../shared/adapters/embedded/file-object-store.js';
import { LocalKeyProvider } from '../shared/adapters/embedded/local-key-provider.js';
import { SqliteQueue } from '../shared/adapters/embedded/sqlite-queue.js';
import { checkClaimFile } from '../shared/app/claim-door.js';
import { deidentifyContent } from '../shared/app/deidentify-files.js';
import { builtInProfile } from '../shared/core/deid/contract.js';
import { createDeidEngine, type DeidEngine } from '../shared/core/deid/engine.js';
import { deidentifyX12Share, x12DeidServices } from '../shared/core/deid/x12/share.js';
import { validateBundle, warmFhirValidator } from '../shared/core/fhir/validate-bundle.js';
import { validateResource } from '../shared/core/fhir/validate-resource.js';
import { verifyContentDigest } from '../shared/core/integrity/content-digest.js';
import { parseSafeJson } from '../shared/core/json/safe-json.js';
import { verifyDetachedJws } from '../shared/core/jws/detached-jws.js';
import { readX12Stream } from '../shared/core/x12/reader.js';
import { createEnvelope, type Envelope } from '../shared/crypto/envelope.js';
import {
  aesGcmFloor,
  durableWriteFloor,
  es256Floor,
  jsonFloor,
  ndjsonFloor,
  sha256Floor,
  x12SplitFloor,
} from './floors.js';
import {
  chunksOf,
  DIRECT_LIMIT_BYTES,
  type Format,
  fhirBundle,
  fhirNdjson,
  ndjsonLines,
  type SizeClass,
  x12File,
} from './inputs.js';
import type { BenchRow } from './report.js';
import { percentile } from './stats.js';

type Work = (input: Buffer, i: number) => void | Promise<void>;

interface Timed {
  readonly wallMs: number;
  readonly latenciesMs: number[];
}

async function timeAll(inputs: readonly Buffer[], work: Work): Promise<Timed> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  for (const [i, input] of inputs.entries()) {
    const t0 = performance.now();
    await work(input, i);
    latenciesMs.push(performance.now() - t0);
  }
  return { wallMs: performance.now() - started, latenciesMs: latenciesMs.sort((a, b) => a - b) };
}

/** Floor and stage alternately, `rounds` times, best wall time of each: load on the machine hits both alike. */
async function measure(
  inputs: readonly Buffer[],
  stage: Work,
  floor: Work | undefined,
  rounds: number,
): Promise<{ stage: Timed; floorMs?: number }> {
  let best: Timed | undefined;
  let floorMs: number | undefined;
  // Warm both (JIT, caches, lazy indexes) on a few small inputs before timing; a large single input is not repeated.
  if (inputs.length > 1) {
    const few = inputs.slice(0, 3);
    await timeAll(few, stage);
    if (floor !== undefined) await timeAll(few, floor);
  }
  for (let r = 0; r < rounds; r++) {
    if (floor !== undefined) {
      const f = await timeAll(inputs, floor);
      floorMs = Math.min(floorMs ?? Number.POSITIVE_INFINITY, f.wallMs);
    }
    const s = await timeAll(inputs, stage);
    if (best === undefined || s.wallMs < best.wallMs) best = s;
  }
  return { stage: best as Timed, ...(floorMs === undefined ? {} : { floorMs }) };
}

interface StageDef {
  readonly stage: string;
  readonly floorWhat?: string;
  readonly run: Work;
  readonly floor?: Work;
  readonly note?: string;
}

interface Kit {
  readonly jwk: JWK;
  readonly publicJwk: JWK;
  readonly envelope: Envelope;
  readonly objects: FileObjectStore;
  readonly queue: SqliteQueue;
  readonly engine: DeidEngine;
  readonly home: string;
}

const CONTEXT = { purpose: 'raw', submissionId: 'bench', partner: 'demo' };

/** The stages one input goes through, each with its floor on the same bytes. */
async function stagesFor(format: Format, size: SizeClass, inputs: Buffer[], kit: Kit): Promise<StageDef[]> {
  const bulk = size.bytes > DIRECT_LIMIT_BYTES;
  const signed = await Promise.all(
    inputs.map(async (body) => {
      // A bulk file is declared in a signed manifest (its digest), not signed itself.
      const manifest = Buffer.from(
        JSON.stringify({
          files: [{ name: 'f', kind: format, bytes: body.length, contentDigest: contentDigestHeader(body) }],
        }),
      );
      const signedBytes = bulk ? manifest : body;
      const jws = await signDetached(signedBytes, kit.jwk);
      return {
        digest: contentDigestHeader(body),
        jws,
        signedBytes,
        es256: es256Floor(jws, signedBytes, kit.publicJwk),
      };
    }),
  );
  const verify: StageDef = {
    stage: 'verify (digest + JWS)',
    floorWhat: 'SHA-256 + ES256 verify',
    run: async (body, i) => {
      const s = signed[i];
      if (s === undefined) return;
      if (bulk) {
        const hash = (await import('node:crypto')).createHash('sha256');
        for await (const chunk of chunksOf(body)) hash.update(chunk);
        hash.digest();
      } else verifyContentDigest(s.digest, body);
      await verifyDetachedJws(s.jws, s.signedBytes, { partnerKeys: [kit.publicJwk], now: new Date() });
    },
    floor: (body, i) => {
      sha256Floor(body);
      signed[i]?.es256();
    },
    ...(bulk
      ? {
          note: 'bulk: the file streamed through SHA-256 against its declared digest, the JWS over the manifest',
        }
      : {}),
  };
  const parse: StageDef =
    format === 'fhir'
      ? {
          stage: 'parse + validate',
          floorWhat: 'JSON parse + serialize',
          run: bulk
            ? (body) => {
                // As the upload path checks a declared file: each line parsed and validated as a resource of its type.
                for (const line of ndjsonLines(body)) {
                  const resource = parseSafeJson(line) as { resourceType: string };
                  validateResource(resource, resource.resourceType);
                }
              }
            : (body) => {
                validateBundle(parseSafeJson(body));
              },
          floor: bulk ? ndjsonFloor : jsonFloor,
          ...(bulk ? { note: 'NDJSON: validateResource per line, as the upload path checks a file' } : {}),
        }
      : {
          stage: 'parse + validate',
          floorWhat: 'X12 split',
          run: bulk
            ? async (body) => {
                await readX12Stream(chunksOf(body));
              }
            : (body) => {
                checkClaimFile(body, new Date());
              },
          floor: x12SplitFloor,
          ...(bulk ? { note: 'readX12Stream over 64 KiB chunks (SNIP 1-4)' } : {}),
        };
  const services = x12DeidServices(kit.engine.contract, new Uint8Array(32).fill(7), 'bench', '2026-12-03');
  const deid: StageDef =
    format === 'fhir'
      ? {
          stage: 'de-identify (safe-harbor, gate)',
          floorWhat: 'JSON parse + serialize',
          run: (body) => {
            deidentifyContent(kit.engine, body, 'bench');
          },
          floor: bulk ? ndjsonFloor : jsonFloor,
        }
      : {
          stage: 'de-identify (safe-harbor, gate)',
          floorWhat: 'X12 split',
          run: (body) => {
            deidentifyX12Share(kit.engine.contract, services, body).assertReleasable('bench');
          },
          floor: x12SplitFloor,
        };
  const encrypt: StageDef = {
    stage: 'encrypt (envelope)',
    floorWhat: 'AES-256-GCM',
    run: bulk
      ? async (body) => {
          for await (const _ of kit.envelope.encryptStream('data', chunksOf(body), CONTEXT)) {
            // drained as an upload takes it
          }
        }
      : async (body) => {
          await kit.envelope.encrypt('data', body, CONTEXT);
        },
    floor: aesGcmFloor,
    ...(bulk ? { note: 'encryptStream over 64 KiB chunks' } : {}),
  };
  let n = 0;
  const store: StageDef = {
    stage: 'store (file object store)',
    floorWhat: 'write + fsync',
    run: bulk
      ? async (body) => {
          await kit.objects.putStream(`bench/${format}/large-${n++}`, chunksOf(body));
        }
      : async (body) => {
          await kit.objects.put(`bench/${format}/${size.bytes}-${n++}`, body);
        },
    ...(bulk ? { note: 'putStream over 64 KiB chunks' } : {}),
    floor: durableWriteFloor(path.join(kit.home, 'floor.bin')),
  };
  return [verify, parse, deid, encrypt, store];
}

async function kit(): Promise<Kit> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'phi-bench-stages-'));
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'ES256' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  return {
    home,
    jwk,
    publicJwk,
    envelope: createEnvelope(new LocalKeyProvider(home)),
    objects: new FileObjectStore(home),
    queue: new SqliteQueue(home),
    engine: createDeidEngine({
      contract: builtInProfile('safe-harbor'),
      secret: new Uint8Array(32).fill(7),
      keyId: 'bench',
      referenceDate: '2026-12-03',
    }),
  };
}

function inputsFor(format: Format, size: SizeClass): Buffer[] {
  if (size.bytes > DIRECT_LIMIT_BYTES)
    return [format === 'fhir' ? fhirNdjson(size.bytes) : x12File(size.bytes, 11)];
  return Array.from({ length: size.items }, (_, i) =>
    format === 'fhir' ? fhirBundle(size.bytes, `stage-${i}`) : x12File(size.bytes, 100 + i),
  );
}

/** Every stage, for FHIR and X12 at each size, one core in this process, beside its floor. */
export async function benchStages(
  sizes: readonly SizeClass[],
  quick: boolean,
  log: (s: string) => void,
): Promise<BenchRow[]> {
  warmFhirValidator();
  const k = await kit();
  const rows: BenchRow[] = [];
  try {
    for (const format of ['fhir', 'x12'] as const) {
      for (const size of sizes) {
        const inputs = inputsFor(format, size);
        const bytes = inputs.reduce((s, b) => s + b.length, 0);
        const meanBytes = bytes / inputs.length;
        for (const def of await stagesFor(format, size, inputs, k)) {
          log(`stages: ${format} ${size.label} ${def.stage}`);
          const rounds = size.bytes > DIRECT_LIMIT_BYTES || quick ? 1 : 2;
          try {
            const m = await measure(inputs, def.run, def.floor, rounds);
            const perSec = (inputs.length / m.stage.wallMs) * 1000;
            const floorPerSec = m.floorMs === undefined ? undefined : (inputs.length / m.floorMs) * 1000;
            rows.push({
              section: 'stages',
              stage: def.stage,
              format,
              size:
                size.bytes > DIRECT_LIMIT_BYTES
                  ? `${size.label} (${format === 'fhir' ? 'NDJSON' : 'streamed'})`
                  : size.label,
              inputBytes: Math.round(meanBytes),
              items: inputs.length,
              perSec,
              mbPerSec: (bytes / 1e6 / m.stage.wallMs) * 1000,
              p50Ms: percentile(m.stage.latenciesMs, 50),
              p99Ms: percentile(m.stage.latenciesMs, 99),
              ...(floorPerSec === undefined || def.floorWhat === undefined
                ? {}
                : { floor: { what: def.floorWhat, perSec: floorPerSec }, ratio: perSec / floorPerSec }),
              ...(def.note === undefined ? {} : { note: def.note }),
            });
          } catch (error) {
            rows.push({
              section: 'stages',
              stage: def.stage,
              format,
              size: size.label,
              inputBytes: Math.round(meanBytes),
              items: inputs.length,
              notMeasured: `failed (${error instanceof Error ? error.message.slice(0, 120) : String(error)})`,
            });
          }
        }
      }
    }
    // Notify: one queue message per consumer and submission, whatever the input size.
    const message = JSON.stringify({
      version: 1,
      type: 'submission.delivered',
      submissionId: '00000000-0000-4000-8000-000000000000',
      consumer: 'analytics',
      bucket: 'local',
      key: 'deliveries/analytics/x.ndjson',
      contentType: 'application/fhir+ndjson',
      sha256: '0'.repeat(64),
      bytes: 1,
      resourceCounts: { Patient: 1 },
      profile: 'safe-harbor',
      createdAt: new Date().toISOString(),
    });
    const count = quick ? 200 : 1000;
    const notes = Array.from({ length: count }, () => Buffer.from(message));
    const m = await timeAll(notes, async () => {
      await k.queue.send('notify-bench', message);
    });
    rows.push({
      section: 'stages',
      stage: 'notify (queue send)',
      format: '-',
      size: 'one message',
      inputBytes: message.length,
      items: count,
      perSec: (count / m.wallMs) * 1000,
      p50Ms: percentile(m.latenciesMs, 50),
      p99Ms: percentile(m.latenciesMs, 99),
      note: 'no floor: a durable enqueue has no primitive cheaper than itself here',
    });
  } finally {
    k.queue.close();
    await rm(k.home, { recursive: true, force: true });
  }
  return rows;
}
