import { PipelineError } from '../../core/errors.js';

export type DeliveryStage = 'token' | 'transaction';

/** HTTP statuses that say "try again later" although they are 4xx. */
const TRANSIENT_4XX = new Set([408, 429]);

export const isPermanentStatus = (status: number): boolean =>
  status >= 400 && status < 500 && !TRANSIENT_4XX.has(status);

/**
 * A failed HTTP exchange with a consumer's FHIR server or its token endpoint, as a PipelineError that
 * carries the stage and the status code only: a server's error body can echo the content it refused.
 */
export function deliveryFailure(stage: DeliveryStage, status: number, why?: string): PipelineError {
  const permanent = isPermanentStatus(status);
  const message =
    why ?? `the FHIR ${stage === 'token' ? 'token endpoint' : 'server'} answered HTTP ${status}`;
  return new PipelineError(permanent ? 'delivery-rejected' : 'delivery-unavailable', message, {
    retryable: !permanent,
    details: { stage, status },
  });
}

/** Network failure or timeout: nothing was answered, so trying again is right. */
export const unreachable = (stage: DeliveryStage): PipelineError =>
  new PipelineError(
    'delivery-unavailable',
    `the FHIR ${stage === 'token' ? 'token endpoint' : 'server'} could not be reached`,
    { retryable: true, details: { stage } },
  );
