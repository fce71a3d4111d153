import type { Bundle, Reference } from '@medplum/fhirtypes';
import { claimPatientId, claimPatientKeyOf } from '../../deid/x12/patient-key.js';
import { reject } from '../../errors.js';
import type { ClaimUnit, Delimiters } from '../read-model.js';
import { addClaim } from './claim.js';
import { newContext } from './context.js';
import { addClaimCoverage, addClaimPayer, addOtherCoverages } from './coverage.js';
import { addEncounter } from './encounter.js';
import { addProvider, isOrganization } from './parties.js';
import { addPatient } from './patient.js';
import { firstIn } from './segments.js';

export interface ClaimMappingOptions {
  /** The pipeline's submission the claim arrived in; recorded as the Bundle's meta.source. */
  readonly submissionId?: string;
  /**
   * An instant (with time zone) to write as every resource's meta.lastUpdated, e.g. when the submission
   * was received. CARIN Blue Button profiles require meta.lastUpdated: without it none is claimed.
   */
  readonly lastUpdated?: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * One 837 claim as a FHIR R4 `collection` Bundle: Claim, Patient, Coverage (one per payer), the payer
 * and billing-provider Organizations, care-team Practitioners (or Organizations), the service facility
 * and, where the claim describes one, the Encounter. Deterministic: the same claim and options give the
 * same Bundle, ids included. See docs/x12-837-to-fhir.md for the field table.
 */
export function mapClaimToFhir(
  claim: ClaimUnit,
  delimiters: Delimiters,
  options: ClaimMappingOptions = {},
): Bundle {
  if (options.lastUpdated !== undefined && !INSTANT.test(options.lastUpdated)) {
    throw reject('internal', 'lastUpdated must be a FHIR instant with a time zone.', {
      option: 'lastUpdated',
    });
  }
  const context = newContext(claim, delimiters, options.lastUpdated);

  const billingSegments = claim.billingProvider.filter((s) => s.loop === '2010AA');
  const billingNm1 = firstIn(billingSegments, 'NM1', undefined, ['85']);
  if (billingNm1 === undefined) {
    throw reject('invalid-claim', 'The claim has no billing provider to map.', { expression: '2010AA/NM1' });
  }
  const payer = addClaimPayer(context);
  if (payer === undefined) {
    throw reject('invalid-claim', 'The claim has no payer to map.', { expression: '2010BB/NM1' });
  }
  const provider = addProvider(context, 'billing', { nm1: billingNm1, segments: billingSegments });
  // The id X12 de-identification keys the patient's date shift by (as `Patient/<id>`): the same days
  // move whether the patient's claim is de-identified as X12 or as this Bundle.
  const patientId = claimPatientId(claimPatientKeyOf(claim.subscriber, claim.patient));
  const patient = addPatient(context, patientId, payer);
  const primary = addClaimCoverage(context, patient, payer);
  const others = addOtherCoverages(context, patient);
  const encounter = addEncounter(context, patient, isOrganization(context, provider) ? provider : undefined);
  const claimReference: Reference = addClaim(context, {
    patient,
    provider,
    insurer: payer,
    coverages: [primary, ...others],
    encounter,
  });

  // The Claim leads the Bundle; the other entries follow in the order they were mapped.
  const claimEntry = context.entries.find((e) => e.fullUrl === claimReference.reference);
  const entry =
    claimEntry === undefined
      ? context.entries
      : [claimEntry, ...context.entries.filter((e) => e !== claimEntry)];
  return {
    resourceType: 'Bundle',
    id: context.id('bundle'),
    ...(options.submissionId === undefined
      ? {}
      : { meta: { source: `urn:phi-pipeline:submission:${encodeURIComponent(options.submissionId)}` } }),
    type: 'collection',
    ...(options.lastUpdated === undefined ? {} : { timestamp: options.lastUpdated }),
    entry,
  };
}

/** One Bundle per claim, as the claims arrive: memory holds one claim's Bundle at a time. */
export function* mapClaimsToFhir(
  claims: Iterable<ClaimUnit>,
  delimiters: Delimiters,
  options: ClaimMappingOptions = {},
): Generator<Bundle> {
  for (const claim of claims) yield mapClaimToFhir(claim, delimiters, options);
}

/** The same over an async source of claims (a streamed file). */
export async function* mapClaimStreamToFhir(
  claims: AsyncIterable<ClaimUnit> | Iterable<ClaimUnit>,
  delimiters: Delimiters,
  options: ClaimMappingOptions = {},
): AsyncGenerator<Bundle> {
  for await (const claim of claims) yield mapClaimToFhir(claim, delimiters, options);
}
