export { type GenerateLargeOptions, generateLarge, generateX12 } from './generate.js';
export { X12_REFERENCE_DATE } from './planter.js';
export { DEFAULT_SEPARATORS } from './separators.js';
export type * from './types.js';
