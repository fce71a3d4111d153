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
