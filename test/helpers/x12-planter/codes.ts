/**
 * Real clinical codes, written the way 837s carry them (ICD-10 without the dot). A de-identified copy
 * must keep every one of them.
 */

/** ICD-10-CM diagnoses. */
export const ICD10_CM = [
  'E119',
  'I10',
  'J069',
  'M545',
  'R0789',
  'K219',
  'F329',
  'N390',
  'E785',
  'J45909',
  'S52501A',
  'R51',
  'Z23',
  'I4891',
  'J189',
  'K3580',
  'S0990XA',
  'R1031',
] as const;

/** ICD-10-CM external causes (837I ABN). */
export const ICD10_EXTERNAL = ['V4352XA', 'W010XXA', 'W1830XA', 'V0300XA'] as const;

/** ICD-10-PCS procedures (837I BBR/BBQ). */
export const ICD10_PCS = [
  '0DTJ4ZZ',
  '0FT44ZZ',
  '10E0XZZ',
  '5A1955Z',
  '3E0234Z',
  '0SRD0JZ',
  '02HV33Z',
] as const;

/** Office, diagnostic and therapy services (CPT). */
export const CPT_PROFESSIONAL = [
  '99213',
  '99214',
  '99203',
  '93000',
  '80053',
  '36415',
  '71046',
  '97110',
  '90471',
  '96372',
  '20610',
  '85025',
] as const;

/** Ambulance HCPCS: the transport and its mileage. */
export const HCPCS_AMBULANCE = ['A0427', 'A0429', 'A0433'] as const;
export const HCPCS_AMBULANCE_MILEAGE = 'A0425';

/** Drugs billed by HCPCS with their NDC (11 digits, 5-4-2 without dashes). */
export const DRUGS = [
  { hcpcs: 'J1885', ndc: '00409379601', unit: 'ML' },
  { hcpcs: 'J3301', ndc: '00003029305', unit: 'ML' },
  { hcpcs: 'J1100', ndc: '63323050601', unit: 'ML' },
  { hcpcs: 'J0696', ndc: '00409733201', unit: 'UN' },
  { hcpcs: 'J2405', ndc: '00781301495', unit: 'ML' },
] as const;

/** Institutional lines: revenue code, and the HCPCS it is billed with (none for room and board). */
export const REVENUE_LINES = [
  { revenue: '0450', hcpcs: '99284' },
  { revenue: '0300', hcpcs: '80053' },
  { revenue: '0320', hcpcs: '71046' },
  { revenue: '0730', hcpcs: '93005' },
  { revenue: '0305', hcpcs: '85025' },
  { revenue: '0360', hcpcs: '44970' },
  { revenue: '0250', hcpcs: undefined },
  { revenue: '0120', hcpcs: undefined },
] as const;
export const REVENUE_DRUG = '0636';

/** Occurrence codes (837I BH) and occurrence span codes (BI), value codes (BE), condition codes (BG). */
export const OCCURRENCE_CODES = ['11', '01', '24', '05', '31'] as const;
export const OCCURRENCE_SPAN_CODES = ['70', '74', '72'] as const;
export const CONDITION_CODES = ['09', '17', '39', '40'] as const;

/** Provider taxonomy codes (PRV03). */
export const TAXONOMIES = ['207Q00000X', '208D00000X', '282N00000X', '3416L0300X', '207R00000X'] as const;
