/**
 * Deterministic generator of FHIR R4 transaction Bundles with canary PHI planted in many kinds of
 * places. Every canary is a distinctive token (`Zqx…` words, unusual digit runs) so a leak check can
 * search for it without false hits, and every planted value is recorded with where it went.
 * All values are synthetic; the seed fully determines the output.
 */

import { plantAuditEvent } from './phi-planter/audit-event.js';
import { assembleBundle, type Resources } from './phi-planter/bundle.js';
import { drawCast } from './phi-planter/cast.js';
import { plantClaim } from './phi-planter/claim.js';
import { plantCondition, plantElderlyCondition } from './phi-planter/condition.js';
import { REFERENCE_DATE } from './phi-planter/constants.js';
import { newPlanter } from './phi-planter/context.js';
import { plantCoverage } from './phi-planter/coverage.js';
import { plantDevice } from './phi-planter/device.js';
import { plantDiagnosticReport } from './phi-planter/diagnostic-report.js';
import { plantDocumentReference } from './phi-planter/document-reference.js';
import { plantEncounter } from './phi-planter/encounter.js';
import { plantImmunization } from './phi-planter/immunization.js';
import { plantMedicationRequest } from './phi-planter/medication-request.js';
import { plantAgeObservation, plantSocialHistory, plantVitals } from './phi-planter/observation.js';
import { plantElderlyPatient, plantPatient } from './phi-planter/patient.js';
import { plantProcedure } from './phi-planter/procedure.js';
import { providerResources } from './phi-planter/providers.js';
import { plantRelatedPerson } from './phi-planter/related-person.js';
import type { PlantedBundle } from './phi-planter/types.js';

export { REFERENCE_DATE, RESTRICTED_ZIP3, SYSTEMS } from './phi-planter/constants.js';
export { dateRenderings, isoDate } from './phi-planter/dates.js';
export { bundleToNdjsonResources } from './phi-planter/ndjson.js';
export type {
  Json,
  JsonObject,
  MatchMode,
  Planted,
  PlantedBundle,
  PlantedKind,
  PlantedPatient,
} from './phi-planter/types.js';

/**
 * One Bundle for `seed`. The builders below share one random stream, so they run in this fixed order:
 * moving a call changes every value drawn after it.
 */
export function plantPhiBundle(seed: number): PlantedBundle {
  const w = newPlanter(seed);
  const cast = drawCast(w);
  // Object literal properties are evaluated in source order: this is the order the builders draw in.
  const resources: Resources = {
    patient: plantPatient(w, cast),
    elderlyPatient: plantElderlyPatient(w, cast),
    relatedPerson: plantRelatedPerson(w, cast),
    ...providerResources(w, cast),
    encounter: plantEncounter(w, cast),
    condition: plantCondition(w, cast),
    vitals: plantVitals(w, cast),
    social: plantSocialHistory(w, cast),
    elderlyCondition: plantElderlyCondition(w, cast),
    ageObservation: plantAgeObservation(w, cast),
    medication: plantMedicationRequest(w, cast),
    device: plantDevice(w, cast),
    procedure: plantProcedure(w, cast),
    document: plantDocumentReference(w, cast),
    report: plantDiagnosticReport(w, cast),
    immunization: plantImmunization(w, cast),
    coverage: plantCoverage(w, cast),
    claim: plantClaim(w, cast),
    audit: plantAuditEvent(w, cast),
  };
  const bundle = assembleBundle(w, cast, resources);

  return {
    seed,
    bundle,
    planted: w.planted,
    keepCodes: w.keepCodes,
    patients: {
      primary: { id: cast.mrn, fullUrl: cast.primaryFullUrl },
      elderly: { id: cast.elderlySsn, fullUrl: cast.elderlyFullUrl },
    },
    referenceDate: REFERENCE_DATE,
  };
}
