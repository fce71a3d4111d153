import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './cli-error.js';
import type { PartnerClient } from './client/partner-client.js';
import type { Progress } from './progress.js';
import type { SubmitResult } from './submit-result.js';
import {
  candidateOf,
  DEFAULT_PART_BYTES,
  describeFile,
  filesOfFolder,
  MULTIPART_ABOVE,
  manifestBytes,
  partBytesFor,
  type UploadFile,
} from './upload-files.js';
import { type PartsOffer, partsOfferOf, sendInParts } from './upload-parts.js';
import { fileRange, type RetryPolicy, sendWithRetries } from './upload-send.js';
import { UploadState } from './upload-state.js';

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
  /** Attempts per PUT (of a whole file or of one part), each from its first byte. */
  readonly attempts?: number;
  /** Files larger than this go in parts (default 64 MiB), of `partBytes` each (default 16 MiB). */
  readonly multipartAbove?: number;
  readonly partBytes?: number;
  /** Where the resume state of uploads in parts is kept (default: the system's temp folder). */
  readonly stateDir?: string;
  /** One line for the user (stderr), e.g. that an interrupted upload resumes. */
  readonly notice?: (line: string) => void;
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
  /** When the file declared parts and the server offered its multipart upload. */
  readonly parts?: PartsOffer;
}

const SETTLED = new Set(['processing', 'delivered', 'failed', 'dead-lettered']);

/**
 * The upload path (SPEC §5): describe every file in one streamed pass (a large file's parts hashed in
 * the same pass), POST the signed manifest, PUT each file streamed from disk with the headers the
 * server gave (a large file in parts, resuming what an interrupted run left), then poll until the
 * server has verified the files (`processing`), delivered, or failed the submission.
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
  const resumed = { parts: 0, inParts: false };
  try {
    const candidates = target.folder ? await filesOfFolder(target.label) : [candidateOf(target.label)];
    const files = await describeAll(candidates, target.label, opts);
    const manifest = manifestBytes(files);
    const res = await client.createUpload(manifest);
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
      const state = await UploadState.open(
        opts.stateDir ?? path.join(os.tmpdir(), 'phi-upload-state'),
        manifest,
        submissionId,
        new Date(expiresAt).toISOString(),
      );
      const before = [...state.resumed.values()].reduce((n, k) => n + k, 0);
      if (before > 0)
        opts.notice?.(`${target.label}: resuming ${submissionId} (${before} part(s) sent before)`);
      await putAll(client, files, tickets, target.label, { expiresAt, state, resumed }, opts, now, sleep);
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
      ...(resumed.inParts ? { partsResumed: resumed.parts } : {}),
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
  const above = opts.multipartAbove ?? MULTIPART_ABOVE;
  const partBytes = opts.partBytes ?? DEFAULT_PART_BYTES;
  try {
    for (const c of candidates) {
      const parts = partBytesFor((await stat(c.path)).size, above, partBytes);
      files.push(await describeFile(c, (n) => progress.advance(n), parts));
    }
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
    const parts = partsOfferOf(entry, { ...(file.parts ? { partSha256: file.parts.sha256 } : {}) });
    return { name: file.name, url: entry.url, headers, ...(parts ? { parts } : {}) };
  });
}

async function putAll(
  client: PartnerClient,
  files: readonly UploadFile[],
  tickets: readonly UploadTicket[],
  label: string,
  run: {
    readonly expiresAt: number;
    readonly state: UploadState;
    readonly resumed: { parts: number; inParts: boolean };
  },
  opts: UploadOptions,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const { expiresAt, state } = run;
  const progress = opts.progress(
    `upload ${label}`,
    files.reduce((n, f) => n + f.bytes, 0),
  );
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < files.length && failed === undefined) {
      const i = next++;
      const file = files[i] as UploadFile;
      const ticket = tickets[i] as UploadTicket;
      const policy = { attempts: opts.attempts ?? 4, expiresAt, now, sleep };
      try {
        if (ticket.parts !== undefined && file.parts !== undefined) {
          const partsFile = {
            path: file.path,
            name: file.name,
            bytes: file.bytes,
            partSha256: file.parts.sha256,
          };
          const sent = await sendInParts(client, partsFile, i, ticket.parts, state, progress, policy);
          run.resumed.parts += sent.resumed;
          run.resumed.inParts = true;
        } else await putWithRetries(client, file, ticket, i, progress, policy);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 3, files.length) }, worker));
  progress.finish(failed === undefined ? 'done' : 'failed');
  if (failed !== undefined) throw failed;
}

async function putWithRetries(
  client: PartnerClient,
  file: UploadFile,
  ticket: UploadTicket,
  index: number,
  progress: Progress,
  policy: RetryPolicy,
): Promise<void> {
  await sendWithRetries(
    `file ${index}`,
    (onBytes) => client.putUpload(ticket.url, ticket.headers, fileRange(file, 0, file.bytes, onBytes)),
    progress,
    policy,
  );
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
