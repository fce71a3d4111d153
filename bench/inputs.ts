import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generateLarge } from '../test/helpers/x12-planter/index.js';
import { syntheticBundle } from './synthetic-bundle.js';

/** The input sizes of the report. `--quick` keeps the small and middle sizes and shrinks the large one. */
export interface SizeClass {
  readonly label: string;
  readonly bytes: number;
  /** How many distinct items of this size a stage is timed over. */
  readonly items: number;
}

export function sizeClasses(quick: boolean): SizeClass[] {
  const largeMb = Number(process.env.BENCH_LARGE_MB ?? (quick ? 16 : 100));
  return [
    { label: '10 KB', bytes: 10 * 1024, items: quick ? 100 : 300 },
    { label: '1 MB', bytes: 1024 * 1024, items: quick ? 5 : 12 },
    { label: `${largeMb} MB`, bytes: largeMb * 1024 * 1024, items: 1 },
  ];
}

/** Inputs above this go through the bulk path (NDJSON for FHIR, streamed for X12); below it, one request body. */
export const DIRECT_LIMIT_BYTES = 4 * 1024 * 1024;

export type Format = 'fhir' | 'x12';

/** A FHIR transaction Bundle of about `bytes` (one Patient, Observations), distinct per `tag`. */
export const fhirBundle = (bytes: number, tag: string): Buffer => syntheticBundle(bytes, tag);

/** A valid 837P interchange of about `bytes` from the test suite's seeded planter (PHI planted everywhere). */
export function x12File(bytes: number, seed: number): Buffer {
  const parts: string[] = [];
  for (const chunk of generateLarge(bytes, seed, { kind: '837P' })) parts.push(chunk);
  return Buffer.from(parts.join(''), 'latin1');
}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The resources of the Synthea corpus (PHI_CORPUS_DIR, default /work/shared/corpus/fhir), or none. */
export function corpusResources(limitBytes = 64 * 1024 * 1024): Json[] {
  const root = process.env.PHI_CORPUS_DIR ?? path.resolve('../shared/corpus/fhir');
  if (!existsSync(root)) return [];
  const out: Json[] = [];
  let bytes = 0;
  for (const d of readdirSync(root).filter((name) => name.startsWith('synthea'))) {
    for (const f of readdirSync(path.join(root, d)).filter((name) => name.endsWith('.json'))) {
      const text = readFileSync(path.join(root, d, f), 'utf8');
      bytes += text.length;
      const bundle = JSON.parse(text) as Json;
      if (!Array.isArray(bundle.entry)) continue;
      for (const e of bundle.entry) if (isJson(e) && isJson(e.resource)) out.push(e.resource);
      if (bytes > limitBytes) return out;
    }
  }
  return out;
}

/** The Synthea corpus bundles as they are (for the `phi deid` rows), or none. */
export function corpusBundles(): Buffer[] {
  const root = process.env.PHI_CORPUS_DIR ?? path.resolve('../shared/corpus/fhir');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.startsWith('synthea'))
    .flatMap((d) =>
      readdirSync(path.join(root, d))
        .filter((f) => f.endsWith('.json'))
        .map((f) => readFileSync(path.join(root, d, f))),
    );
}

/**
 * A FHIR NDJSON export of about `bytes`: Synthea corpus resources, one a line, cycled with a fresh id
 * per copy (synthetic Observations when the corpus is absent). Mixed resource types in one file.
 */
export function fhirNdjson(bytes: number, resources: readonly Json[] = corpusResources()): Buffer {
  const source =
    resources.length > 0
      ? resources
      : ((
          JSON.parse(syntheticBundle(64 * 1024, 'ndjson').toString()) as { entry: { resource: Json }[] }
        ).entry.map((e) => e.resource) as Json[]);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const r = source[i % source.length] as Json;
    const line = JSON.stringify({ ...r, id: `b${i.toString(36)}` });
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** `bytes` as 64 KiB chunks, as a stream from disk or S3 hands them over. */
export async function* chunksOf(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}

/** Non-empty lines of NDJSON bytes. */
export function* ndjsonLines(bytes: Buffer): Generator<Buffer> {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (end > start) yield bytes.subarray(start, end);
    start = end + 1;
  }
}
