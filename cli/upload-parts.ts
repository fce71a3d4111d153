import type { Readable } from 'node:stream';
import { CliError } from './cli-error.js';
import type { HttpsResponse } from './client/https-request.js';
import { completeMultipartXml, parseListParts, type UploadedPart } from './client/multipart-xml.js';
import type { Progress } from './progress.js';
import { fileRange, type RetryPolicy, s3Code, sendWithRetries } from './upload-send.js';
import type { UploadState } from './upload-state.js';

interface SignedRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The multipart offer of one file in the upload answer (docs/uploads.md "Multipart"). */
export interface PartsOffer {
  readonly uploadId: string;
  readonly partBytes: number;
  readonly parts: readonly (SignedRequest & { readonly partNumber: number })[];
  readonly listParts: SignedRequest;
  readonly complete: SignedRequest;
}

/** How parts travel: a streamed PUT, and the small ListParts and Complete exchanges. */
export interface PartsTransport {
  putUpload(url: string, headers: Readonly<Record<string, string>>, body: Readable): Promise<HttpsResponse>;
  landingRequest(
    url: string,
    method: 'GET' | 'POST',
    headers: Readonly<Record<string, string>>,
    body?: string,
  ): Promise<HttpsResponse>;
}

export interface PartsFile {
  readonly path: string;
  readonly name: string;
  readonly bytes: number;
  /** The SHA-256 of each part as the manifest declared it. */
  readonly partSha256: readonly string[];
}

/** The offer of a file in the upload answer when it is well-formed and matches what was declared. */
export function partsOfferOf(
  entry: unknown,
  file: { readonly partSha256?: readonly string[] },
): PartsOffer | undefined {
  const offer = (entry as { multipart?: Partial<PartsOffer> } | undefined)?.multipart;
  if (offer === undefined || file.partSha256 === undefined) return undefined;
  const signed = (r: unknown): r is SignedRequest =>
    typeof (r as SignedRequest | undefined)?.url === 'string' &&
    typeof (r as SignedRequest).headers === 'object';
  const ok =
    typeof offer.uploadId === 'string' &&
    typeof offer.partBytes === 'number' &&
    Array.isArray(offer.parts) &&
    offer.parts.length === file.partSha256.length &&
    offer.parts.every((p, i) => signed(p) && (p as { partNumber?: unknown }).partNumber === i + 1) &&
    signed(offer.listParts) &&
    signed(offer.complete);
  return ok ? (offer as PartsOffer) : undefined;
}

/**
 * Sends one file as the parts of its multipart upload, resuming: ListParts says which parts the
 * landing zone already holds (a part there of the declared size, and checksum when listed, is never
 * sent again), the rest go a few at a time, each recorded in the state file as it is acknowledged,
 * then CompleteMultipartUpload assembles them. Refusals name the file and part by position only.
 */
export async function sendInParts(
  transport: PartsTransport,
  file: PartsFile,
  index: number,
  offer: PartsOffer,
  state: UploadState,
  progress: Progress,
  policy: RetryPolicy & { readonly concurrency?: number },
): Promise<{ readonly resumed: number }> {
  const what = `file ${index}`;
  const sizeOf = (n: number) => Math.min(offer.partBytes, file.bytes - (n - 1) * offer.partBytes);
  const listed = await transport.landingRequest(offer.listParts.url, 'GET', offer.listParts.headers);
  if (listed.status === 403 && policy.now() >= policy.expiresAt) {
    throw new CliError(
      `${what}: the upload URLs expired at ${new Date(policy.expiresAt).toISOString()}; the parts cannot be sent any more (submission ${state.submissionId} fails upload-incomplete)`,
    );
  }
  if (listed.status === 404) {
    // NoSuchUpload: completed by an earlier run (or aborted once the submission settled); the status says which.
    await state.completed(index);
    progress.advance(file.bytes);
    return { resumed: offer.parts.length };
  }
  const there = listed.status === 200 ? parseListParts(listed.body.toString('utf8')) : undefined;
  if (there === undefined) {
    throw new CliError(
      `${what}: the landing zone did not list the parts (HTTP ${listed.status}${s3Code(listed)})`,
    );
  }
  const done = new Map<number, UploadedPart>();
  for (const part of there) {
    const declared = file.partSha256[part.partNumber - 1];
    const sameSize = part.size === undefined || part.size === sizeOf(part.partNumber);
    const sameChecksum = part.checksumSha256 === undefined || part.checksumSha256 === declared;
    if (declared !== undefined && sameSize && sameChecksum) done.set(part.partNumber, part);
  }
  for (const part of done.values()) progress.advance(sizeOf(part.partNumber));
  const resumed = done.size;
  const missing = offer.parts.filter((p) => !done.has(p.partNumber));
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < missing.length && failed === undefined) {
      const part = missing[next++];
      if (part === undefined) break;
      const n = part.partNumber;
      try {
        const res = await sendWithRetries(
          `${what} part ${n}`,
          (onBytes) =>
            transport.putUpload(
              part.url,
              { ...part.headers, 'content-length': String(sizeOf(n)) },
              fileRange(file, (n - 1) * offer.partBytes, sizeOf(n), onBytes),
            ),
          progress,
          policy,
        );
        const eTag = String(res.headers.etag ?? '').replace(/"/g, '');
        const checksumSha256 = file.partSha256[n - 1] ?? '';
        done.set(n, { partNumber: n, eTag, checksumSha256 });
        await state.sent(index, offer.uploadId, offer.partBytes, n, { eTag, checksumSha256 });
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(policy.concurrency ?? 3, Math.max(1, missing.length)) }, worker),
  );
  if (failed !== undefined) throw failed;
  const parts = offer.parts.map((p) => ({
    ...(done.get(p.partNumber) as UploadedPart),
    checksumSha256: file.partSha256[p.partNumber - 1] ?? '',
  }));
  const completed = await transport.landingRequest(
    offer.complete.url,
    'POST',
    offer.complete.headers,
    completeMultipartXml(parts),
  );
  // S3 may answer 200 and still report an error in the body of a CompleteMultipartUpload.
  const text = completed.body.toString('utf8');
  if (completed.status !== 200 || text.includes('<Error>')) {
    throw new CliError(
      `${what}: the parts were not assembled (HTTP ${completed.status}${s3Code(completed)})`,
    );
  }
  await state.completed(index);
  return { resumed };
}
