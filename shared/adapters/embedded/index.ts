export { auditDirectory, verifyAuditDirectory } from './audit-files.js';
export { FileAuditSink, type FileAuditSinkOptions } from './file-audit-sink.js';
export { FileObjectStore } from './file-object-store.js';
export { FilePartnerRegistry } from './file-partner-registry.js';
export { KEY_NAMESPACE, LocalKeyProvider } from './local-key-provider.js';
export { LocalTokenSigner } from './local-token-signer.js';
export { assertObjectKey, assertObjectPrefix } from './object-key.js';
export { SqliteDeadLetters } from './sqlite-dead-letters.js';
export { type QueueDepth, type QueueSettings, SqliteQueue, type SqliteQueueOptions } from './sqlite-queue.js';
