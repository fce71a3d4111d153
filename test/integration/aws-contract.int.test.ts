import { setTimeout as sleep } from 'node:timers/promises';
import { KmsKeyProvider } from '../../shared/adapters/aws/kms-key-provider.js';
import { S3AuditLog } from '../../shared/adapters/aws/s3-audit-log.js';
import { readS3AuditChain, S3AuditSink } from '../../shared/adapters/aws/s3-audit-sink.js';
import { S3ObjectStore } from '../../shared/adapters/aws/s3-object-store.js';
import { SqsDeadLetters } from '../../shared/adapters/aws/sqs-dead-letters.js';
import { SqsQueue } from '../../shared/adapters/aws/sqs-queue.js';
import { describeAuditSinkContract } from '../contract/audit-sink.contract.js';
import { describeDeadLettersContract } from '../contract/dead-letters.contract.js';
import { describeKeyProviderContract } from '../contract/key-provider.contract.js';
import { describeObjectStoreContract } from '../contract/object-store.contract.js';
import {
  describeQueueContract,
  type QueueFixture,
  type QueueFixtureConfig,
} from '../contract/queue.contract.js';
import {
  createDataKey,
  type MotoClients,
  provisioningResolver,
  setUpMoto,
  uniqueName,
} from '../helpers/moto.js';

/** The same contract suites as test/adapters/embedded.test.ts, over the AWS adapters on moto_server. */
let clients: MotoClients;
let bucket: string;
let keyArns: { data: string; analytics: string; research: string };

setUpMoto(async (aws) => {
  ({ clients, bucket } = aws);
  keyArns = {
    data: await createDataKey(clients.kms),
    analytics: await createDataKey(clients.kms),
    research: await createDataKey(clients.kms),
  };
});

const nothingToClean = async (): Promise<void> => {};

describeObjectStoreContract('S3ObjectStore', async () => ({
  store: new S3ObjectStore(clients.s3, { bucket, prefix: `${uniqueName('store')}/` }),
  cleanup: nothingToClean,
}));

const sqsQueueFixture = async (config: QueueFixtureConfig): Promise<QueueFixture> => {
  const queue = new SqsQueue(clients.sqs, {
    // A fresh prefix per test, so listing every dead-letter queue sees only this test's queues.
    queuePrefix: `${uniqueName('t')}-`,
    resolveQueueUrl: provisioningResolver(clients.sqs, config),
  });
  return {
    queue,
    deadLetters: new SqsDeadLetters(queue),
    // SQS time is wall-clock time.
    advance: (seconds) => sleep(seconds * 1000),
    cleanup: nothingToClean,
  };
};

describeQueueContract('SqsQueue', sqsQueueFixture, { staleDelete: 'may-delete' });
describeDeadLettersContract('SqsDeadLetters', sqsQueueFixture);

describeKeyProviderContract('KmsKeyProvider', async () => ({
  keys: new KmsKeyProvider(clients.kms, {
    data: keyArns.data,
    consumers: { analytics: keyArns.analytics, research: keyArns.research },
  }),
  cleanup: nothingToClean,
}));

describeAuditSinkContract('S3AuditSink', async () => {
  const prefix = `${uniqueName('audit')}/`;
  const store = new S3ObjectStore(clients.s3, { bucket, prefix });
  return {
    sink: new S3AuditSink(store),
    log: new S3AuditLog(store, `s3://${bucket}/${prefix}`),
    read: () => readS3AuditChain(store),
    cleanup: nothingToClean,
  };
});
