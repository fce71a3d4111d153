import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BulkFileKind } from '../shared/app/submission.js';
import { CliError } from './cli-error.js';

/** One file of a bulk submission as the manifest declares it, plus where it is on disk. */
export interface UploadFile {
  readonly path: string;
  /** The manifest name: the base name, unique within the submission. */
  readonly name: string;
  readonly kind: BulkFileKind;
  readonly resourceType?: string;
  readonly bytes: number;
  /** `sha-256=:BASE64:` (RFC 9530), as the server compares it. */
  readonly contentDigest: string;
  /** Declared for a large file: sent in parts of this size, each with its own SHA-256 (docs/uploads.md "Multipart"). */
  readonly parts?: { readonly bytes: number; readonly sha256: readonly string[] };
}

/** Files above this go in parts by default (docs/uploads.md "Multipart"). */
export const MULTIPART_ABOVE = 64 * 1024 * 1024;
/** The default part size: an interruption costs at most a few of these per file. */
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
/** S3's bounds as the server takes them: 5 MiB parts at least, at most 1000 parts (one ListParts page). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 1000;

/**
 * The part size for a file of `bytes`, or undefined when it goes whole: parts when it is larger than
 * `above`, of `partBytes` (at least 5 MiB, and larger when 1000 parts would not hold the file).
 */
export function partBytesFor(bytes: number, above: number, partBytes: number): number | undefined {
  if (bytes <= above) return undefined;
  const size = Math.max(
    MIN_PART_BYTES,
    partBytes,
    Math.ceil(bytes / MAX_PARTS / (1024 * 1024)) * 1024 * 1024,
  );
  return Math.ceil(bytes / size) >= 2 ? size : undefined;
}

/** A file to describe: its kind and resource type if something other than its bytes already says. */
interface Candidate {
  readonly path: string;
  readonly name: string;
  readonly kind?: BulkFileKind;
  readonly resourceType?: string;
}

const NDJSON_NAME = /\.(ndjson|jsonl)$/i;
/** Bulk Data exports name files `Patient.ndjson`, `Patient.000.ndjson`, `Patient_1.ndjson`, `Patient-2.ndjson`. */
const TYPE_FROM_NAME = /^([A-Z][A-Za-z]{1,63})(?:[._-]\d+)?\.(?:ndjson|jsonl)$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** The first line decides the resource type; a longer first line leaves it to the file's name. */
const HEAD_LIMIT = 1024 * 1024;

/**
 * The files of a FHIR Bulk Data export folder as one submission: the export manifest's `output`
 * list when the folder holds one (its `type` is each file's resourceType), else every `.ndjson` file.
 */
export async function filesOfFolder(dir: string): Promise<Candidate[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  const listed = await exportManifestOutput(dir, names);
  if (listed) return listed;
  const ndjson = names.filter((n) => NDJSON_NAME.test(n)).sort();
  // An export lists an empty file for a type it had nothing of; there is nothing to send for it.
  const files = await nonEmpty(
    ndjson.map((name) => ({
      path: path.join(dir, name),
      name: manifestName(name),
      kind: 'fhir-ndjson' as const,
    })),
  );
  if (files.length === 0) throw new CliError(`${dir}: no non-empty .ndjson files in the folder`);
  return files;
}

async function nonEmpty(files: Candidate[]): Promise<Candidate[]> {
  const kept: Candidate[] = [];
  for (const f of files) if ((await stat(f.path)).size > 0) kept.push(f);
  return kept;
}

/**
 * The name the manifest declares: the server takes plain names (letters, digits, `.`, `_`, `-`, not
 * starting with `.`), so anything else becomes `_`. Results still name the file as given.
 */
export function manifestName(base: string): string {
  const plain = base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 255);
  return plain.startsWith('.') ? `_${plain.slice(1)}` : plain;
}

