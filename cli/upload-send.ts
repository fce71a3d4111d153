import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { CliError } from './cli-error.js';
import type { HttpsResponse } from './client/https-request.js';
import type { Progress } from './progress.js';

export interface RetryPolicy {
  readonly attempts: number;
  readonly expiresAt: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** A PUT refused for good (4xx other than 408/429) is not retried: the URL expired or the bytes differ. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * One upload (a whole file or a part) with retries from its first byte, backing off, never past the
 * URL's expiry. `what` names it in errors by position (`file 2`, `file 2 part 7`), never by content.
 */
export async function sendWithRetries(
  what: string,
  send: (onBytes: (n: number) => void) => Promise<HttpsResponse>,
  progress: Progress,
  policy: RetryPolicy,
): Promise<HttpsResponse> {
  for (let attempt = 1; ; attempt += 1) {
    let sent = 0;
    let reason: string;
    try {
      const res = await send((n) => {
        sent += n;
        progress.advance(n);
      });
      if (res.status >= 200 && res.status < 300) return res;
      if (res.status === 403 && policy.now() >= policy.expiresAt) {
        throw new CliError(
          `${what}: the upload URL expired at ${new Date(policy.expiresAt).toISOString()} (HTTP 403${s3Code(res)}); what was not sent by then cannot be sent any more`,
        );
      }
      reason = `HTTP ${res.status}${s3Code(res)}`;
      if (!retryable(res.status)) throw new CliError(`${what}: the upload was refused (${reason})`);
    } catch (e) {
      if (e instanceof CliError && e.message.startsWith(`${what}:`)) throw e;
      reason = e instanceof Error ? e.message : String(e);
      if (e instanceof CliError && e.message.includes('changed')) throw e;
    }
    progress.advance(-sent);
    const backoff = 1000 * 2 ** (attempt - 1);
    if (attempt >= policy.attempts || policy.now() + backoff >= policy.expiresAt) {
      throw new CliError(`${what}: upload failed after ${attempt} attempt(s) (${reason})`);
    }
    await policy.sleep(backoff);
  }
}

/** S3's error code of a refusal (`BadDigest`, `AccessDenied`…), to say why without quoting anything else. */
export function s3Code(res: HttpsResponse): string {
  const code = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(res.body.toString('utf8'))?.[1];
  return code ? ` ${code}` : '';
}

/**
 * Bytes `start` to `start + bytes - 1` of the file, read from disk as the socket drains. It stops at
 * that size and fails when the file has shrunk, so a changed file never leaves a request waiting.
 */
export function fileRange(
  file: { readonly path: string; readonly name: string },
  start: number,
  bytes: number,
  onBytes: (n: number) => void,
): Readable {
  const source =
    bytes === 0
      ? Readable.from([])
      : createReadStream(file.path, { start, end: start + bytes - 1, highWaterMark: 1024 * 1024 });
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.byteLength;
      onBytes(chunk.byteLength);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      done(seen === bytes ? null : new CliError(`${file.name}: the file changed since it was declared`));
    },
  });
  source.on('error', (e: Error) => counter.destroy(e));
  counter.on('close', () => source.destroy());
  return source.pipe(counter);
}
