import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsRequest } from '../../cli/client/https-request.js';
import { completeMultipartXml, parseListParts } from '../../cli/client/multipart-xml.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { IngestMessageSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import { digestOf, getWithToken, postManifest, sampleNdjson } from '../helpers/uploads.js';

const POLL = { timeoutMs: 60_000, intervalMs: 100 };
const MiB = 1024 * 1024;
const PART = 5 * MiB;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');

interface Offer {
  uploadId: string;
  partBytes: number;
  parts: { partNumber: number; url: string; method: string; headers: Record<string, string> }[];
  listParts: { url: string; method: string; headers: Record<string, string> };
  complete: { url: string; method: string; headers: Record<string, string> };
}

describe('Bulk uploads in parts: the multipart offer of POST /v1/uploads (docs/uploads.md "Multipart")', () => {
  let t: TestStack;
  let deps: PipelineDeps;
  let body: Buffer;
  let parts: Buffer[];

  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false', PHI_UPLOAD_GRACE_SECONDS: '0' });
    deps = t.stack.deps;
    // Over two parts of Observation NDJSON, cut mid-line as a client cuts bytes.
    const observations = (await sampleNdjson()).get('Observation') ?? Buffer.alloc(0);
    const copies = Math.ceil((2 * PART + 1000) / observations.byteLength);
    body = Buffer.concat(Array.from({ length: copies }, () => observations));
    parts = [];
    for (let at = 0; at < body.byteLength; at += PART) parts.push(body.subarray(at, at + PART));
  });
  afterAll(async () => {
    await t?.close();
  });

  const manifest = (name: string, declared = parts) => ({
    files: [
      {
        name,
        kind: 'fhir-ndjson',
        resourceType: 'Observation',
        bytes: body.byteLength,
        contentDigest: digestOf(body),
        parts: { bytes: PART, sha256: declared.map(sha256) },
      },
    ],
  });
  const offerOf = (json: unknown): Offer => {
    const offer = (json as { files?: { multipart?: Offer }[] }).files?.[0]?.multipart;
    if (offer === undefined) throw new TypeError('no multipart offer');
    return offer;
  };
  const send = async (
    req: { url: string; method: string; headers: Record<string, string> },
    payload?: Uint8Array | string,
  ) => {
    const res = await httpsRequest(req.url, {
      method: req.method as 'PUT' | 'GET' | 'POST',
      ca: t.ca,
      headers: req.headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    return { status: res.status, text: res.body.toString('utf8') };
  };
  const statusOf = async (id: string) =>
    JSON.parse((await getWithToken(t, `/v1/submissions/${id}`)).text) as Record<string, unknown>;
  const landingFiles = async (id: string) =>
    readdir(path.join(t.home, 'landing', 'uploads', 'demo', id), { recursive: true }).catch(() => []);

  it('offers parts beside the whole-file PUT, the same upload again on a repeat, and lands the completed file', async () => {
    const created = await postManifest(t, manifest('Observation.ndjson'));
    expect(created.status, created.text).toBe(201);
    const id = created.json.submissionId ?? '';
    const file = created.json.files?.[0];
    expect(file).toMatchObject({ name: 'Observation.ndjson', method: 'PUT' });
    const offer = offerOf(created.json);
    expect(offer.partBytes).toBe(PART);
    expect(offer.parts.map((p) => [p.partNumber, p.headers['x-amz-checksum-sha256']])).toEqual(
      parts.map((p, i) => [i + 1, sha256(p)]),
    );
    // Part 2 first, then an interruption: the same manifest again answers the same upload id.
    expect((await send(offer.parts[1] as Offer['parts'][0], parts[1])).status).toBe(200);
    const again = await postManifest(t, manifest('Observation.ndjson'));
    expect(again.status).toBe(200);
    const resumed = offerOf(again.json);
    expect(resumed.uploadId).toBe(offer.uploadId);
    const listed = parseListParts((await send(resumed.listParts)).text);
    expect(listed?.map((p) => p.partNumber)).toEqual([2]);
    for (const i of [0, 2])
      expect((await send(resumed.parts[i] as Offer['parts'][0], parts[i])).status).toBe(200);
    const all = parseListParts((await send(resumed.listParts)).text) ?? [];
    expect(all.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    const done = await send(resumed.complete, completeMultipartXml(all));
    expect(done.status, done.text).toBe(200);
    const settled = await until(async () => {
      const s = await statusOf(id);
      return s.status === 'accepted' ? undefined : s;
    }, POLL);
    expect(settled).toMatchObject({ status: 'processing' });
    const messages = (
      await deps.queue.receive(queueNames.ingest, { maxMessages: 10, visibilityTimeoutSeconds: 1 })
    )
      .map((m) => IngestMessageSchema.parse(JSON.parse(m.body)))
      .filter((m) => m.submissionId === id);
    expect(messages).toHaveLength(1);
    // Settled: the landed parts are gone, and so is the upload.
    await until(async () => ((await landingFiles(id)).length === 0 ? true : undefined), POLL);
    expect((await send(resumed.listParts)).status).toBe(404);
  });

  it('refuses a tampered part; an assembly that is not the declared file fails upload-mismatch, nothing queued', async () => {
    const created = await postManifest(t, manifest('Tampered.ndjson'));
    expect(created.status, created.text).toBe(201);
    const id = created.json.submissionId ?? '';
    const offer = offerOf(created.json);
    const tampered = Buffer.from(parts[1] ?? Buffer.alloc(0));
    tampered[1234] = 0x20;
    const refused = await send(offer.parts[1] as Offer['parts'][0], tampered);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('BadDigest');
    expect(parseListParts((await send(offer.listParts)).text)).toEqual([]);
    // Parts 1 and 3 only: S3 would complete that too; the pipeline's SHA-256 of the whole file refuses it.
    for (const i of [0, 2])
      expect((await send(offer.parts[i] as Offer['parts'][0], parts[i])).status).toBe(200);
    const listed = parseListParts((await send(offer.listParts)).text) ?? [];
    expect((await send(offer.complete, completeMultipartXml(listed))).status).toBe(200);
    const settled = await until(async () => {
      const s = await statusOf(id);
      return s.status === 'accepted' ? undefined : s;
    }, POLL);
    expect(settled).toMatchObject({ status: 'failed', failure: { code: 'upload-mismatch', file: 0 } });
    const messages = (
      await deps.queue.receive(queueNames.ingest, { maxMessages: 10, visibilityTimeoutSeconds: 1 })
    )
      .map((m) => IngestMessageSchema.parse(JSON.parse(m.body)))
      .filter((m) => m.submissionId === id);
    expect(messages).toEqual([]);
    await until(async () => ((await landingFiles(id)).length === 0 ? true : undefined), POLL);
  });
});
