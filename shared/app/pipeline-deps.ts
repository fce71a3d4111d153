import type { Envelope } from '../crypto/envelope.js';
import type {
  AuditSink,
  Clock,
  KeyProvider,
  ObjectStore,
  PartnerRegistry,
  Queue,
  RateLimiter,
  TokenSigner,
} from '../ports/index.js';

/** Settings the use cases need; derived from Config at the composition root. */
export interface PipelineSettings {
  /** Issuer of access tokens and the audience they are minted for. */
  readonly publicUrl: string;
  readonly tokenUrl: string;
  readonly maxBodyBytes: number;
  readonly tokenTtlSeconds: number;
  readonly ingestQueue: string;
}

/** Everything a use case may touch, each behind a port. */
export interface PipelineDeps {
  readonly settings: PipelineSettings;
  readonly objects: ObjectStore;
  readonly queue: Queue;
  readonly keys: KeyProvider;
  readonly envelope: Envelope;
  readonly signer: TokenSigner;
  readonly partners: PartnerRegistry;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly rateLimiter: RateLimiter;
}
