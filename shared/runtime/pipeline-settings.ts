import type { PipelineSettings } from '../app/pipeline-deps.js';
import type { Config } from './config.js';

export const INGEST_QUEUE = 'ingest';
export const UPLOAD_EXPIRY_QUEUE = 'upload-expiry';

/** The use cases' settings, the same for every target; only the queue name prefix differs. */
export const pipelineSettings = (config: Config, queuePrefix: string): PipelineSettings => ({
  publicUrl: config.publicUrl,
  tokenUrl: config.tokenUrl,
  maxBodyBytes: config.PHI_MAX_BODY_BYTES,
  tokenTtlSeconds: config.PHI_TOKEN_TTL_SECONDS,
  ingestQueue: INGEST_QUEUE,
  queuePrefix,
  // On AWS this must equal the queues' RedrivePolicy maxReceiveCount in the deployment template.
  maxReceiveCount: config.PHI_MAX_RECEIVE_COUNT,
  retryBaseSeconds: config.PHI_RETRY_BASE_SECONDS,
  uploads: {
    urlSeconds: config.PHI_UPLOAD_URL_SECONDS,
    graceSeconds: config.PHI_UPLOAD_GRACE_SECONDS,
    maxFileBytes: config.PHI_UPLOAD_MAX_FILE_BYTES,
    maxTotalBytes: config.PHI_UPLOAD_MAX_TOTAL_BYTES,
    expiryQueue: UPLOAD_EXPIRY_QUEUE,
  },
});
