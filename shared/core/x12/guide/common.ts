/**
 * Building blocks of every guide: element, component, segment and loop constructors, and the code
 * lists the 837 TR3s give. The segments themselves are made in segments-837.ts.
 */
import type { ComponentDef, ElementDef, LoopDef, SegmentDef, Usage, X12DataType } from './model.js';

/** `>1` in the TR3. */
export const MANY = Number.POSITIVE_INFINITY;

// ---------------------------------------------------------------------------------------------
// Elements and components
// ---------------------------------------------------------------------------------------------

type Codes = readonly string[] | undefined;

export const element = (
  name: string,
  usage: Usage,
  type: X12DataType,
  min: number,
  max: number,
  codes?: Codes,
): ElementDef =>
  // A not-used element carries no code list: there is nothing to check but that it is empty.
  codes && usage !== 'N' ? { name, usage, type, min, max, codes } : { name, usage, type, min, max };

/** Alphanumeric string. */
export const an = (name: string, min: number, max: number, usage: Usage = 'R'): ElementDef =>
  element(name, usage, 'AN', min, max);
/** Identifier; `codes` is the guide's list, absent for external lists (states, ICD, CPT …). */
export const id = (name: string, min: number, max: number, codes?: Codes, usage: Usage = 'R'): ElementDef =>
  element(name, usage, 'ID', min, max, codes);
/** Decimal number (amounts, quantities, percentages). */
export const r = (name: string, min: number, max: number, usage: Usage = 'R'): ElementDef =>
  element(name, usage, 'R', min, max);
/** Integer. */
export const n0 = (name: string, min: number, max: number, usage: Usage = 'R'): ElementDef =>
  element(name, usage, 'N0', min, max);
export const dt = (name: string, min: number, max: number, usage: Usage = 'R'): ElementDef =>
  element(name, usage, 'DT', min, max);
export const tm = (name: string, min: number, max: number, usage: Usage = 'R'): ElementDef =>
  element(name, usage, 'TM', min, max);
/** An element the guide marks Not Used: it must be empty. */
export const unused = (name: string, type: X12DataType = 'AN', min = 1, max = 1): ElementDef =>
  element(name, 'N', type, min, max);

export const component = (
  name: string,
  type: X12DataType,
  min: number,
  max: number,
  usage: Usage = 'R',
  codes?: Codes,
): ComponentDef =>
  codes && usage !== 'N' ? { name, usage, type, min, max, codes } : { name, usage, type, min, max };
export const unusedComponent = (name: string, type: X12DataType = 'AN', min = 1, max = 1): ComponentDef =>
  component(name, type, min, max, 'N');

/**
 * A composite element. Its own `type`/`min`/`max` describe the whole as text (AN, 1 to the sum of
 * its components and their separators); readers check the components.
 */
export const composite = (name: string, usage: Usage, components: readonly ComponentDef[]): ElementDef => ({
  name,
  usage,
  type: 'AN',
  min: 1,
  max: components.reduce((sum, c) => sum + c.max, 0) + components.length - 1,
  components,
});

// ---------------------------------------------------------------------------------------------
// Segments and loops
// ---------------------------------------------------------------------------------------------

export interface Place {
  readonly usage?: 'R' | 'S';
  readonly max?: number;
}

export const segment = (
  id: string,
  name: string,
  place: Place,
  elements: readonly ElementDef[],
  match?: SegmentDef['match'],
): SegmentDef => {
  const base = {
    kind: 'segment' as const,
    id,
    name,
    usage: place.usage ?? 'R',
    max: place.max ?? 1,
    elements,
  };
  return match ? { ...base, match } : base;
};

export const loop = (
  id: string,
  name: string,
  place: Place,
  children: readonly (SegmentDef | LoopDef)[],
): LoopDef => ({ kind: 'loop', id, name, usage: place.usage ?? 'R', max: place.max ?? 1, children });

// ---------------------------------------------------------------------------------------------
// Code lists the guides give (never external lists such as ICD, CPT, states or places of service)
// ---------------------------------------------------------------------------------------------

/** Entity type qualifier: 1 person, 2 non-person entity. */
export const PERSON = ['1'] as const;
export const ORGANIZATION = ['2'] as const;
export const PERSON_OR_ORGANIZATION = ['1', '2'] as const;

