import type {
  Claim,
  ClaimAccident,
  ClaimInsurance,
  ClaimRelated,
  ClaimSupportingInfo,
  Encounter,
  Identifier,
  Organization,
  Patient,
  Practitioner,
  Reference,
} from '@medplum/fhirtypes';
import { reject } from '../../errors.js';
import { CareTeam } from './care-team.js';
import { coding, concept, SYSTEM } from './codes.js';
import { addResource, type MappingContext } from './context.js';
import type { MappedCoverage } from './coverage.js';
import { drgOf, mapDiagnoses, mapProcedures } from './diagnoses.js';
import { claimDate } from './encounter.js';
import { mapItems } from './items.js';
import { addProvider, isOrganization } from './parties.js';
import { component, element, firstIn, inLoop, segmentsIn } from './segments.js';
import { spanOf, usd, x12Date } from './values.js';

export interface ClaimParties {
  readonly patient: Reference<Patient>;
  readonly provider: Reference<Practitioner | Organization>;
  readonly insurer: Reference<Organization>;
  readonly coverages: readonly MappedCoverage[];
  readonly encounter: Reference<Encounter> | undefined;
}

/** The Claim resource: the 2300 loop and its lines, pointing at the parties already mapped. */
export function addClaim(context: MappingContext, parties: ClaimParties): Reference<Claim> {
  const { claim } = context;
  const clm = firstIn(claim.claim, 'CLM', inLoop('2300'));
  if (clm === undefined) {
    throw reject('invalid-claim', 'The claim has no CLM segment to map.', { expression: '2300/CLM' });
  }
  const careTeam = new CareTeam(context);
  careTeam.addProviders(claim.claim, '2310', 'provider');
  const diagnosis = mapDiagnoses(context);
  const procedure = mapProcedures(context);
  const { items, servicePeriods } = mapItems(context, careTeam, diagnosis.length, parties.encounter);

  const statement = claimDate(context, '434');
  const billablePeriod = statement ?? spanOf([claimDate(context, '472'), ...servicePeriods]);
  const bht = firstIn(claim.header, 'BHT');
  // Claim.created is required; BHT04 is too, so the fallback serves only claims the reader flagged.
  const created = x12Date(element(bht, 4)) ?? billablePeriod?.start;
  if (created === undefined) {
    throw reject('invalid-claim', 'The claim has no creation date to map.', {
      expression: 'HEADER/BHT/BHT04',
    });
  }

  const clm01 = element(clm, 1);
  // The patient control number is the billing provider's: named with the provider as assigner.
  const assigner = isOrganization(context, parties.provider) ? { assigner: parties.provider } : {};
  const identifier: Identifier[] =
    clm01 === undefined
      ? []
      : [
          {
            type: concept(SYSTEM.c4bbIdentifierType, 'pat'),
            system: SYSTEM.clm01,
            value: clm01,
            ...assigner,
          },
        ];
  const total = usd(element(clm, 2));
  const supportingInfo = supportingInfoOf(context);
  const accident = accidentOf(context);
  const related = relatedOf(context);

  const resource: Claim = {
    resourceType: 'Claim',
    ...(identifier.length === 0 ? {} : { identifier }),
    status: 'active',
    type: concept(SYSTEM.claimType, claim.kind === '837P' ? 'professional' : 'institutional'),
    use: 'claim',
    patient: parties.patient,
    ...(billablePeriod === undefined ? {} : { billablePeriod }),
    created,
    insurer: parties.insurer,
    provider: parties.provider,
    // The 837 states no processing priority.
    priority: concept(SYSTEM.processPriority, 'normal'),
    ...(related.length === 0 ? {} : { related }),
    ...(careTeam.members.length === 0 ? {} : { careTeam: careTeam.members }),
    ...(supportingInfo.length === 0 ? {} : { supportingInfo }),
    ...(diagnosis.length === 0 ? {} : { diagnosis }),
    ...(procedure.length === 0 ? {} : { procedure }),
    insurance: insuranceOf(context, parties.coverages),
    ...(accident === undefined ? {} : { accident }),
    ...(items.length === 0 ? {} : { item: items }),
    ...(total === undefined ? {} : { total }),
  };
  // No C4BB profile: C4BB profiles the ExplanationOfBenefit, not the Claim; Da Vinci PAS's Claim is a
  // prior-authorization request (use = preauthorization), which a billed 837 claim is not.
  return addResource(context, 'claim', resource);
}

