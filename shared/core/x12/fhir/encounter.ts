import type { Encounter, Organization, Patient, Period, Reference } from '@medplum/fhirtypes';
import { coding, concept, SYSTEM } from './codes.js';
import { addResource, type MappingContext } from './context.js';
import { component, element, firstIn, inLoop } from './segments.js';
import { x12Period } from './values.js';

/** A 2300 DTP by its qualifier (DTP01), as a period. */
export function claimDate(context: MappingContext, qualifier: string): Period | undefined {
  const dtp = firstIn(context.claim.claim, 'DTP', inLoop('2300'), [qualifier]);
  return x12Period(element(dtp, 2), element(dtp, 3));
}

/**
 * 837I: the stay or visit the claim bills. Inpatient when the type of bill's classification (CLM05-1's
 * second digit) is inpatient (1, 2) or swing bed (8); else ambulatory. Still a patient (CL103 `30`) or an
 * interim bill (frequency 2, 3) is `in-progress`, else `finished`. Starts at the admission (DTP*435),
 * else the statement's first day; ends on the statement's last day when finished.
 * 837P: an encounter only when the claim gives hospitalization dates (DTP*435, DTP*096).
 */
export function addEncounter(
  context: MappingContext,
  patient: Reference<Patient>,
  serviceProvider: Reference<Organization> | undefined,
): Reference<Encounter> | undefined {
  const { claim, delimiters } = context;
  const admission = claimDate(context, '435');
  const discharge = claimDate(context, '096');
  const clm = firstIn(claim.claim, 'CLM', inLoop('2300'));
  if (claim.kind === '837P') {
    if (admission === undefined) return undefined;
    const period: Period = {
      start: admission.start,
      ...(discharge?.start !== undefined && discharge.start >= (admission.start ?? '')
        ? { end: discharge.start }
        : {}),
    };
    return addResource(context, 'encounter', {
      resourceType: 'Encounter',
      status: discharge === undefined ? 'in-progress' : 'finished',
      class: coding(SYSTEM.actCode, 'IMP', 'inpatient encounter'),
      subject: patient,
      period,
      ...(serviceProvider === undefined ? {} : { serviceProvider }),
    } satisfies Encounter);
  }

  const statement = claimDate(context, '434');
  const facility = component(clm, 5, 1, delimiters) ?? '';
  const frequency = component(clm, 5, 3, delimiters) ?? '';
  const cl1 = firstIn(claim.claim, 'CL1', inLoop('2300'));
  const inpatient = ['1', '2', '8'].includes(facility.charAt(1));
  const stillPatient = element(cl1, 3) === '30' || frequency === '2' || frequency === '3';
  const start = admission?.start ?? statement?.start;
  const end = stillPatient ? undefined : statement?.end;
  const period: Period | undefined =
    start === undefined ? undefined : { start, ...(end !== undefined && end >= start ? { end } : {}) };
  const admitSource = element(cl1, 2);
  const priority = element(cl1, 1);
  const disposition = stillPatient ? undefined : element(cl1, 3);
  const hospitalization =
    admitSource === undefined && disposition === undefined
      ? undefined
      : {
          ...(admitSource === undefined ? {} : { admitSource: concept(SYSTEM.pointOfOrigin, admitSource) }),
          ...(disposition === undefined
            ? {}
            : { dischargeDisposition: concept(SYSTEM.dischargeStatus, disposition) }),
        };
  return addResource(context, 'encounter', {
    resourceType: 'Encounter',
    status: stillPatient ? 'in-progress' : 'finished',
    class: inpatient
      ? coding(SYSTEM.actCode, 'IMP', 'inpatient encounter')
      : coding(SYSTEM.actCode, 'AMB', 'ambulatory'),
    ...(priority === undefined ? {} : { priority: concept(SYSTEM.admitType, priority) }),
    subject: patient,
    ...(period === undefined ? {} : { period }),
    ...(hospitalization === undefined ? {} : { hospitalization }),
    ...(serviceProvider === undefined ? {} : { serviceProvider }),
  } satisfies Encounter);
}
