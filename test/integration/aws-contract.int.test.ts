import { setTimeout as sleep } from 'node:timers/promises';
import { KmsKeyProvider } from '../../shared/adapters/aws/kms-key-provider.js';
import { KmsTokenSigner } from '../../shared/adapters/aws/kms-token-signer.js';
import { S3AuditLog } from '../../shared/adapters/aws/s3-audit-log.js';
import { readS3AuditChain, S3AuditSink } from '../../shared/adapters/aws/s3-audit-sink.js';
import { S3ContractStore } from '../../shared/adapters/aws/s3-contract-store.js';
import { S3ObjectStore } from '../../shared/adapters/aws/s3-object-store.js';
import { S3PartnerRegistry } from '../../shared/adapters/aws/s3-partner-registry.js';
import { SqsDeadLetters } from '../../shared/adapters/aws/sqs-dead-letters.js';
import { SqsQueue } from '../../shared/adapters/aws/sqs-queue.js';
import { describeAuditSinkContract } from '../contract/audit-sink.contract.js';
import { describeContractStoreContract } from '../contract/contract-store.contract.js';
import { describeDeadLettersContract } from '../contract/dead-letters.contract.js';
import { describeKeyProviderContract } from '../contract/key-provider.contract.js';
import { describeObjectStoreContract } from '../contract/object-store.contract.js';
import { describePartnerRegistryContract } from '../contract/partner-registry.contract.js';
import {
  describeQueueContract,
  type QueueFixture,
  type QueueFixtureConfig,
} from '../contract/queue.contract.js';
import { describeTokenSignerContract } from '../contract/token-signer.contract.js';
import {
  createDataKey,
  createSigningKey,
  type MotoClients,
  provisioningResolver,
  setUpMoto,
  uniqueName,
} from '../helpers/moto.js';

/** The same contract suites as test/adapters/embedded.test.ts, over the AWS adapters on moto_server. */
let clients: MotoClients;
let bucket: string;
let keyArns: { data: string; analytics: string; research: string; issuer: string; otherIssuer: string };

setUpMoto(async (aws) => {
  ({ clients, bucket } = aws);
  keyArns = {
    data: await createDataKey(clients.kms),
    analytics: await createDataKey(clients.kms),
    research: await createDataKey(clients.kms),
    issuer: await createSigningKey(clients.kms),
    otherIssuer: await createSigningKey(clients.kms),
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

/** The registry bucket and prefix: partners and contracts side by side, as the deployed stack keeps them. */
const registryStore = (): S3ObjectStore =>
  new S3ObjectStore(clients.s3, { bucket, prefix: `${uniqueName('registry')}/` });

describeContractStoreContract('S3ContractStore', async () => {
  const objects = registryStore();
  return {
    store: new S3ContractStore(objects),
    write: async (name, text) => {
      await objects.put(`contracts/${name}`, Buffer.from(text));
    },
    cleanup: nothingToClean,
  };
});

describePartnerRegistryContract('S3PartnerRegistry', async () => {
  const objects = registryStore();
  return {
    registry: new S3PartnerRegistry(objects),
    writeRaw: async (id, text) => {
      await objects.put(`partners/${id}.json`, Buffer.from(text));
    },
    cleanup: nothingToClean,
  };
});

describeTokenSignerContract(
  'KmsTokenSigner',
  async () => ({
    signer: new KmsTokenSigner(clients.kms, keyArns.issuer),
    sameKey: async () => new KmsTokenSigner(clients.kms, keyArns.issuer),
    otherKey: async () => new KmsTokenSigner(clients.kms, keyArns.otherIssuer),
    cleanup: nothingToClean,
  }),
  { emulatorHashesDigests: true },
);
