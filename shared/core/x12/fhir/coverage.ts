import type { Coverage, CoverageClass, Organization, Patient, Reference } from '@medplum/fhirtypes';
import type { PlacedSegment } from '../read-model.js';
import { concept, PAYER_ORDER, PROFILE, RELATIONSHIP, SYSTEM } from './codes.js';
import { addResource, canProfile, type MappingContext } from './context.js';
import { addPayer } from './parties.js';
import { element, firstIn, inLoop, loopOccurrences, under } from './segments.js';

export interface MappedCoverage {
  readonly coverage: Reference<Coverage>;
  readonly payer: Reference<Organization>;
}

interface CoverageFacts {
  readonly sbr: PlacedSegment | undefined;
  readonly subscriberId: string | undefined;
  readonly relationship: string | undefined;
  readonly patient: Reference<Patient>;
  /** The patient is the subscriber: Coverage.subscriber is the Patient itself. */
  readonly self: boolean;
  readonly payer: Reference<Organization>;
}

/** Builds one Coverage from an SBR and the subscriber and payer found around it. */
function addCoverage(context: MappingContext, role: string, facts: CoverageFacts): Reference<Coverage> {
  const { sbr, subscriberId, relationship, patient, self, payer } = facts;
  const order = PAYER_ORDER[element(sbr, 1) ?? ''];
  const groupNumber = element(sbr, 3);
  const groupName = element(sbr, 4);
  // Coverage.class.value is required: a group name without its number is not mapped.
  const group: CoverageClass[] =
    groupNumber === undefined
      ? []
      : [
          {
            type: concept(SYSTEM.coverageClass, 'group'),
            value: groupNumber,
            ...(groupName === undefined ? {} : { name: groupName }),
          },
        ];
  const coverage: Coverage = {
    resourceType: 'Coverage',
    // The payer is billed under it for these dates of service.
    status: 'active',
    ...(subscriberId === undefined
      ? {}
      : {
          identifier: [
            { type: concept(SYSTEM.identifierType, 'MB'), system: SYSTEM.memberId, value: subscriberId },
          ],
          subscriberId,
        }),
    ...(self ? { subscriber: patient } : {}),
    beneficiary: patient,
    ...(relationship === undefined
      ? {}
      : { relationship: concept(SYSTEM.subscriberRelationship, relationship) }),
    payor: [payer],
    ...(group.length === 0 ? {} : { class: group }),
    ...(order === undefined ? {} : { order }),
  };
  // C4BB Coverage: subscriberId, relationship and one payor that is a C4BB Organization.
  const conforms =
    canProfile(context) &&
    subscriberId !== undefined &&
    relationship !== undefined &&
    hasProfile(context, payer);
  return addResource(context, role, coverage, conforms ? PROFILE.coverage : undefined);
}

const hasProfile = (context: MappingContext, reference: Reference): boolean => {
  const entry = context.entries.find((e) => e.fullUrl === reference.reference);
  return (entry?.resource?.meta?.profile?.length ?? 0) > 0;
};

/** The payer of 2010BB as an Organization; undefined when the claim names none. */
export function addClaimPayer(context: MappingContext): Reference<Organization> | undefined {
  const segments = context.claim.subscriber.filter((s) => s.loop === '2010BB');
  const nm1 = firstIn(segments, 'NM1', undefined, ['PR']);
  return nm1 === undefined ? undefined : addPayer(context, 'payer', { nm1, segments });
}

/** The coverage the claim is sent under (2000B SBR, 2010BA, 2010BB). */
export function addClaimCoverage(
  context: MappingContext,
  patient: Reference<Patient>,
  payer: Reference<Organization>,
): MappedCoverage {
  const { claim } = context;
  const sbr = firstIn(claim.subscriber, 'SBR', inLoop('2000B'));
  const subscriber = firstIn(claim.subscriber, 'NM1', inLoop('2010BA'), ['IL']);
  const self = claim.patient === undefined;
  const pat = self ? undefined : firstIn(claim.patient ?? [], 'PAT', inLoop('2000C'));
  const relationship = self ? 'self' : RELATIONSHIP[element(pat, 1) ?? ''];
  const coverage = addCoverage(context, 'coverage/1', {
    sbr,
    subscriberId: element(subscriber, 9),
    relationship,
    patient,
    self,
    payer,
  });
  return { coverage, payer };
}

/**
 * Other payers of a coordination-of-benefits claim: each 2320 with its 2330A subscriber and 2330B
 * payer. A 2320 without a 2330B payer is not mapped (Coverage.payor is required).
 */
export function addOtherCoverages(context: MappingContext, patient: Reference<Patient>): MappedCoverage[] {
  const occurrences = loopOccurrences(
    context.claim.claim,
    under('2320'),
    (s) => s.id === 'SBR' && s.loop === '2320',
  );
  const mapped: MappedCoverage[] = [];
  occurrences.forEach((segments, i) => {
    const sbr = firstIn(segments, 'SBR', inLoop('2320'));
    const subscriber = firstIn(segments, 'NM1', inLoop('2330A'), ['IL']);
    const payerSegments = segments.filter((s) => s.loop === '2330B');
    const payerNm1 = firstIn(payerSegments, 'NM1', undefined, ['PR']);
    if (payerNm1 === undefined) return;
    const payer = addPayer(context, `payer/${i + 2}`, { nm1: payerNm1, segments: payerSegments });
    const relationship = RELATIONSHIP[element(sbr, 2) ?? ''];
    const coverage = addCoverage(context, `coverage/${i + 2}`, {
      sbr,
      subscriberId: element(subscriber, 9),
      relationship,
      patient,
      self: relationship === 'self',
      payer,
    });
    mapped.push({ coverage, payer });
  });
  return mapped;
}
