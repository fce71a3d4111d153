import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeMultipartXml, parseListParts } from '../../cli/client/multipart-xml.js';
import type { UploadLanding } from '../../shared/ports/upload-landing.js';

export interface UploadLandingFixture {
  readonly landing: UploadLanding;
  /** Sends a PUT to a signed URL as a partner would; `bytes` overrides the Content-Length sent. */
  put(
    url: string,
    headers: Readonly<Record<string, string>>,
    body: Uint8Array,
  ): Promise<{ status: number; text: string }>;
  /** Any request to a signed URL (UploadPart is a PUT, ListParts a GET, CompleteMultipartUpload a POST). */
  send(
    method: 'PUT' | 'GET' | 'POST',
    url: string,
    headers: Readonly<Record<string, string>>,
    body?: Uint8Array,
  ): Promise<{ status: number; text: string; eTag?: string }>;
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

    const MiB = 1024 * 1024;
    /** Three parts: two of S3's smallest allowed size and a short last one. */
    const multipartFile = () => {
      const body = randomBytes(10 * MiB + 4099);
      const parts = [body.subarray(0, 5 * MiB), body.subarray(5 * MiB, 10 * MiB), body.subarray(10 * MiB)];
      return {
        body,
        parts,
        options: { bytes: body.byteLength, partBytes: 5 * MiB, partSha256: parts.map(sha256) },
      };
    };

    it('takes a multipart upload part by part, lists what is there, and completes it as one file', async () => {
      const key = keyOf(1);
      const file = multipartFile();
      const uploadId = await landing.createMultipart(key);
      const signed = await landing.presignMultipart(key, uploadId, {
        ...file.options,
        expiresAt: inMinutes(5),
      });
      expect(signed.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
      expect(signed.parts[1]?.headers['x-amz-checksum-sha256']).toBe(
        sha256(file.parts[1] ?? Buffer.alloc(0)),
      );
      const put = async (i: number) => {
        const part = signed.parts[i];
        if (!part) throw new Error('no part');
        return fixture.send('PUT', part.url, part.headers, file.parts[i]);
      };
      // Parts 3 and 1 first, as after an interruption; the listing shows exactly those.
      expect((await put(2)).status).toBe(200);
      const first = await put(0);
      expect(first.status).toBe(200);
      const listed = await fixture.send('GET', signed.listParts.url, signed.listParts.headers);
      expect(listed.status).toBe(200);
      expect(parseListParts(listed.text)?.map((p) => p.partNumber)).toEqual([1, 3]);
      expect(parseListParts(listed.text)?.[0]?.eTag).toBe(first.eTag?.replace(/"/g, ''));
      expect(await landing.exists(key)).toBe(false);
      expect((await put(1)).status).toBe(200);
      const all = parseListParts((await fixture.send('GET', signed.listParts.url, {})).text) ?? [];
      expect(all.map((p) => p.size)).toEqual(file.parts.map((p) => p.byteLength));
      const done = await fixture.send(
        'POST',
        signed.complete.url,
        signed.complete.headers,
        Buffer.from(
          completeMultipartXml(all.map((p, i) => ({ ...p, checksumSha256: file.options.partSha256[i] }))),
        ),
      );
      expect(done.status).toBe(200);
      expect(await landing.exists(key)).toBe(true);
      expect((await readAll(await landing.open(key)))?.equals(file.body)).toBe(true);
      // Done: the upload id is gone, and deleting the file removes it.
      expect((await fixture.send('GET', signed.listParts.url, {})).status).toBe(404);
      await landing.delete(key);
      expect(await landing.exists(key)).toBe(false);
    });

    it('aborts a multipart upload: its parts are gone and nothing lands', async () => {
      const key = keyOf(2);
      const file = multipartFile();
      const uploadId = await landing.createMultipart(key);
      const signed = await landing.presignMultipart(key, uploadId, {
        ...file.options,
        expiresAt: inMinutes(5),
      });
      const part = signed.parts[0];
      expect((await fixture.send('PUT', part?.url ?? '', part?.headers ?? {}, file.parts[0])).status).toBe(
        200,
      );
      await landing.abortMultipart(key, uploadId);
      await landing.abortMultipart(key, uploadId);
      expect((await fixture.send('GET', signed.listParts.url, {})).status).toBe(404);
      expect(await landing.exists(key)).toBe(false);
    });

    it('refuses a tampered part, and a completion over parts that are not there', async (ctx) => {
      if (!fixture.refusesTampering) ctx.skip();
      const key = keyOf(4);
      const file = multipartFile();
      const uploadId = await landing.createMultipart(key);
      const signed = await landing.presignMultipart(key, uploadId, {
        ...file.options,
        expiresAt: inMinutes(5),
      });
      const tampered = Buffer.from(file.parts[1] ?? Buffer.alloc(0));
      tampered[77] = (tampered[77] ?? 0) ^ 0xff;
      const part = signed.parts[1];
      const refused = await fixture.send('PUT', part?.url ?? '', part?.headers ?? {}, tampered);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('BadDigest');
      // Its own checksum in the header: not the signed one. Another part's URL: another size and checksum.
      const other = await fixture.send(
        'PUT',
        part?.url ?? '',
        { 'x-amz-checksum-sha256': sha256(tampered) },
        tampered,
      );
      expect(other.status).toBe(403);
      const moved = (part?.url ?? '').replace('partNumber=2', 'partNumber=1');
      expect((await fixture.send('PUT', moved, part?.headers ?? {}, file.parts[1])).status).toBe(403);
      expect(parseListParts((await fixture.send('GET', signed.listParts.url, {})).text)).toEqual([]);
      const bogus = completeMultipartXml([{ partNumber: 2, eTag: '0'.repeat(32) }]);
      expect(
        (await fixture.send('POST', signed.complete.url, signed.complete.headers, Buffer.from(bogus))).status,
      ).toBe(400);
      expect(await landing.exists(key)).toBe(false);
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
