import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadLanding } from '../../shared/ports/upload-landing.js';

export interface UploadLandingFixture {
  readonly landing: UploadLanding;
  /** Sends a PUT to a signed URL as a partner would; `bytes` overrides the Content-Length sent. */
  put(
    url: string,
    headers: Readonly<Record<string, string>>,
    body: Uint8Array,
  ): Promise<{ status: number; text: string }>;
  /**
   * Whether the store behind the URL itself refuses a body that is not the signed one. S3 does (400
   * BadDigest, 403 SignatureDoesNotMatch); moto_server does not check signatures or checksums, so the
   * AWS run checks instead that the URL signs what S3 would enforce (test/integration).
   */
  readonly refusesTampering: boolean;
  cleanup(): Promise<void>;
}

const sha256 = (body: Uint8Array): string => createHash('sha256').update(body).digest('base64');

async function readAll(stream: AsyncIterable<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (stream === undefined) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Behaviour every UploadLanding adapter must share. */
export function describeUploadLandingContract(name: string, make: () => Promise<UploadLandingFixture>): void {
  describe(`UploadLanding contract: ${name}`, () => {
    let fixture: UploadLandingFixture;
    let landing: UploadLanding;
    const keyOf = (index = 0) =>
      `uploads/contract-${randomBytes(3).toString('hex')}/${randomUUID()}/${index}`;
    const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000);

    beforeEach(async () => {
      fixture = await make();
      landing = fixture.landing;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('signs a PUT that requires the checksum, and returns the file as it arrived', async () => {
      // Several frames, one of them exactly full, and every byte value.
      for (const size of [1, 65_536, 200_003]) {
        const key = keyOf();
        const body = randomBytes(size);
        const signed = await landing.presignPut(key, {
          checksumSha256: sha256(body),
          bytes: body.byteLength,
          expiresAt: inMinutes(5),
        });
        expect(signed.headers['x-amz-checksum-sha256']).toBe(sha256(body));
        expect(await landing.exists(key)).toBe(false);
        const answer = await fixture.put(signed.url, signed.headers, body);
        expect(answer.status).toBe(200);
        expect(await landing.exists(key)).toBe(true);
        expect((await readAll(await landing.open(key)))?.equals(body)).toBe(true);
      }
    });

    it('answers undefined and false for what never landed, and deletes idempotently', async () => {
      const key = keyOf(3);
      expect(await landing.open(key)).toBeUndefined();
      expect(await landing.exists(key)).toBe(false);
      await landing.delete(key);
      const body = Buffer.from('{"resourceType":"Patient"}\n');
      const signed = await landing.presignPut(key, {
        checksumSha256: sha256(body),
        bytes: body.byteLength,
        expiresAt: inMinutes(1),
      });
      expect((await fixture.put(signed.url, signed.headers, body)).status).toBe(200);
      await landing.delete(key);
      await landing.delete(key);
      expect(await landing.exists(key)).toBe(false);
      expect(await landing.open(key)).toBeUndefined();
    });

    it('keeps nothing of a body that is not the signed one', async (ctx) => {
      if (!fixture.refusesTampering) ctx.skip();
      const body = Buffer.from('line one\nline two\n');
      const signedFor = async (key: string) =>
        landing.presignPut(key, {
          checksumSha256: sha256(body),
          bytes: body.byteLength,
          expiresAt: inMinutes(5),
        });
      // Same size, one byte changed, declared checksum sent: S3's 400 BadDigest.
      const tamperedKey = keyOf();
      const tampered = Buffer.from(body);
      tampered[5] = 0x58;
      const one = await signedFor(tamperedKey);
      const refused = await fixture.put(one.url, one.headers, tampered);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('BadDigest');
      expect(await landing.exists(tamperedKey)).toBe(false);
      // The tampered bytes' own checksum in the header: not the signed one.
      const two = await signedFor(keyOf());
      const other = await fixture.put(
        two.url,
        { ...two.headers, 'x-amz-checksum-sha256': sha256(tampered) },
        tampered,
      );
      expect(other.status).toBe(403);
      // Another size: not the signed one either.
      const threeKey = keyOf();
      const three = await signedFor(threeKey);
      const longer = await fixture.put(three.url, three.headers, Buffer.concat([body, Buffer.from('x')]));
      expect(longer.status).toBe(403);
      expect(await landing.exists(threeKey)).toBe(false);
      // A changed URL (another key) does not verify.
      const four = await signedFor(keyOf());
      const moved = four.url.replace(/\/(\d+)\?/, '/9?');
      expect((await fixture.put(moved, four.headers, body)).status).toBe(403);
    });

    it('refuses an expired URL', async (ctx) => {
      if (!fixture.refusesTampering) ctx.skip();
      const body = Buffer.from('late\n');
      const key = keyOf();
      const signed = await landing.presignPut(key, {
        checksumSha256: sha256(body),
        bytes: body.byteLength,
        expiresAt: new Date(Date.now() - 1000),
      });
      const answer = await fixture.put(signed.url, signed.headers, body);
      expect(answer.status).toBe(403);
      expect(await landing.exists(key)).toBe(false);
    });
  });
}