/** NM108 for providers: the NPI. */
export const NPI = ['XX'] as const;
/** NM108 for payers: payer id or CMS national plan id. */
export const PAYER_ID = ['PI', 'XV'] as const;
/** NM108 for subscribers: member id or standard unique health identifier. */
export const MEMBER_ID = ['II', 'MI'] as const;

/** Date format qualifiers. */
export const D8 = ['D8'] as const;
export const D8_RD8 = ['D8', 'RD8'] as const;

/** Payer responsibility sequence (SBR01). */
export const PAYER_RESPONSIBILITY = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'P', 'S', 'T', 'U'] as const;
/** Individual relationship codes of the other subscriber (2320 SBR02). */
export const RELATIONSHIP = ['01', '18', '19', '20', '21', '39', '40', '53', 'G8'] as const;
/** The patient's relationship to the subscriber (2000C PAT01). */
export const PATIENT_RELATIONSHIP = ['01', '19', '20', '21', '39', '40', '53', 'G8'] as const;
/** Insurance type code (SBR05), for Medicare secondary payers. */
export const INSURANCE_TYPE = ['12', '13', '14', '15', '16', '41', '42', '43', '47'] as const;
/** Claim filing indicator (SBR09). */
export const CLAIM_FILING = [
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  'AM',
  'BL',
  'CH',
  'CI',
  'DS',
  'FI',
  'HM',
  'LM',
  'MA',
  'MB',
  'MC',
  'OF',
  'TV',
  'VA',
  'WC',
  'ZZ',
] as const;
/** Provider or supplier signature, benefits assignment, release of information. */
export const YES_NO = ['N', 'Y'] as const;
export const BENEFITS_ASSIGNMENT = ['N', 'W', 'Y'] as const;
export const RELEASE_OF_INFORMATION = ['I', 'Y'] as const;
/** Claim adjustment group code (CAS01). */
export const ADJUSTMENT_GROUP = ['CO', 'CR', 'OA', 'PI', 'PR'] as const;
/** Product or service id qualifiers of procedure codes (SV101-1, SVD03-1, HCP09). */
export const PROCEDURE_QUALIFIER_P = ['ER', 'HC', 'IV', 'WK'] as const;
/** Attachment report type codes (PWK01). */
export const REPORT_TYPE = [
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  '09',
  '10',
  '11',
  '13',
  '15',
  '21',
  'A3',
  'A4',
  'AM',
  'AS',
  'B2',
  'B3',
  'B4',
  'BR',
  'BS',
  'BT',
  'CB',
  'CK',
  'CT',
  'D2',
  'DA',
  'DB',
  'DG',
  'DJ',
  'DS',
  'EB',
  'HC',
  'HR',
  'I5',
  'IR',
  'LA',
  'M1',
  'MT',
  'NN',
  'OB',
  'OC',
  'OD',
  'OE',
  'OX',
  'OZ',
  'P4',
  'P5',
  'PE',
  'PN',
  'PO',
  'PQ',
  'PY',
  'PZ',
  'RB',
  'RR',
  'RT',
  'RX',
  'SG',
  'V5',
  'XP',
] as const;
/** Attachment transmission codes (PWK02) of supplemental information. */
export const REPORT_TRANSMISSION = ['AA', 'BM', 'EL', 'EM', 'FT', 'FX'] as const;
/** Pricing methodology (HCP01). */
export const PRICING_METHODOLOGY = [
  '00',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  '09',
  '10',
  '11',
  '12',
  '13',
  '14',
] as const;
/** Contract type code (CN101). */
export const CONTRACT_TYPE = ['01', '02', '03', '04', '05', '06', '09'] as const;
/** Drug identification qualifiers (LIN02) and drug units (CTP05-1). */
export const DRUG_ID_QUALIFIER = ['EN', 'EO', 'HI', 'N4', 'ON', 'UK', 'UP'] as const;
export const DRUG_UNIT = ['F2', 'GR', 'ME', 'ML', 'UN'] as const;
/** Provider secondary id qualifiers: state license, Blue Shield, commercial, location number. */
export const PROVIDER_SECONDARY = ['0B', '1G', 'G2', 'LU'] as const;
/** Payer secondary id qualifiers: payer id, EIN, NAIC, claim office number. */
export const PAYER_SECONDARY = ['2U', 'EI', 'FY', 'NF'] as const;
