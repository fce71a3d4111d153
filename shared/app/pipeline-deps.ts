import type { Envelope } from '../crypto/envelope.js';
import type { FhirDeliveryTarget } from '../ports/fhir-delivery.js';
import type {
  AuditLog,
  AuditSink,
  Clock,
  ContractStore,
  DeadLetters,
  KeyProvider,
  ObjectStore,
  PartnerRegistry,
  Queue,
  RateLimiter,
  TokenSigner,
  UploadLanding,
} from '../ports/index.js';

/** Bulk uploads (POST /v1/uploads, docs/uploads.md). */
export interface UploadSettings {
  /** Life of the upload URLs; the submission's `expiresAt` is this far after its manifest. */
  readonly urlSeconds: number;
  /** Extra time after `expiresAt` for uploads still in flight before the submission fails. */
  readonly graceSeconds: number;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  /** The queue of delayed expiry checks (one message per bulk submission). */
  readonly expiryQueue: string;
}

/** Settings the use cases need; derived from Config at the composition root. */
export interface PipelineSettings {
  /** Issuer of access tokens and the audience they are minted for. */
  readonly publicUrl: string;
  readonly tokenUrl: string;
  readonly maxBodyBytes: number;
  readonly tokenTtlSeconds: number;
  readonly ingestQueue: string;
  /** Physical queue names are this prefix + the logical name (empty on the embedded default). */
  readonly queuePrefix: string;
  /** Deliveries before a message is dead-lettered; a failure on the last one marks it dead-lettered. */
  readonly maxReceiveCount: number;
  /** First retry delay of a transiently failed message; doubles per try. */
  readonly retryBaseSeconds: number;
  readonly uploads: UploadSettings;
}

/** Secrets already loaded (shared/app/secrets.ts): `${bucket}:${keyName}:${secretName}` → the secret. */
export type SecretCache = Map<string, Promise<Uint8Array>>;

/** Everything a use case may touch, each behind a port. */
export interface PipelineDeps {
  readonly settings: PipelineSettings;
  readonly objects: ObjectStore;
  /** Where bulk files land before they are verified (presigned S3 PUTs, or the local host's upload URLs). */
  readonly uploads: UploadLanding;
  readonly queue: Queue;
  /** The dead-letter queues behind `queue`: operators list and replay them. */
  readonly deadLetters: DeadLetters;
  readonly keys: KeyProvider;
  readonly envelope: Envelope;
  readonly signer: TokenSigner;
  readonly partners: PartnerRegistry;
  readonly contracts: ContractStore;
  readonly audit: AuditSink;
  /** The log `audit` writes, read back (verify, export). */
  readonly auditLog: AuditLog;
  readonly clock: Clock;
  readonly rateLimiter: RateLimiter;
  /** Consumers whose contract says `delivery: fhir` receive their share through it. */
  readonly fhir: FhirDeliveryTarget;
  /** Kept for the life of this composition root; `createSecretCache()` makes an empty one. */
  readonly secrets: SecretCache;
}
