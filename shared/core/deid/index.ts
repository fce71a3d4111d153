export {
  builtInProfile,
  type ConsumerContract,
  ConsumerContractSchema,
  isProfileName,
  PROFILES,
  type ProfileName,
  parseContract,
} from './contract.js';
export {
  createDeidEngine,
  type DeidEngine,
  type DeidOptions,
  type DeidResult,
  PhiContext,
} from './engine.js';
export { bundleResourcesForNdjson } from './ndjson.js';
export { mergeReports, type TransformReport } from './report.js';
