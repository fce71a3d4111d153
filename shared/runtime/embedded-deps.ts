import { FileAuditLog } from '../adapters/embedded/file-audit-log.js';
import { FileAuditSink } from '../adapters/embedded/file-audit-sink.js';
import { FileContractStore } from '../adapters/embedded/file-contract-store.js';
import { FileObjectStore } from '../adapters/embedded/file-object-store.js';
import { FilePartnerRegistry } from '../adapters/embedded/file-partner-registry.js';
import { LocalKeyProvider } from '../adapters/embedded/local-key-provider.js';
import { LocalTokenSigner } from '../adapters/embedded/local-token-signer.js';
import { LocalUploadLanding } from '../adapters/embedded/local-upload-landing.js';
import { SqliteDeadLetters } from '../adapters/embedded/sqlite-dead-letters.js';
import { SqliteQueue } from '../adapters/embedded/sqlite-queue.js';
import { FhirKitDelivery } from '../adapters/fhir/fhir-kit-delivery.js';
import { TokenBucketRateLimiter } from '../adapters/memory/token-bucket-rate-limiter.js';
import type { PipelineDeps } from '../app/pipeline-deps.js';
import { createSecretCache } from '../app/secrets.js';
import { createEnvelope } from '../crypto/envelope.js';
import { systemClock } from '../ports/clock.js';
import type { Config } from './config.js';
import { pipelineSettings } from './pipeline-settings.js';

/** The embedded default: every port backed by files and SQLite under PHI_HOME. */
export function createEmbeddedDeps(config: Config): PipelineDeps {
  const clock = systemClock;
  const keys = new LocalKeyProvider(config.home, { cache: config.dataKeyCache });
  const queue = new SqliteQueue(config.home, { maxReceiveCount: config.PHI_MAX_RECEIVE_COUNT });
  const envelope = createEnvelope(keys);
  return {
    settings: pipelineSettings(config, ''),
    objects: new FileObjectStore(config.home),
    uploads: new LocalUploadLanding(config.home, { publicUrl: config.publicUrl, clock, envelope }),
    queue,
    deadLetters: new SqliteDeadLetters(queue),
    keys,
    envelope,
    signer: new LocalTokenSigner(config.home),
    partners: new FilePartnerRegistry(config.home),
    contracts: new FileContractStore(config.home),
    audit: new FileAuditSink(config.home),
    auditLog: new FileAuditLog(config.home),
    clock,
    rateLimiter: new TokenBucketRateLimiter(config.PHI_RATE_LIMIT_RPS, config.PHI_RATE_LIMIT_BURST, clock),
    fhir: new FhirKitDelivery({ clock }),
    secrets: createSecretCache(),
  };
}
