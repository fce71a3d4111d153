import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { CliError } from './cli-error.js';
import type { PartnerClient } from './client/partner-client.js';
import type { Progress } from './progress.js';
import type { SubmitResult } from './submit-result.js';
import { candidateOf, describeFile, filesOfFolder, manifestBytes, type UploadFile } from './upload-files.js';

/** What the bulk path needs besides the client; injected so tests can use a fake clock. */
export interface UploadOptions {
  /** A display for one pass over the files: `digest …` (read) or `upload …` (sent). */
  readonly progress: (label: string, total: number) => Progress;
  /** How long to wait for the server to verify the files after the last PUT; 0 does not wait. */
  readonly waitMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** PUTs in flight at once for a submission of several files. */
  readonly concurrency?: number;
  /** Attempts per PUT, each from the first byte (a single presigned PUT cannot resume). */
  readonly attempts?: number;
}

/** A submission the bulk path takes: a folder of NDJSON files, or one file above the direct limit. */
export interface BulkTarget {
  /** What the user typed: the folder or the file; the result line names it. */
  readonly label: string;
  readonly folder: boolean;
}

interface UploadTicket {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

const SETTLED = new Set(['processing', 'delivered', 'failed', 'dead-lettered']);

/**
 * The upload path (SPEC §5): describe every file in one streamed pass, POST the signed manifest, PUT
 * each file streamed from disk with the headers the server gave, then poll until the server has
 * verified the files (`processing`), delivered, or failed the submission.
 */
export async function submitBulk(
  client: PartnerClient,
  target: BulkTarget,
  opts: UploadOptions,
): Promise<SubmitResult> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Once the manifest is accepted, a later failure still names the submission: running again resumes it.
  let created: { httpStatus: number; submissionId: string; files: number; bytes: number } | undefined;
  try {
    const candidates = target.folder ? await filesOfFolder(target.label) : [candidateOf(target.label)];
    const files = await describeAll(candidates, target.label, opts);
    const res = await client.createUpload(manifestBytes(files));
    const json = (res.json ?? {}) as {
      submissionId?: string;
      expiresAt?: string;
      status?: string;
      files?: unknown;
      issue?: { details?: { coding?: { code?: string }[] } }[];
    };
    if (res.status !== 201 && res.status !== 200) {
      const code = json.issue?.[0]?.details?.coding?.[0]?.code ?? `http-${res.status}`;
      return { file: target.label, httpStatus: res.status, error: code };
    }
    const submissionId = json.submissionId ?? '';
    const summary = { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0) };
    created = { httpStatus: res.status, submissionId, ...summary };
    // The same manifest again (200) names the first submission with fresh URLs: while it still waits
    // for its files (an earlier run was interrupted), they are sent again; once it moved on, never.
    if (res.status === 201 || (await stillWaiting(client, submissionId))) {
      const tickets = ticketsFor(files, json.files);
      const expiresAt = Date.parse(json.expiresAt ?? '') || now() + 15 * 60_000;
      await putAll(client, files, tickets, target.label, expiresAt, opts, now, sleep);
    }
    const status = await settledStatus(client, submissionId, opts.waitMs, now, sleep);
    const failure = status.failure
      ? {
          code: status.failure.code,
          ...(typeof status.failure.file === 'number' && files[status.failure.file]
            ? { file: files[status.failure.file]?.name }
            : {}),
          message: status.failure.message,
        }
      : undefined;
    return {
      file: target.label,
      httpStatus: res.status,
      submissionId,
      status: status.status ?? 'accepted',
      ...summary,
      ...(failure ? { error: failure.code, failure } : {}),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { file: target.label, ...(created ? { ...created, status: 'accepted' } : {}), error };
  }
}

async function describeAll(
  candidates: Parameters<typeof describeFile>[0][],
  label: string,
  opts: UploadOptions,
): Promise<UploadFile[]> {
  let total = 0;
  for (const c of candidates) total += (await stat(c.path)).size;
  const progress = opts.progress(`digest ${label}`, total);
  const files: UploadFile[] = [];
  try {
    for (const c of candidates) files.push(await describeFile(c, (n) => progress.advance(n)));
  } catch (e) {
    progress.finish('failed');
    throw e;
  }
  progress.finish();
  return files;
}