/** The primary coverage is focal; other payers (2320) follow in file order. REF*G1 is the prior authorization. */
function insuranceOf(context: MappingContext, coverages: readonly MappedCoverage[]): ClaimInsurance[] {
  const preAuthRef = segmentsIn(context.claim.claim, 'REF', inLoop('2300'), ['G1'])
    .map((ref) => element(ref, 2))
    .filter((v): v is string => v !== undefined);
  return coverages.map(({ coverage }, i) => ({
    sequence: i + 1,
    focal: i === 0,
    coverage,
    ...(i === 0 && preAuthRef.length > 0 ? { preAuthRef } : {}),
  }));
}

/**
 * CARIN's supporting-information categories the 837 carries: type of bill (837I: `0`, CLM05-1, CLM05-3),
 * admission type, point of origin and discharge status (CL101–CL103), the DRG (HI*DR) and the
 * service facility (2310C in 837P, 2310E in 837I: NM1*77).
 */
function supportingInfoOf(context: MappingContext): ClaimSupportingInfo[] {
  const { claim, delimiters } = context;
  const info: ClaimSupportingInfo[] = [];
  const add = (code: string, rest: Omit<ClaimSupportingInfo, 'sequence' | 'category'>) =>
    info.push({ sequence: info.length + 1, category: concept(SYSTEM.c4bbSupportingInfo, code), ...rest });

  if (claim.kind === '837I') {
    const clm = firstIn(claim.claim, 'CLM', inLoop('2300'));
    const facility = component(clm, 5, 1, delimiters);
    const frequency = component(clm, 5, 3, delimiters);
    if (facility !== undefined && frequency !== undefined) {
      add('typeofbill', { code: concept(SYSTEM.typeOfBill, `0${facility}${frequency}`) });
    }
    const cl1 = firstIn(claim.claim, 'CL1', inLoop('2300'));
    const admitType = element(cl1, 1);
    const origin = element(cl1, 2);
    const status = element(cl1, 3);
    if (admitType !== undefined) add('admtype', { code: concept(SYSTEM.admitType, admitType) });
    if (origin !== undefined) add('pointoforigin', { code: concept(SYSTEM.pointOfOrigin, origin) });
    if (status !== undefined) add('discharge-status', { code: concept(SYSTEM.dischargeStatus, status) });
    const drg = drgOf(context);
    if (drg !== undefined) add('drg', { code: { coding: [drg] } });
  }
  const facilityNm1 = firstIn(claim.claim, 'NM1', (loop) => loop.startsWith('2310'), ['77']);
  if (facilityNm1 !== undefined) {
    const segments = claim.claim.filter((s) => s.loop === facilityNm1.loop);
    const facility = addProvider(context, 'facility', { nm1: facilityNm1, segments });
    add('servicefacility', { valueReference: facility });
  }
  return info;
}

/** CLM11 related causes with the accident date (DTP*439): auto (AA), employment (EM), other (OA). */
function accidentOf(context: MappingContext): ClaimAccident | undefined {
  const date = claimDate(context, '439')?.start;
  if (date === undefined) return undefined;
  const clm = firstIn(context.claim.claim, 'CLM', inLoop('2300'));
  const causes = [1, 2, 3].map((c) => component(clm, 11, c, context.delimiters));
  const state = component(clm, 11, 4, context.delimiters);
  const type = causes.includes('AA')
    ? coding(SYSTEM.actCode, 'MVA', 'Motor vehicle accident')
    : causes.includes('EM')
      ? coding(SYSTEM.actCode, 'WPA', 'Workplace accident')
      : undefined;
  return {
    date,
    ...(type === undefined ? {} : { type: { coding: [type] } }),
    ...(state === undefined ? {} : { locationAddress: { state } }),
  };
}

/** A replacement or void (CLM05-3 7, 8) names the claim it corrects: REF*F8, the payer's claim number. */
function relatedOf(context: MappingContext): ClaimRelated[] {
  const clm = firstIn(context.claim.claim, 'CLM', inLoop('2300'));
  const frequency = component(clm, 5, 3, context.delimiters);
  if (frequency !== '7' && frequency !== '8') return [];
  return segmentsIn(context.claim.claim, 'REF', inLoop('2300'), ['F8'])
    .map((ref) => element(ref, 2))
    .filter((v): v is string => v !== undefined)
    .map((value) => ({
      relationship: concept('http://terminology.hl7.org/CodeSystem/related-claim-relationship', 'prior'),
      reference: { system: SYSTEM.claimReference, value },
    }));
}
