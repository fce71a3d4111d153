import { z } from 'zod';
import type { LandedObject } from './arrival.js';

/** The part of an S3 event notification (eventVersion 2.x) the arrival reads; the rest is ignored. */
const S3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventSource: z.literal('aws:s3'),
      eventName: z.string(),
      s3: z.object({
        bucket: z.object({ name: z.string() }),
        object: z.object({ key: z.string().max(3072), size: z.number().int().nonnegative() }),
      }),
    }),
  ),
});

/** Whether an event is an S3 notification (the arrival function is also fed SQS expiry checks). */
export const isS3Event = (event: unknown): boolean =>
  typeof event === 'object' &&
  event !== null &&
  Array.isArray((event as { Records?: unknown }).Records) &&
  (event as { Records: { eventSource?: unknown }[] }).Records.some((r) => r?.eventSource === 'aws:s3');

/**
 * The objects an S3 event says were created. Keys come URL-encoded with `+` for a space (S3's
 * notification format); ours never hold either, but a foreign key is decoded as S3 meant it.
 */
export function landedObjects(event: unknown): LandedObject[] {
  const parsed = S3EventSchema.safeParse(event);
  if (!parsed.success) return [];
  return parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).flatMap((r) => {
    try {
      return [{ key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')), size: r.s3.object.size }];
    } catch {
      return [];
    }
  });
}
