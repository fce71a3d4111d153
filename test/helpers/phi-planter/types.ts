export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** HIPAA Safe Harbor categories (45 CFR 164.514(b)(2)(i)) the canaries stand for. */
export type PlantedKind =
  | 'name'
  | 'street'
  | 'city'
  | 'district'
  | 'zip'
  | 'zip-restricted'
  | 'geo'
  | 'phone'
  | 'fax'
  | 'email'
  | 'url'
  | 'ip'
  | 'ssn'
  | 'mrn'
  | 'member-id'
  | 'account-number'
  | 'license'
  | 'vin'
  | 'license-plate'
  | 'device-id'
  | 'birth-date'
  | 'date'
  | 'free-text-date'
  | 'age-over-89'
  | 'birth-year-over-89'
  | 'photo'
  | 'biometric'
  | 'employer'
  | 'other-id';

/**
 * How the leak check searches for a value: `text` (the value and its kind's normal variants),
 * `date` (many renderings of a YYYY-MM-DD date), `year` (a birth year in dates or as a free word),
 * `zip3` (a postalCode starting with the value's first three digits), `age-quantity` (an age
 * Quantity or Range bound in years, or a `valueInteger`/`valueDecimal`, whose value is the planted number).
 */
export type MatchMode = 'text' | 'date' | 'year' | 'zip3' | 'age-quantity';

export interface Planted {
  value: string;
  kind: PlantedKind;
  /** Where the value was planted, as a FHIR path without indexes (`Patient._birthDate.extension.valueString`). */
  place: string;
  match?: MatchMode;
}

export interface PlantedPatient {
  /** The input resource id (itself an identifier: an MRN, an SSN). */
  id: string;
  fullUrl: string;
}

export interface PlantedBundle {
  seed: number;
  bundle: JsonObject;
  planted: Planted[];
  /** Clinical codes (`system|code`, one per occurrence) a de-identified copy is expected to keep. */
  keepCodes: string[];
  patients: { primary: PlantedPatient; elderly: PlantedPatient };
  /** The date the generator computed ages against; pass it to the engine as its reference date. */
  referenceDate: string;
}
