import type { Cast } from './cast.js';
import { OPEN_ZIP3, SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** An institutional Claim for a motor vehicle accident: VIN, plate and accident address. */
export function plantClaim(w: Planter, cast: Cast): JsonObject {
  const { p, keep, c, rng, poolAt, dateTime } = w;
  const { memberId, claimId, claimNumber, preAuth, vin, plate, ids, primaryRef, fullName } = cast;
  const claimed = poolAt(12);
  const claimNote = `${p('vin', 'Claim.supportingInfo.valueString', vin)} / plate ${p('license-plate', 'Claim.supportingInfo.valueString', plate)}`;
  const claim: JsonObject = {
    resourceType: 'Claim',
    id: p('mrn', 'Claim.id', claimId),
    extension: [
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/accident-vehicle`,
        valueIdentifier: {
          system: 'urn:zqx:vin',
          value: p('vin', 'Claim.extension.valueIdentifier.value', vin),
        },
      },
    ],
    identifier: [
      { system: 'urn:zqx:claims', value: p('account-number', 'Claim.identifier.value', claimNumber) },
    ],
    status: 'active',
    type: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/claim-type', 'institutional', 'Institutional')],
    },
    use: 'claim',
    patient: { reference: primaryRef, display: p('name', 'Claim.patient.display', fullName) },
    billablePeriod: { start: p('date', 'Claim.billablePeriod.start', claimed, 'date'), end: claimed },
    created: dateTime(claimed, 16),
    provider: { reference: ids.hospital },
    priority: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/processpriority', 'normal', 'Normal')],
    },
    supportingInfo: [
      {
        sequence: 1,
        category: {
          coding: [
            coding('http://terminology.hl7.org/CodeSystem/claiminformationcategory', 'info', 'Information'),
          ],
        },
        valueString: `Vehicle VIN ${claimNote}`,
      },
    ],
    diagnosis: [
      {
        sequence: 1,
        diagnosisCodeableConcept: {
          coding: [keep(SYSTEMS.icd10, 'S62.109A', 'Fracture of unspecified carpal bone')],
        },
      },
    ],
    insurance: [
      {
        sequence: 1,
        focal: true,
        coverage: { reference: `Coverage/${memberId}` },
        preAuthRef: [p('other-id', 'Claim.insurance.preAuthRef', preAuth)],
      },
    ],
    accident: {
      date: claimed,
      type: {
        coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'MVA', 'Motor vehicle accident')],
      },
      locationAddress: {
        line: [p('street', 'Claim.accident.locationAddress.line', `${c.digits(4)} ${c.word()} ${c.word()}`)],
        city: p('city', 'Claim.accident.locationAddress.city', c.word()),
        postalCode: p(
          'zip',
          'Claim.accident.locationAddress.postalCode',
          `${rng.pick(OPEN_ZIP3)}${c.digits(2)}`,
        ),
      },
    },
    item: [
      {
        sequence: 1,
        productOrService: {
          coding: [keep(SYSTEMS.cpt, '25605', 'Closed treatment of distal radial fracture')],
        },
        servicedDate: claimed,
        net: { value: 1250, currency: 'USD' },
      },
    ],
    total: { value: 1250, currency: 'USD' },
  };
  return claim;
}
