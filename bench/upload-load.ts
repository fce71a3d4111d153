import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { JWK } from 'jose';
import { httpsRequest } from '../cli/client/https-request.js';
import { signDetached } from '../cli/client/sign-submission.js';
import { generateLarge } from '../test/helpers/x12-planter/index.js';
import { corpusResources } from './inputs.js';

/** One file of a bulk submission, written to disk with its size and SHA-256 as it was produced. */
export interface BulkFileOnDisk {
  readonly name: string;
  readonly kind: 'fhir-ndjson' | 'x12-837';
  readonly resourceType?: string;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

type Json = Record<string, unknown>;

async function writeStreamed(
  file: string,
  chunks: Iterable<string>,
): Promise<{ bytes: number; sha256: string }> {
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  let bytes = 0;
  for (const chunk of chunks) {
    const buf = Buffer.from(chunk);
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { bytes, sha256: hash.digest('base64') };
}

/**
 * A Bulk Data export of about `bytes` in `dir`: one NDJSON file per resource type of the Synthea
 * corpus, each type's share of the bytes as in the corpus, resources cycled with a fresh id per copy.
 * Written as generated: a gigabyte never sits in this process.
 */
export async function writeNdjsonExport(dir: string, bytes: number): Promise<BulkFileOnDisk[]> {
  const byType = new Map<string, Json[]>();
  for (const r of corpusResources(16 * 1024 * 1024)) {
    const type = String(r.resourceType);
    byType.set(type, [...(byType.get(type) ?? []), r]);
  }
  if (byType.size === 0) throw new TypeError('the bulk cases need the Synthea corpus (PHI_CORPUS_DIR)');
  const sizeOf = (list: Json[]) => list.reduce((n, r) => n + JSON.stringify(r).length + 1, 0);
  const total = [...byType.values()].reduce((n, list) => n + sizeOf(list), 0);
  const files: BulkFileOnDisk[] = [];
  for (const [type, list] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    const share = Math.ceil((bytes * sizeOf(list)) / total);
    const name = `${type}.ndjson`;
    const file = path.join(dir, name);
    function* lines(): Generator<string> {
      let size = 0;
      for (let i = 0; size < share; i++) {
        const r = list[i % list.length] as Json;
        const line = `${JSON.stringify({ ...r, id: `${String(r.id ?? 'r').slice(0, 40)}-${i.toString(36)}` })}\n`;
        size += Buffer.byteLength(line);
        yield line;
      }
    }
    const written = await writeStreamed(file, lines());
    files.push({ name, kind: 'fhir-ndjson', resourceType: type, path: file, ...written });
  }
  return files;
}

/** One generated 837P of about `bytes` (the X12 planter, PHI planted everywhere). */
export async function writeX12File(dir: string, bytes: number): Promise<BulkFileOnDisk[]> {
  const file = path.join(dir, 'claims.837');
  const written = await writeStreamed(file, generateLarge(bytes, 2026, { kind: '837P' }));
  return [{ name: 'claims.837', kind: 'x12-837', path: file, ...written }];
}

export interface UploadTarget {
  readonly baseUrl: string;
  readonly ca: string;
  readonly agent: https.Agent;
  readonly token: string;
  readonly jwk: JWK;
}

export type UploadResult =
  | { readonly submissionId: string; readonly uploadedAt: number }
  | { readonly notOnMain: true }
  | { readonly refused: string };

/**
 * `POST /v1/uploads` with the signed manifest (SPEC §5), then each file PUT to its URL with the headers
 * the answer gives (x-amz-checksum-sha256 among them), streamed from disk, two at a time.
 */
export async function uploadBulk(
  target: UploadTarget,
  files: readonly BulkFileOnDisk[],
): Promise<UploadResult> {
  const manifest = Buffer.from(
    JSON.stringify({
      files: files.map((f) => ({
        name: f.name,
        kind: f.kind,
        ...(f.resourceType === undefined ? {} : { resourceType: f.resourceType }),
        bytes: f.bytes,
        contentDigest: `sha-256=:${f.sha256}:`,
      })),
    }),
  );
  const res = await httpsRequest(`${target.baseUrl}/v1/uploads`, {
    method: 'POST',
    ca: target.ca,
    agent: target.agent,
    headers: {
      Authorization: `Bearer ${target.token}`,
      'Content-Type': 'application/json',
      'Content-Digest': `sha-256=:${createHash('sha256').update(manifest).digest('base64')}:`,
      'X-JWS-Signature': await signDetached(manifest, target.jwk),
    },
    body: manifest,
  });
  if (res.status === 404) return { notOnMain: true };
  if (res.status !== 201 && res.status !== 200)
    return { refused: `POST /v1/uploads answered HTTP ${res.status}` };
  const answer = JSON.parse(res.body.toString()) as {
    submissionId: string;
    files: { name: string; url: string; method: string; headers: Record<string, string> }[];
  };
  const queue = [...answer.files];
  const put = async (): Promise<string | undefined> => {
    for (let u = queue.shift(); u !== undefined; u = queue.shift()) {
      const file = files.find((f) => f.name === u?.name);
      if (file === undefined) return `the answer names a file the manifest did not declare`;
      const status = await putFile(
        u.url,
        { ...u.headers, 'Content-Length': String(file.bytes) },
        file.path,
        target,
      );
      if (status !== 200) return `PUT of ${file.name} answered HTTP ${status}`;
    }
    return undefined;
  };
  const failures = (await Promise.all([put(), put()])).filter((f) => f !== undefined);
  if (failures.length > 0) return { refused: failures.join('; ') };
  return { submissionId: answer.submissionId, uploadedAt: Date.now() };
}

function putFile(
  url: string,
  headers: Record<string, string>,
  file: string,
  target: UploadTarget,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', headers, ca: target.ca, agent: target.agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on('error', reject)
      .pipe(req);
  });
}
