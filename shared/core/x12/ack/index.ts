/**
 * X12 acknowledgements from what the reader found: TA1 (interchange), 999 (functional group,
 * 005010X231A1), 277CA (claims, 005010X214), and the one-word outcome the door shows.
 */

export {
  type Ack277Options,
  type ClaimAckStatus,
  type ClaimStatus,
  type ClaimStatusSet,
  VERSION_277CA,
  write277ca,
} from './277ca.js';
export { type AckIssue, answerGroup, type SituationalTrigger, VERSION_999, write999 } from './999.js';
export { acknowledgeInterchange, type InterchangeAcknowledgement } from './acknowledge.js';
export { ClaimStatusCollector, claimStatusFromUnit, serviceSpan } from './claim-status.js';
export { ackGuideFor, GUIDE_277CA, GUIDE_999 } from './guides.js';
export { readIsaHeader } from './isa-header.js';
export { type AckOutcome, ackOutcome } from './outcome.js';
export { TA1_NOTE, type Ta1Answer, ta1Answer, writeTa1, writeTa1Answer } from './ta1.js';
export {
  type AckEnvelopeOptions,
  type AcknowledgedInterchange,
  STANDARD_DELIMITERS,
} from './x12-writer.js';
