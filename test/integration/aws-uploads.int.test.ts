import { randomUUID } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { expect, it } from 'vitest';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { IngestMessageSchema } from '../../shared/app/queue-messages.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { rawFileEncryptionContext, type SubmissionRecord } from '../../shared/app/submission.js';
import { submissionRecords } from '../../shared/app/submission-records.js';
import { uploadArrived } from '../../shared/app/uploads/arrival.js';
import { declaredSha256 } from '../../shared/app/uploads/manifest.js';
import { landedObjects } from '../../shared/app/uploads/s3-event.js';
import { createAwsDeps } from '../../shared/runtime/aws-deps.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { partnerRecord } from '../contract/partner-registry.contract.js';
import {
  createDataKey,
  createSigningKey,
  type MotoClients,
  type MotoSetup,
  setUpMoto,
  uniqueName,
} from '../helpers/moto.js';
import { digestOf, sampleNdjson } from '../helpers/uploads.js';

/** The AWS path of a bulk upload on moto_server: presigned PUT, S3 event, streamed verification into raw/. */
let aws: MotoSetup;
let clients: MotoClients;
setUpMoto(async (setup) => {
  aws = setup;
  clients = setup.clients;
});

async function awsDeps(): Promise<PipelineDeps> {
  const prefix = `${uniqueName('up')}-`;
  for (const name of ['ingest-dlq', 'ingest', 'upload-expiry-dlq', 'upload-expiry']) {
    await clients.sqs.send(new CreateQueueCommand({ QueueName: `${prefix}${name}` }));
  }
  const config = loadConfig({
    PHI_TARGET: 'aws',
    PHI_AWS_REGION: 'us-east-1',
    PHI_PUBLIC_URL: 'https://api.example.org',
    PHI_AWS_ENDPOINT: aws.moto.endpoint,
    PHI_DATA_BUCKET: aws.bucket,
    PHI_AUDIT_PREFIX: `${uniqueName('audit')}/`,
    PHI_REGISTRY_PREFIX: `${uniqueName('registry')}/`,
    PHI_QUEUE_PREFIX: prefix,
    PHI_DATA_KEY_ID: await createDataKey(clients.kms),
    PHI_ISSUER_KEY_ID: await createSigningKey(clients.kms),
    PHI_SSE_KMS_KEY_ID: await createDataKey(clients.kms),
  });
  const deps = createAwsDeps(config, { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  // Arrival checks the partner's standing (docs/partners.md): a governed partner with an active BAA.
  await deps.partners.put(
    partnerRecord({
      routes: undefined,
      sourceCidrs: undefined,
      baa: { status: 'active', expiresAt: '2099-12-31' },
    }),
  );
  return deps;
}

it('verifies a file PUT to its presigned URL when S3 says it arrived, and queues the bulk message', async () => {
  const deps = await awsDeps();
  const body = (await sampleNdjson()).get('Observation') ?? Buffer.alloc(0);
  const id = randomUUID();
  const now = new Date();
  const record: SubmissionRecord = {
    id,
    partner: 'demo',
    kind: 'bulk',
    status: 'accepted',
    receivedAt: now.toISOString(),
    contentDigest: digestOf(Buffer.from('manifest')),
    bytes: body.byteLength,
    resourceCounts: {},
    requestId: 'r-1',
    files: [
      {
        index: 0,
        kind: 'fhir-ndjson',
        resourceType: 'Observation',
        bytes: body.byteLength,
        contentDigest: digestOf(body),
      },
    ],
    expiresAt: new Date(now.getTime() + 900_000).toISOString(),
  };
  await submissionRecords.create(deps.objects, 'demo', id, record);
  const key = storageKeys.upload('demo', id, 0);
  const signed = await deps.uploads.presignPut(key, {
    checksumSha256: declaredSha256(digestOf(body)),
    bytes: body.byteLength,
    expiresAt: new Date(now.getTime() + 900_000),
  });
  expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })).status).toBe(200);
  // The S3 notification record as S3 sends it (key URL-encoded), through the handler's own parser.
  const [landed] = landedObjects({
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: aws.bucket },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: body.byteLength },
        },
      },
    ],
  });
  if (landed === undefined) throw new TypeError('no landed object');
  await uploadArrived(deps, landed);
  await uploadArrived(deps, landed);
  expect((await submissionRecords.read(deps.objects, 'demo', id))?.status).toBe('processing');
  const raw = await deps.objects.get(storageKeys.rawFile('demo', id, 0));
  const plain = await deps.envelope.decrypt(
    'data',
    raw?.body ?? new Uint8Array(),
    rawFileEncryptionContext('demo', id, 0),
  );
  expect(Buffer.from(plain).equals(body)).toBe(true);
  expect(await deps.uploads.exists(key)).toBe(false);
  const messages = await deps.queue.receive(deps.settings.ingestQueue, { maxMessages: 10 });
  const bulk = messages
    .map((m) => IngestMessageSchema.parse(JSON.parse(m.body)))
    .filter((m) => m.submissionId === id);
  expect(bulk.map((m) => m.kind)).toEqual(['bulk']);
});
