export type * from './audit-sink.js';
export type * from './clock.js';
export type * from './contract-store.js';
export type * from './key-provider.js';
export type * from './object-store.js';
export type * from './partner-registry.js';
export type * from './queue.js';
export type * from './rate-limiter.js';
