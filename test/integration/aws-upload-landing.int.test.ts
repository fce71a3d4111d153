import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { S3UploadLanding } from '../../shared/adapters/aws/s3-upload-landing.js';
import { systemClock } from '../../shared/ports/clock.js';
import { describeUploadLandingContract } from '../contract/upload-landing.contract.js';
import { createDataKey, type MotoClients, setUpMoto } from '../helpers/moto.js';

/** The same contract suite as test/adapters/upload-landing.test.ts, over presigned S3 PUTs on moto_server. */
let clients: MotoClients;
let bucket: string;
let sseKey: string;

setUpMoto(async (aws) => {
  ({ clients, bucket } = aws);
  sseKey = await createDataKey(clients.kms);
});

const landingOf = () => new S3UploadLanding(clients.s3, { bucket, sseKmsKeyId: sseKey, clock: systemClock });

describeUploadLandingContract('S3UploadLanding', async () => ({
  landing: landingOf(),
  refusesTampering: false,
  put: async (url, headers, body) => {
    const answer = await fetch(url, { method: 'PUT', headers, body });
    return { status: answer.status, text: await answer.text() };
  },
  send: async (method, url, headers, body) => {
    const answer = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    const eTag = answer.headers.get('etag');
    return { status: answer.status, text: await answer.text(), ...(eTag ? { eTag } : {}) };
  },
  cleanup: async () => {},
}));

it('signs what S3 enforces: the checksum, the size and SSE-KMS as headers, for at most 15 minutes', async () => {
  const body = Buffer.from('{"resourceType":"Patient"}\n');
  const checksum = createHash('sha256').update(body).digest('base64');
  const signed = await landingOf().presignPut('uploads/demo/0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b/0', {
    checksumSha256: checksum,
    bytes: body.byteLength,
    expiresAt: new Date(Date.now() + 15 * 60_000),
  });
  const url = new URL(signed.url);
  const signedHeaders = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
  expect(signedHeaders).toEqual(
    expect.arrayContaining([
      'content-length',
      'x-amz-checksum-sha256',
      'x-amz-server-side-encryption',
      'x-amz-server-side-encryption-aws-kms-key-id',
    ]),
  );
  // Carried as headers the partner must send, not as query values S3 would merely read.
  expect(url.searchParams.has('x-amz-checksum-sha256')).toBe(false);
  expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
  expect(signed.headers).toMatchObject({
    'x-amz-checksum-sha256': checksum,
    'x-amz-server-side-encryption': 'aws:kms',
    'x-amz-server-side-encryption-aws-kms-key-id': sseKey,
  });
  await expect(
    landingOf().presignPut('uploads/demo/0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b/1', {
      checksumSha256: checksum,
      bytes: body.byteLength,
      expiresAt: new Date(Date.now() + 16 * 60_000),
    }),
  ).rejects.toMatchObject({ code: 'content-invalid' });
});

it('signs each UploadPart with its size and SHA-256 as headers, and creates the upload with SSE-KMS', async () => {
  const key = 'uploads/demo/0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b/2';
  const checksums = ['a', 'b'].map((c) => createHash('sha256').update(c).digest('base64'));
  const landing = landingOf();
  const uploadId = await landing.createMultipart(key);
  const signed = await landing.presignMultipart(key, uploadId, {
    bytes: 6 * 1024 * 1024,
    partBytes: 5 * 1024 * 1024,
    partSha256: checksums,
    expiresAt: new Date(Date.now() + 15 * 60_000),
  });
  signed.parts.forEach((part, i) => {
    const url = new URL(part.url);
    expect((url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';')).toEqual(
      expect.arrayContaining(['content-length', 'x-amz-checksum-sha256']),
    );
    expect(url.searchParams.has('x-amz-checksum-sha256')).toBe(false);
    expect(url.searchParams.get('partNumber')).toBe(String(i + 1));
    expect(part.headers['x-amz-checksum-sha256']).toBe(checksums[i]);
  });
  expect(new URL(signed.complete.url).searchParams.get('uploadId')).toBe(uploadId);
  expect(Number(new URL(signed.listParts.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
  await landing.abortMultipart(key, uploadId);
});