/** A Bulk Data export manifest (`{transactionTime, request, output: [{type, url}]}`) among the folder's JSON files. */
async function exportManifestOutput(dir: string, names: readonly string[]): Promise<Candidate[] | undefined> {
  for (const name of names.filter((n) => /\.json$/i.test(n)).sort()) {
    const file = path.join(dir, name);
    if ((await stat(file)).size > HEAD_LIMIT) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      continue;
    }
    const output = (doc as { output?: unknown } | null)?.output;
    if (!Array.isArray(output) || typeof (doc as { transactionTime?: unknown }).transactionTime !== 'string')
      continue;
    const files = output.map((entry: { type?: unknown; url?: unknown }, i): Candidate => {
      const url = typeof entry?.url === 'string' ? entry.url : '';
      const base = path.posix.basename(url.replace(/[?#].*$/, ''));
      if (!base || !names.includes(base)) {
        throw new CliError(`${file}: output[${i}] names a file that is not in the folder`);
      }
      const type = typeof entry.type === 'string' && RESOURCE_TYPE.test(entry.type) ? entry.type : undefined;
      return {
        path: path.join(dir, base),
        name: manifestName(base),
        kind: 'fhir-ndjson',
        ...(type ? { resourceType: type } : {}),
      };
    });
    const kept = await nonEmpty(files);
    if (kept.length === 0) throw new CliError(`${file}: the export manifest lists no non-empty output files`);
    return kept;
  }
  return undefined;
}

/** A single file given on the command line. */
export const candidateOf = (file: string): Candidate => ({
  path: file,
  name: manifestName(path.basename(file)),
});

/**
 * Reads the file once, streamed: size and SHA-256 as the server will check them, and from the first
 * line, the kind (NDJSON, Bundle or X12) and an NDJSON file's resourceType. Memory stays flat.
 */
export async function describeFile(
  candidate: Candidate,
  onBytes: (bytes: number) => void = () => {},
  partBytes?: number,
): Promise<UploadFile> {
  const hash = createHash('sha256');
  // The same pass hashes each part, cut at exact byte offsets whatever the chunk boundaries.
  const partSums: string[] = [];
  let part = createHash('sha256');
  let inPart = 0;
  const hashParts = (chunk: Buffer) => {
    if (partBytes === undefined) return;
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(partBytes - inPart, chunk.byteLength - at);
      part.update(chunk.subarray(at, at + take));
      inPart += take;
      at += take;
      if (inPart === partBytes) {
        partSums.push(part.digest('base64'));
        part = createHash('sha256');
        inPart = 0;
      }
    }
  };
  let bytes = 0;
  let head = Buffer.alloc(0);
  let headDone = false;
  for await (const chunk of createReadStream(candidate.path, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    hashParts(chunk);
    bytes += chunk.byteLength;
    if (!headDone) {
      head = Buffer.concat([head, chunk.subarray(0, HEAD_LIMIT - head.byteLength)]);
      headDone = head.includes(0x0a) || head.byteLength >= HEAD_LIMIT;
    }
    onBytes(chunk.byteLength);
  }
  if (bytes === 0) throw new CliError(`${candidate.path}: the file is empty`);
  if (partBytes !== undefined && inPart > 0) partSums.push(part.digest('base64'));
  const kind = candidate.kind ?? kindOf(candidate.name, head);
  if (!kind) throw new CliError(`${candidate.path}: neither FHIR NDJSON, a FHIR Bundle nor X12`);
  const resourceType =
    kind === 'fhir-ndjson' ? (candidate.resourceType ?? resourceTypeOf(candidate.name, head)) : undefined;
  return {
    path: candidate.path,
    name: candidate.name,
    kind,
    ...(resourceType ? { resourceType } : {}),
    bytes,
    contentDigest: `sha-256=:${hash.digest('base64')}:`,
    ...(partBytes !== undefined && partSums.length >= 2
      ? { parts: { bytes: partBytes, sha256: partSums } }
      : {}),
  };
}

/** The first line of the head, when it is complete and a JSON object. */
function firstLineObject(head: Buffer): Record<string, unknown> | undefined {
  const end = head.indexOf(0x0a);
  const text = head
    .subarray(0, end < 0 ? head.byteLength : end)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * X12 starts with `ISA`; JSON whose first line is a whole resource is NDJSON (unless it is a Bundle in a
 * `.json` file: a minified Bundle is one line too); JSON that spans lines is a Bundle.
 */
export function kindOf(name: string, head: Buffer): BulkFileKind | undefined {
  const start = head.subarray(0, 64).toString('latin1').replace(/^ï»¿/, '').trimStart();
  if (start.startsWith('ISA')) return 'x12-837';
  if (NDJSON_NAME.test(name)) return 'fhir-ndjson';
  if (!start.startsWith('{')) return undefined;
  const first = firstLineObject(head);
  if (first === undefined || (first.resourceType === 'Bundle' && !NDJSON_NAME.test(name))) {
    return 'fhir-bundle';
  }
  return 'fhir-ndjson';
}

function resourceTypeOf(name: string, head: Buffer): string | undefined {
  const fromLine = firstLineObject(head)?.resourceType;
  if (typeof fromLine === 'string' && RESOURCE_TYPE.test(fromLine)) return fromLine;
  return TYPE_FROM_NAME.exec(name)?.[1];
}

/** The signed unit of a bulk submission (SPEC §5): names, kinds, sizes and digests, in upload order. */
export function manifestBytes(files: readonly UploadFile[]): Uint8Array {
  const names = new Set(files.map((f) => f.name));
  if (names.size !== files.length) throw new CliError('two files of one submission share a name');
  return new TextEncoder().encode(
    JSON.stringify({
      files: files.map((f) => ({
        name: f.name,
        kind: f.kind,
        ...(f.resourceType ? { resourceType: f.resourceType } : {}),
        bytes: f.bytes,
        contentDigest: f.contentDigest,
        ...(f.parts ? { parts: f.parts } : {}),
      })),
    }),
  );
}