/** The server's upload URLs, matched to the declared files by name and checked for what a PUT needs. */
function ticketsFor(files: readonly UploadFile[], answer: unknown): UploadTicket[] {
  const listed = Array.isArray(answer)
    ? (answer as { name?: unknown; url?: unknown; method?: unknown; headers?: unknown }[])
    : [];
  return files.map((file, i) => {
    const entry = listed.find((t) => t?.name === file.name) ?? listed[i];
    if (!entry || typeof entry.url !== 'string' || (entry.method !== undefined && entry.method !== 'PUT')) {
      throw new CliError(`the upload answer has no PUT URL for file ${i}`);
    }
    const headers: Record<string, string> = {};
    if (entry.headers && typeof entry.headers === 'object') {
      for (const [k, v] of Object.entries(entry.headers as Record<string, unknown>)) {
        if (typeof v === 'string') headers[k.toLowerCase()] = v;
      }
    }
    // SPEC §5: every PUT carries the file's SHA-256; S3 refuses a body that does not match it.
    headers['x-amz-checksum-sha256'] ??= file.contentDigest.slice('sha-256=:'.length, -1);
    headers['content-length'] = String(file.bytes);
    return { name: file.name, url: entry.url, headers };
  });
}

async function putAll(
  client: PartnerClient,
  files: readonly UploadFile[],
  tickets: readonly UploadTicket[],
  label: string,
  expiresAt: number,
  opts: UploadOptions,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const progress = opts.progress(
    `upload ${label}`,
    files.reduce((n, f) => n + f.bytes, 0),
  );
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < files.length && failed === undefined) {
      const i = next++;
      try {
        await putWithRetries(client, files[i] as UploadFile, tickets[i] as UploadTicket, i, progress, {
          attempts: opts.attempts ?? 4,
          expiresAt,
          now,
          sleep,
        });
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 3, files.length) }, worker));
  progress.finish(failed === undefined ? 'done' : 'failed');
  if (failed !== undefined) throw failed;
}

/** A PUT refused for good (4xx other than 408/429) is not retried: the URL expired or the bytes differ. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

async function putWithRetries(
  client: PartnerClient,
  file: UploadFile,
  ticket: UploadTicket,
  index: number,
  progress: Progress,
  policy: { attempts: number; expiresAt: number; now: () => number; sleep: (ms: number) => Promise<void> },
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    let sent = 0;
    let reason: string;
    try {
      const res = await client.putUpload(
        ticket.url,
        ticket.headers,
        fileBody(file, (n) => {
          sent += n;
          progress.advance(n);
        }),
      );
      if (res.status >= 200 && res.status < 300) return;
      reason = `HTTP ${res.status}`;
      if (!retryable(res.status)) throw new CliError(`file ${index}: the upload was refused (${reason})`);
    } catch (e) {
      if (e instanceof CliError && e.message.startsWith(`file ${index}:`)) throw e;
      reason = e instanceof Error ? e.message : String(e);
      if (e instanceof CliError && e.message.includes('changed')) throw e;
    }
    progress.advance(-sent);
    const backoff = 1000 * 2 ** (attempt - 1);
    if (attempt >= policy.attempts || policy.now() + backoff >= policy.expiresAt) {
      throw new CliError(`file ${index}: upload failed after ${attempt} attempt(s) (${reason})`);
    }
    await policy.sleep(backoff);
  }
}

/**
 * The file's declared bytes, read from disk as the socket drains. It stops at the declared size and
 * fails when the file has shrunk, so a changed file never leaves a request waiting for bytes.
 */
function fileBody(file: UploadFile, onBytes: (n: number) => void): Readable {
  const source =
    file.bytes === 0
      ? Readable.from([])
      : createReadStream(file.path, { start: 0, end: file.bytes - 1, highWaterMark: 1024 * 1024 });
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.byteLength;
      onBytes(chunk.byteLength);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      done(seen === file.bytes ? null : new CliError(`${file.name}: the file changed since it was declared`));
    },
  });
  source.on('error', (e: Error) => counter.destroy(e));
  counter.on('close', () => source.destroy());
  return source.pipe(counter);
}

async function stillWaiting(client: PartnerClient, submissionId: string): Promise<boolean> {
  const res = await client.status(submissionId);
  return res.status === 200 && (res.json as StatusDoc | undefined)?.status === 'accepted';
}

interface StatusDoc {
  status?: string;
  failure?: { code: string; file?: number; message: string };
}

/** Polls GET /v1/submissions/{id} (250 ms, doubling to 2 s) until it settles or `waitMs` passes. */
async function settledStatus(
  client: PartnerClient,
  submissionId: string,
  waitMs: number,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
): Promise<StatusDoc> {
  const until = now() + waitMs;
  let last: StatusDoc = { status: 'accepted' };
  let delay = 250;
  for (;;) {
    if (waitMs <= 0) return last;
    const res = await client.status(submissionId);
    if (res.status === 200 && res.json && typeof res.json === 'object') last = res.json as StatusDoc;
    if (SETTLED.has(last.status ?? '') || now() >= until) return last;
    await sleep(Math.min(delay, Math.max(0, until - now())));
    delay = Math.min(delay * 2, 2000);
  }
}
