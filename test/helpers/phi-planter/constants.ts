export const REFERENCE_DATE = '2025-01-01';

export const SYSTEMS = {
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  icd10: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  ucum: 'http://unitsofmeasure.org',
  ssn: 'http://hl7.org/fhir/sid/us-ssn',
  v2_0203: 'http://terminology.hl7.org/CodeSystem/v2-0203',
} as const;

/** A hospital's local code system: its displays are whatever the site wrote. */
export const LOCAL_CODES = 'http://hospital.zqx.example.org/fhir/CodeSystem/local';

/** Three-digit ZIP prefixes restricted in all of the 2000, 2010 and 2020 census lists (notes/deid.md §d). */
export const RESTRICTED_ZIP3 = [
  '036',
  '059',
  '102',
  '203',
  '556',
  '692',
  '821',
  '823',
  '878',
  '879',
  '884',
  '893',
];
/**
 * Prefixes only the 2000-census list restricts (HHS guidance): Safe Harbor must still zero them, since
 * its default is the union of the census lists.
 */
export const CENSUS_2000_ONLY_ZIP3 = ['063', '790', '830', '831', '890'];
/** Populous prefixes that are in none of the restricted lists. */
export const OPEN_ZIP3 = ['021', '100', '303', '606', '750', '941', '981', '191', '441', '553'];
