import type { Cast } from './cast.js';
import type { ElderlyCondition } from './condition.js';
import { SYSTEMS } from './constants.js';
import type { Planter } from './context.js';
import type { JsonObject } from './types.js';

/** Every resource of the Bundle, by the name the planter gives it. */
export interface Resources {
  readonly patient: JsonObject;
  readonly elderlyPatient: JsonObject;
  readonly relatedPerson: JsonObject;
  readonly practitioner: JsonObject;
  readonly hospital: JsonObject;
  readonly payer: JsonObject;
  readonly encounter: JsonObject;
  readonly condition: JsonObject;
  readonly vitals: JsonObject;
  readonly social: JsonObject;
  readonly elderlyCondition: ElderlyCondition;
  readonly ageObservation: JsonObject;
  readonly medication: JsonObject;
  readonly device: JsonObject;
  readonly procedure: JsonObject;
  readonly document: JsonObject;
  readonly report: JsonObject;
  readonly immunization: JsonObject;
  readonly coverage: JsonObject;
  readonly claim: JsonObject;
  readonly audit: JsonObject;
}

/**
 * The transaction Bundle around the resources; its identifier, link and entry requests carry canaries
 * too.
 */
export function assembleBundle(w: Planter, cast: Cast, r: Resources): JsonObject {
  const { p } = w;
  const {
    base,
    mrnSystem,
    mrn,
    elderlySsn,
    rpId,
    memberId,
    encounterId,
    claimId,
    bundleIdentifier,
    primaryFullUrl,
    elderlyFullUrl,
    coverageFullUrl,
    ids,
    primaryRef,
  } = cast;
  const entry = (fullUrl: string, resource: JsonObject, request: JsonObject): JsonObject => ({
    fullUrl,
    resource,
    request,
  });
  const post = (resource: JsonObject): JsonObject => ({ method: 'POST', url: String(resource.resourceType) });

  const bundle: JsonObject = {
    resourceType: 'Bundle',
    identifier: {
      system: 'urn:zqx:batches',
      value: p('other-id', 'Bundle.identifier.value', bundleIdentifier),
    },
    type: 'transaction',
    link: [
      {
        relation: 'self',
        url: p('url', 'Bundle.link.url', `${base}/Patient?identifier=${mrnSystem}|${mrn}&_revinclude=*`),
      },
    ],
    entry: [
      entry(primaryFullUrl, r.patient, {
        method: 'PUT',
        url: p('mrn', 'Bundle.entry.request.url', primaryRef),
      }),
      entry(elderlyFullUrl, r.elderlyPatient, {
        method: 'PUT',
        url: p(
          'ssn',
          'Bundle.entry.request.url(conditional)',
          `Patient?identifier=${SYSTEMS.ssn}|${elderlySsn}`,
        ),
      }),
      entry(ids.rp, r.relatedPerson, { method: 'PUT', url: `RelatedPerson/${rpId}` }),
      entry(ids.practitioner, r.practitioner, {
        method: 'POST',
        url: 'Practitioner',
        ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|9999912345',
      }),
      entry(ids.hospital, r.hospital, post(r.hospital)),
      entry(ids.payer, r.payer, post(r.payer)),
      entry(ids.encounter, r.encounter, {
        method: 'POST',
        url: 'Encounter',
        ifNoneExist: `identifier=${p('account-number', 'Bundle.entry.request.ifNoneExist', encounterId)}`,
      }),
      entry(ids.condition, r.condition, post(r.condition)),
      entry(ids.vitals, r.vitals, post(r.vitals)),
      entry(ids.social, r.social, post(r.social)),
      entry(ids.age, r.ageObservation, post(r.ageObservation)),
      entry(r.elderlyCondition.fullUrl, r.elderlyCondition.resource, post(r.elderlyCondition.resource)),
      entry(ids.medication, r.medication, post(r.medication)),
      entry(ids.device, r.device, post(r.device)),
      entry(ids.procedure, r.procedure, post(r.procedure)),
      entry(ids.document, r.document, post(r.document)),
      entry(ids.report, r.report, post(r.report)),
      entry(ids.immunization, r.immunization, post(r.immunization)),
      entry(coverageFullUrl, r.coverage, { method: 'PUT', url: `Coverage/${memberId}` }),
      entry(ids.claim, r.claim, { method: 'PUT', url: `Claim/${claimId}` }),
      entry(ids.audit, r.audit, post(r.audit)),
    ],
  };
  p('mrn', 'Bundle.entry.fullUrl', primaryFullUrl);
  p('member-id', 'Bundle.entry.fullUrl', coverageFullUrl);
  return bundle;
}
