import { reject } from '../core/errors.js';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * Checks every submission route makes the same way (/v1/bundles, /v1/claims, /v1/uploads), in one
 * place so the routes cannot drift apart.
 */

/** The partner's rate limit: `rate-limited` with `Retry-After` when it is spent. */
export async function takeRateLimit(
  deps: Pick<PipelineDeps, 'rateLimiter'>,
  partnerId: string,
): Promise<void> {
  const limit = await deps.rateLimiter.take(partnerId);
  if (!limit.allowed) {
    throw reject('rate-limited', 'too many requests from this partner', {
      headers: { 'Retry-After': String(limit.retryAfterSeconds) },
    });
  }
}

/** Content codings are refused: the digest and signature cover the bytes as sent, never inflated. */
export function refuseContentCoding(contentEncoding: string | undefined): void {
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw reject(
      'unsupported-media-type',
      'content codings (Content-Encoding) are not accepted; send the body as is',
    );
  }
}

/** An `Idempotency-Key` as sent, or undefined without one; 1–255 printable ASCII characters. */
export function checkIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[\x20-\x7e]{1,255}$/.test(value)) {
    throw reject('idempotency-key-invalid', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  return value;
}
