import type { Identifier, Organization, Patient, Reference } from '@medplum/fhirtypes';
import type { PlacedSegment } from '../read-model.js';
import { concept, GENDER, PROFILE, SYSTEM } from './codes.js';
import { canProfile, type MappingContext } from './context.js';
import { uuidV5 } from './ids.js';
import { addressOf, personName } from './parties.js';
import { element, firstIn, inLoop, segmentsIn } from './segments.js';
import { x12Date } from './values.js';

/**
 * The patient: the subscriber (2010BA) when the claim has no patient loop, else 2010CA. Its id is the
 * patient key's, not the claim's: the same patient gets the same Patient.id in every Bundle, which the
 * per-patient date shift of FHIR de-identification relies on.
 */
export function addPatient(
  context: MappingContext,
  patientId: string,
  assigner: Reference<Organization>,
): Reference<Patient> {
  const { claim } = context;
  const dependent = claim.patient !== undefined;
  const segments: readonly PlacedSegment[] = claim.patient ?? claim.subscriber;
  const nameLoop = dependent ? '2010CA' : '2010BA';
  const nm1 = firstIn(segments, 'NM1', inLoop(nameLoop), [dependent ? 'QC' : 'IL']);
  const own = segments.filter((s) => s.loop === nameLoop);
  const dmg = firstIn(own, 'DMG');
  const pat = firstIn(segments, 'PAT', inLoop(dependent ? '2000C' : '2000B'));

  const subscriber = firstIn(claim.subscriber, 'NM1', inLoop('2010BA'), ['IL']);
  const subscriberId = element(subscriber, 8) === 'MI' ? element(subscriber, 9) : undefined;
  // The member id names the subscriber; a dependent in 2000C has none of their own (5010 puts a
  // dependent with a unique member id in 2000B as the subscriber).
  const memberId: Identifier | undefined =
    subscriberId === undefined
      ? undefined
      : {
          type: concept(SYSTEM.identifierType, 'MB'),
          system: SYSTEM.memberId,
          value: subscriberId,
          assigner,
        };

  const identifier: Identifier[] = [];
  if (!dependent && memberId !== undefined) identifier.push(memberId);
  for (const ref of segmentsIn(claim.claim, 'REF', inLoop('2300'), ['EA'])) {
    const value = element(ref, 2);
    if (value !== undefined) {
      identifier.push({ type: concept(SYSTEM.identifierType, 'MR'), system: SYSTEM.medicalRecord, value });
    }
  }

  const name = nm1 === undefined || element(nm1, 2) !== '1' ? undefined : personName(nm1);
  const gender = GENDER[element(dmg, 3) ?? ''];
  const birthDate = element(dmg, 1) === 'D8' ? x12Date(element(dmg, 2)) : undefined;
  const deceased = element(pat, 5) === 'D8' ? x12Date(element(pat, 6)) : undefined;
  const address = addressOf(own);
  const content: Omit<Patient, 'resourceType'> = {
    ...(identifier.length === 0 ? {} : { identifier }),
    ...(name === undefined ? {} : { name: [name] }),
    ...(gender === undefined ? {} : { gender }),
    ...(birthDate === undefined ? {} : { birthDate }),
    ...(deceased === undefined ? {} : { deceasedDateTime: deceased }),
    ...(address === undefined ? {} : { address: [address] }),
  };
  // C4BB Patient: a member id (MB), a name and a gender (US Core).
  const conforms =
    canProfile(context) && !dependent && memberId !== undefined && name !== undefined && gender !== undefined;
  // Patient.id is not a UUID (see claimPatientId): the fullUrl is one derived from it.
  const fullUrl = `urn:uuid:${uuidV5(`patient|${patientId}`)}`;
  context.entries.push({
    fullUrl,
    resource: {
      resourceType: 'Patient',
      id: patientId,
      ...(context.lastUpdated === undefined
        ? {}
        : {
            meta: { lastUpdated: context.lastUpdated, ...(conforms ? { profile: [PROFILE.patient] } : {}) },
          }),
      ...content,
    },
  });
  return { reference: fullUrl } as Reference<Patient>;
}
