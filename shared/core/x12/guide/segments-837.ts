/**
 * The segments and loops both 837 TR3s use, as factories: NM1, N3, N4, REF, DTP, PER … with the
 * place-specific codes and usages as arguments. A guide file then reads like the TR3's table of
 * contents: one line per segment or loop.
 */
import {
  ADJUSTMENT_GROUP,
  an,
  BENEFITS_ASSIGNMENT,
  CLAIM_FILING,
  CONTRACT_TYPE,
  component,
  composite,
  D8,
  DRUG_ID_QUALIFIER,
  DRUG_UNIT,
  dt,
  INSURANCE_TYPE,
  id,
  loop,
  MANY,
  MEMBER_ID,
  n0,
  ORGANIZATION,
  PATIENT_RELATIONSHIP,
  PAYER_ID,
  PAYER_RESPONSIBILITY,
  PAYER_SECONDARY,
  PERSON_OR_ORGANIZATION,
  type Place,
  PRICING_METHODOLOGY,
  RELEASE_OF_INFORMATION,
  REPORT_TRANSMISSION,
  REPORT_TYPE,
  r,
  segment,
  tm,
  unused,
  unusedComponent,
} from './common.js';
import type { ElementDef, LoopDef, SegmentDef, Usage } from './model.js';

const onFirst = (values: readonly string[]) => ({ element: 1, values });

export interface Nm1Spec extends Place {
  readonly name: string;
  /** NM101 values; the loop's trigger matches on them. */
  readonly entity: readonly string[];
  /** NM102 values. */
  readonly entityType: readonly string[];
  /** NM103 (last or organization name); R unless the guide leaves it out (pay-to address, ambulance). */
  readonly last?: Usage;
  /** NM104, NM105, NM107 (first, middle, suffix): S for people, N for organizations. */
  readonly personal?: Usage;
  /** NM107 when it differs from NM104/NM105 (the submitter has no suffix). */
  readonly suffix?: Usage;
  /** NM108 qualifiers; absent when NM108/NM109 are not used. */
  readonly idQualifiers?: readonly string[];
  /** NM108/NM109 usage. */
  readonly idUsage?: Usage;
}

/** NM1 Individual or Organizational Name; matched on NM101. */
export const nm1 = (spec: Nm1Spec): SegmentDef => {
  const personal = spec.personal ?? (spec.entityType.includes('1') ? 'S' : 'N');
  const idUsage = spec.idQualifiers ? (spec.idUsage ?? 'R') : 'N';
  return segment(
    'NM1',
    spec.name,
    spec,
    [
      id('Entity Identifier Code', 2, 3, spec.entity),
      id('Entity Type Qualifier', 1, 1, spec.entityType),
      an('Last or Organization Name', 1, 60, spec.last ?? 'R'),
      an('First Name', 1, 35, personal),
      an('Middle Name or Initial', 1, 25, personal),
      unused('Name Prefix', 'AN', 1, 10),
      an('Name Suffix', 1, 10, spec.suffix ?? personal),
      id('Identification Code Qualifier', 1, 2, spec.idQualifiers, idUsage),
      an('Identification Code', 2, 80, idUsage),
      unused('Entity Relationship Code', 'ID', 2, 2),
      unused('Entity Identifier Code', 'ID', 2, 3),
      unused('Name Last or Organization Name', 'AN', 1, 60),
    ],
    onFirst(spec.entity),
  );
};

/** N3 Address Information. */
export const n3 = (name: string, place: Place = {}): SegmentDef =>
  segment('N3', name, place, [an('Address Information', 1, 55), an('Address Information', 1, 55, 'S')]);

/** N4 City, State, ZIP Code; state, postal code and country lists are external. */
export const n4 = (name: string, place: Place = {}): SegmentDef =>
  segment('N4', name, place, [
    an('City Name', 2, 30),
    id('State or Province Code', 2, 2, undefined, 'S'),
    id('Postal Code', 3, 15, undefined, 'S'),
    id('Country Code', 2, 3, undefined, 'S'),
    unused('Location Qualifier', 'ID', 1, 2),
    unused('Location Identifier', 'AN', 1, 30),
    id('Country Subdivision Code', 1, 3, undefined, 'S'),
  ]);

/** REF04 as the 2400/2420 loops use it: the other payer the reference belongs to (2U). */
const otherPayerReference = composite('Reference Identifier', 'S', [
  component('Reference Identification Qualifier', 'ID', 2, 3, 'R', ['2U']),
  component('Other Payer Primary Identifier', 'AN', 1, 50),
  unusedComponent('Reference Identification Qualifier', 'ID', 2, 3),
  unusedComponent('Reference Identification', 'AN', 1, 50),
  unusedComponent('Reference Identification Qualifier', 'ID', 2, 3),
  unusedComponent('Reference Identification', 'AN', 1, 50),
]);

export interface RefOptions extends Place {
  /** REF04 carries the other payer's id (line-level provider and authorization references). */
  readonly otherPayer?: boolean;
}

/** REF Reference Information; matched on REF01. */
export const ref = (name: string, qualifiers: readonly string[], options: RefOptions = {}): SegmentDef =>
  segment(
    'REF',
    name,
    { usage: options.usage ?? 'S', max: options.max ?? 1 },
    [
      id('Reference Identification Qualifier', 2, 3, qualifiers),
      an('Reference Identification', 1, 50),
      unused('Description', 'AN', 1, 80),
      options.otherPayer ? otherPayerReference : unused('Reference Identifier', 'AN', 1, 1),
    ],
    onFirst(qualifiers),
  );

/** DTP Date or Time or Period; matched on DTP01. DTP03 is AN 1-35 and follows DTP02's format. */
export const dtp = (
  name: string,
  qualifiers: readonly string[],
  formats: readonly string[] = D8,
  place: Place = { usage: 'S' },
): SegmentDef =>
  segment(
    'DTP',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    [
      id('Date Time Qualifier', 3, 3, qualifiers),
      id('Date Time Period Format Qualifier', 2, 3, formats),
      an('Date Time Period', 1, 35),
    ],
    onFirst(qualifiers),
  );

/** PER Administrative Communications Contact (IC); up to three number pairs. */
export const per = (
  name: string,
  place: Place,
  first: readonly string[],
  more: readonly string[],
  pairs: 2 | 3 = 3,
): SegmentDef =>
  segment(
    'PER',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    [
      id('Contact Function Code', 2, 2, ['IC']),
      an('Name', 1, 60, 'S'),
      id('Communication Number Qualifier', 2, 2, first),
      an('Communication Number', 1, 256),
      id('Communication Number Qualifier', 2, 2, more, 'S'),
      an('Communication Number', 1, 256, 'S'),
      id('Communication Number Qualifier', 2, 2, more, pairs === 3 ? 'S' : 'N'),
      an('Communication Number', 1, 256, pairs === 3 ? 'S' : 'N'),
      unused('Contact Inquiry Reference', 'AN', 1, 20),
    ],
    onFirst(['IC']),
  );

/** DMG Demographic Information: birth date (D8) and gender. */
export const dmg = (name: string, place: Place = { usage: 'S' }): SegmentDef =>
  segment('DMG', name, { usage: place.usage ?? 'S', max: 1 }, [
    id('Date Time Period Format Qualifier', 2, 3, D8),
    an('Birth Date', 1, 35),
    id('Gender Code', 1, 1, ['F', 'M', 'U']),
    unused('Marital Status Code', 'ID', 1, 1),
    unused('Composite Race or Ethnicity Information', 'AN', 1, 1),
    unused('Citizenship Status Code', 'ID', 1, 2),
    unused('Country Code', 'ID', 2, 3),
    unused('Basis of Verification Code', 'ID', 1, 2),
    unused('Quantity', 'R', 1, 15),
    unused('Code List Qualifier Code', 'ID', 1, 3),
    unused('Industry Code', 'AN', 1, 30),
  ]);

/** HL Hierarchical Level; the HL loops match on HL03. */
export const hl = (name: string, level: string, childCodes: readonly string[], parent: Usage): SegmentDef =>
  segment(
    'HL',
    name,
    {},
    [
      an('Hierarchical ID Number', 1, 12),
      an('Hierarchical Parent ID Number', 1, 12, parent),
      id('Hierarchical Level Code', 1, 2, [level]),
      id('Hierarchical Child Code', 1, 1, childCodes),
    ],
    { element: 3, values: [level] },
  );

/** PRV Provider Information with the taxonomy code (PXC). */
export const prv = (
  name: string,
  providerCodes: readonly string[],
  place: Place = { usage: 'S' },
): SegmentDef =>
  segment(
    'PRV',
    name,
    { usage: place.usage ?? 'S', max: 1 },
    [
      id('Provider Code', 1, 3, providerCodes),
      id('Reference Identification Qualifier', 2, 3, ['PXC']),
      an('Provider Taxonomy Code', 1, 50),
      unused('State or Province Code', 'ID', 2, 2),
      unused('Provider Specialty Information', 'AN', 1, 1),
      unused('Provider Organization Code', 'ID', 3, 3),
    ],
    onFirst(providerCodes),
  );

/** CUR Foreign Currency Information of the billing provider (currency codes are external). */
export const cur = (): SegmentDef =>
  segment('CUR', 'Foreign Currency Information', { usage: 'S' }, [
    id('Entity Identifier Code', 2, 3, ['85']),
    id('Currency Code', 3, 3),
  ]);

/** AMT Monetary Amount; matched on AMT01. */
export const amt = (name: string, qualifiers: readonly string[], place: Place = { usage: 'S' }): SegmentDef =>
  segment(
    'AMT',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    [
      id('Amount Qualifier Code', 1, 3, qualifiers),
      r('Monetary Amount', 1, 18),
      unused('Credit/Debit Flag Code', 'ID', 1, 1),
    ],
    onFirst(qualifiers),
  );

/** QTY Quantity; matched on QTY01. */
export const qty = (name: string, qualifiers: readonly string[], place: Place = { usage: 'S' }): SegmentDef =>
  segment(
    'QTY',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    [
      id('Quantity Qualifier', 2, 2, qualifiers),
      r('Quantity', 1, 15),
      unused('Composite Unit of Measure'),
      unused('Free-form Information', 'AN', 1, 30),
    ],
    onFirst(qualifiers),
  );

/** NTE Note/Special Instruction; matched on NTE01. */
export const nte = (name: string, codes: readonly string[], place: Place = { usage: 'S' }): SegmentDef =>
  segment(
    'NTE',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    [id('Note Reference Code', 3, 3, codes), an('Description', 1, 80)],
    onFirst(codes),
  );

/** K3 File Information. */
export const k3 = (): SegmentDef =>
  segment('K3', 'File Information', { usage: 'S', max: 10 }, [
    an('Fixed Format Information', 1, 80),
    unused('Record Format Code', 'ID', 1, 2),
    unused('Composite Unit of Measure'),
  ]);

/** CRC Conditions Indicator; matched on CRC01. `conditions` is how many of CRC03–CRC07 the guide uses. */
export const crc = (
  name: string,
  category: readonly string[],
  indicator: readonly string[],
  conditionCodes: readonly string[] | undefined,
  conditions: number,
  place: Place = { usage: 'S' },
): SegmentDef => {
  const condition = (n: number) =>
    id('Condition Indicator', 2, 3, conditionCodes, n === 0 ? 'R' : n < conditions ? 'S' : 'N');
  return segment(
    'CRC',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    [
      id('Code Category', 2, 2, category),
      id('Yes/No Condition or Response Code', 1, 1, indicator),
      ...[0, 1, 2, 3, 4].map(condition),
    ],
    onFirst(category),
  );
};

/** PWK Paperwork (claim and line supplemental information); matched on PWK02 so the DME PWK differs. */
export const pwkSupplemental = (name: string, place: Place = { usage: 'S', max: 10 }): SegmentDef =>
  segment(
    'PWK',
    name,
    place,
    [
      id('Attachment Report Type Code', 2, 2, REPORT_TYPE),
      id('Attachment Transmission Code', 1, 2, REPORT_TRANSMISSION),
      unused('Report Copies Needed', 'N0', 1, 2),
      unused('Entity Identifier Code', 'ID', 2, 3),
      id('Identification Code Qualifier', 1, 2, ['AC'], 'S'),
      an('Attachment Control Number', 2, 80, 'S'),
      unused('Description', 'AN', 1, 80),
      unused('Actions Indicated', 'AN', 1, 1),
      unused('Request Category Code', 'ID', 1, 2),
    ],
    { element: 2, values: REPORT_TRANSMISSION },
  );

/** CN1 Contract Information. */
export const cn1 = (name = 'Contract Information'): SegmentDef =>
  segment('CN1', name, { usage: 'S' }, [
    id('Contract Type Code', 2, 2, CONTRACT_TYPE),
    r('Contract Amount', 1, 18, 'S'),
    r('Contract Percentage', 1, 6, 'S'),
    an('Contract Code', 1, 50, 'S'),
    r('Terms Discount Percentage', 1, 6, 'S'),
    an('Contract Version Identifier', 1, 30, 'S'),
  ]);

/** CAS Claims Adjustment: a group code and up to six reason/amount/quantity triples. */
export const cas = (name: string, place: Place = { usage: 'S', max: 5 }): SegmentDef => {
  const triple = (first: boolean): ElementDef[] => [
    id('Claim Adjustment Reason Code', 1, 5, undefined, first ? 'R' : 'S'),
    r('Monetary Amount', 1, 18, first ? 'R' : 'S'),
    r('Quantity', 1, 15, 'S'),
  ];
  return segment('CAS', name, place, [
    id('Claim Adjustment Group Code', 1, 2, ADJUSTMENT_GROUP),
    ...triple(true),
    ...triple(false),
    ...triple(false),
    ...triple(false),
    ...triple(false),
    ...triple(false),
  ]);
};

/** OI Other Insurance Coverage Information; OI04 (patient signature source) is the 837P's. */
export const oi = (signatureSource: boolean): SegmentDef =>
  segment('OI', 'Other Insurance Coverage Information', {}, [
    unused('Claim Filing Indicator Code', 'ID', 1, 2),
    unused('Claim Submission Reason Code', 'ID', 2, 2),
    id('Benefits Assignment Certification Indicator', 1, 1, BENEFITS_ASSIGNMENT),
    id('Patient Signature Source Code', 1, 1, ['P'], signatureSource ? 'S' : 'N'),
    unused('Provider Agreement Code', 'ID', 1, 1),
    id('Release of Information Code', 1, 1, RELEASE_OF_INFORMATION),
  ]);

/** MOA Medicare Outpatient Adjudication (remark codes are external). */
export const moa = (): SegmentDef =>
  segment('MOA', 'Outpatient Adjudication Information', { usage: 'S' }, [
    r('Percentage as Decimal', 1, 10, 'S'),
    r('Monetary Amount', 1, 18, 'S'),
    an('Reference Identification', 1, 50, 'S'),
    an('Reference Identification', 1, 50, 'S'),
    an('Reference Identification', 1, 50, 'S'),
    an('Reference Identification', 1, 50, 'S'),
    an('Reference Identification', 1, 50, 'S'),
    r('Monetary Amount', 1, 18, 'S'),
    r('Monetary Amount', 1, 18, 'S'),
  ]);

export interface PricingSpec {
  /** HCP08: the repriced approved revenue code (837I). */
  readonly revenueCode: boolean;
  /** HCP09/HCP10: the repriced approved procedure, with HCP09's qualifiers (line level). */
  readonly procedureQualifiers?: readonly string[];
  /** HCP11/HCP12: the repriced approved units, with HCP11's codes. */
  readonly units?: readonly string[];
  /** HCP01 takes every methodology; only the 837P's claim-level HCP leaves out `06`. */
  readonly allMethodologies: boolean;
}

/** HCP Health Care Pricing (claim or line). */
export const hcp = (name: string, spec: PricingSpec): SegmentDef => {
  const procedureUsage: Usage = spec.procedureQualifiers ? 'S' : 'N';
  const unitUsage: Usage = spec.units ? 'S' : 'N';
  return segment('HCP', name, { usage: 'S' }, [
    id(
      'Pricing Methodology',
      2,
      2,
      spec.allMethodologies ? PRICING_METHODOLOGY : PRICING_METHODOLOGY.filter((c) => c !== '06'),
    ),
    r('Repriced Allowed Amount', 1, 18),
    r('Repriced Saving Amount', 1, 18, 'S'),
    an('Repricing Organization Identifier', 1, 50, 'S'),
    r('Repricing Per Diem or Flat Rate Amount', 1, 9, 'S'),
    an('Repriced Approved Ambulatory Patient Group Code', 1, 50, 'S'),
    r('Repriced Approved Ambulatory Patient Group Amount', 1, 18, 'S'),
    an('Repriced Approved Revenue Code', 1, 48, spec.revenueCode ? 'S' : 'N'),
    id('Product or Service ID Qualifier', 2, 2, spec.procedureQualifiers, procedureUsage),
    an('Repriced Approved Procedure Code', 1, 48, procedureUsage),
    id('Unit or Basis for Measurement Code', 2, 2, spec.units, unitUsage),
    r('Repriced Approved Service Unit Count', 1, 15, unitUsage),
    id('Reject Reason Code', 2, 2, ['T1', 'T2', 'T3', 'T4', 'T5', 'T6'], 'S'),
    id('Policy Compliance Code', 1, 2, ['1', '2', '3', '4', '5'], 'S'),
    id('Exception Code', 1, 2, ['1', '2', '3', '4', '5', '6'], 'S'),
  ]);
};

/** C003 Composite Medical Procedure Identifier: qualifier, code, four modifiers, description. */
export const procedure = (
  name: string,
  usage: Usage,
  qualifiers: readonly string[],
  description: Usage = 'S',
): ElementDef =>
  composite(name, usage, [
    component('Product or Service ID Qualifier', 'ID', 2, 2, 'R', qualifiers),
    component('Procedure Code', 'AN', 1, 48),
    component('Procedure Modifier', 'AN', 2, 2, 'S'),
    component('Procedure Modifier', 'AN', 2, 2, 'S'),
    component('Procedure Modifier', 'AN', 2, 2, 'S'),
    component('Procedure Modifier', 'AN', 2, 2, 'S'),
    component('Description', 'AN', 1, 80, description),
    unusedComponent('Product/Service ID', 'AN', 1, 48),
  ]);

/**
 * SVD Line Adjudication Information (2430). The 837P requires the procedure (SVD03) and leaves out
 * the revenue code (SVD04); the 837I requires the revenue code and makes the procedure situational.
 */
export const svd = (procedureQualifiers: readonly string[], institutional: boolean): SegmentDef =>
  segment('SVD', 'Line Adjudication Information', {}, [
    an('Other Payer Primary Identifier', 2, 80),
    r('Service Line Paid Amount', 1, 18),
    procedure('Composite Medical Procedure Identifier', institutional ? 'S' : 'R', procedureQualifiers),
    an('Service Line Revenue Code', 1, 48, institutional ? 'R' : 'N'),
    r('Paid Service Unit Count', 1, 15),
    n0('Bundled or Unbundled Line Number', 1, 6, 'S'),
  ]);

/** 2410 Drug Identification: LIN, CTP, REF VY/XZ. */
export const drugIdentification = (qualifiers: readonly string[] = DRUG_ID_QUALIFIER): LoopDef =>
  loop('2410', 'Drug Identification', { usage: 'S' }, [
    segment(
      'LIN',
      'Drug Identification',
      {},
      [
        unused('Assigned Identification', 'AN', 1, 20),
        id('Product or Service ID Qualifier', 2, 2, qualifiers),
        an('National Drug Code', 1, 48),
        ...Array.from({ length: 14 }, (): ElementDef[] => [
          unused('Product/Service ID Qualifier', 'ID', 2, 2),
          unused('Product/Service ID', 'AN', 1, 48),
        ]).flat(),
      ],
      { element: 2, values: qualifiers },
    ),
    segment('CTP', 'Drug Quantity', {}, [
      unused('Class of Trade Code', 'ID', 2, 2),
      unused('Price Identifier Code', 'ID', 3, 3),
      unused('Unit Price', 'R', 1, 17),
      r('National Drug Unit Count', 1, 15),
      composite('Composite Unit of Measure', 'R', [
        component('Unit or Basis for Measurement Code', 'ID', 2, 2, 'R', DRUG_UNIT),
        unusedComponent('Exponent', 'R', 1, 15),
        unusedComponent('Multiplier', 'R', 1, 10),
        unusedComponent('Unit or Basis for Measurement Code', 'ID', 2, 2),
        unusedComponent('Exponent', 'R', 1, 15),
        unusedComponent('Multiplier', 'R', 1, 10),
        unusedComponent('Unit or Basis for Measurement Code', 'ID', 2, 2),
        unusedComponent('Exponent', 'R', 1, 15),
        unusedComponent('Multiplier', 'R', 1, 10),
        unusedComponent('Unit or Basis for Measurement Code', 'ID', 2, 2),
        unusedComponent('Exponent', 'R', 1, 15),
        unusedComponent('Multiplier', 'R', 1, 10),
        unusedComponent('Unit or Basis for Measurement Code', 'ID', 2, 2),
        unusedComponent('Exponent', 'R', 1, 15),
        unusedComponent('Multiplier', 'R', 1, 10),
      ]),
      unused('Price Multiplier Qualifier', 'ID', 3, 3),
      unused('Multiplier', 'R', 1, 10),
      unused('Monetary Amount', 'R', 1, 18),
      unused('Basis of Unit Price Code', 'ID', 2, 2),
      unused('Condition Value', 'AN', 1, 10),
      unused('Multiple Price Quantity', 'N0', 1, 2),
    ]),
    ref('Prescription or Compound Drug Association Number', ['VY', 'XZ']),
  ]);

/** 2430 Line Adjudication Information: SVD, CAS, DTP 573, AMT EAF. */
export const lineAdjudication = (procedureQualifiers: readonly string[], institutional: boolean): LoopDef =>
  loop('2430', 'Line Adjudication Information', { usage: 'S', max: 15 }, [
    svd(procedureQualifiers, institutional),
    cas('Line Adjustment'),
    dtp('Line Check or Remittance Date', ['573'], D8, { usage: 'R' }),
    amt('Remaining Patient Liability', ['EAF']),
  ]);

/** 2330B Other Payer Name and its references. */
export const otherPayer = (): LoopDef =>
  loop('2330B', 'Other Payer Name', {}, [
    nm1({ name: 'Other Payer Name', entity: ['PR'], entityType: ORGANIZATION, idQualifiers: PAYER_ID }),
    n3('Other Payer Address', { usage: 'S' }),
    n4('Other Payer City, State, ZIP Code', { usage: 'S' }),
    dtp('Claim Check or Remittance Date', ['573']),
    ref('Other Payer Secondary Identifier', PAYER_SECONDARY, { max: 2 }),
    ref('Other Payer Prior Authorization Number', ['G1']),
    ref('Other Payer Referral Number', ['9F']),
    ref('Other Payer Claim Adjustment Indicator', ['T4']),
    ref('Other Payer Claim Control Number', ['F8']),
  ]);

/** 2330A Other Subscriber Name. */
export const otherSubscriber = (refMax = 1): LoopDef =>
  loop('2330A', 'Other Subscriber Name', {}, [
    nm1({
      name: 'Other Subscriber Name',
      entity: ['IL'],
      entityType: PERSON_OR_ORGANIZATION,
      idQualifiers: MEMBER_ID,
    }),
    n3('Other Subscriber Address', { usage: 'S' }),
    n4('Other Subscriber City, State, ZIP Code', { usage: 'S' }),
    ref('Other Subscriber Secondary Identification', ['SY'], { max: refMax }),
  ]);

/** 2330C–G: another payer's id for one of the claim's providers (NM1 with no name or NPI, then REF). */
export const otherPayerProvider = (
  loopId: string,
  name: string,
  entity: readonly string[],
  entityType: readonly string[],
  qualifiers: readonly string[],
  place: Place = { usage: 'S' },
  refMax = 3,
): LoopDef =>
  loop(loopId, name, place, [
    nm1({ name, entity, entityType, last: 'N', personal: 'N' }),
    ref(`${name} Secondary Identification`, qualifiers, { usage: 'R', max: refMax }),
  ]);

/** 2440 Form Identification Code: LQ and its FRM answers. */
export const formIdentification = (): LoopDef =>
  loop('2440', 'Form Identification Code', { usage: 'S', max: MANY }, [
    segment(
      'LQ',
      'Form Identification Code',
      {},
      [id('Code List Qualifier Code', 1, 3, ['AS', 'UT']), an('Form Identifier', 1, 30)],
      onFirst(['AS', 'UT']),
    ),
    segment('FRM', 'Supporting Documentation', { max: 99 }, [
      an('Question Number/Letter', 1, 20),
      id('Question Response', 1, 1, BENEFITS_ASSIGNMENT, 'S'),
      an('Question Response', 1, 50, 'S'),
      dt('Question Response', 8, 8, 'S'),
      r('Question Response', 1, 6, 'S'),
    ]),
  ]);

/** SBR Subscriber Information; the 2000B and 2320 forms differ in SBR02 and what is used. */
export const sbr = (
  name: string,
  relationship: readonly string[],
  relationshipUsage: Usage,
  insuranceType: Usage,
): SegmentDef =>
  segment('SBR', name, {}, [
    id('Payer Responsibility Sequence Number Code', 1, 1, PAYER_RESPONSIBILITY),
    id('Individual Relationship Code', 2, 2, relationship, relationshipUsage),
    an('Insured Group or Policy Number', 1, 50, 'S'),
    an('Group Name', 1, 60, 'S'),
    id('Insurance Type Code', 1, 3, INSURANCE_TYPE, insuranceType),
    unused('Coordination of Benefits Code', 'ID', 1, 1),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Employment Status Code', 'ID', 2, 2),
    id('Claim Filing Indicator Code', 1, 2, CLAIM_FILING, 'S'),
  ]);

/**
 * PAT Patient Information: in 2000B (837P only) death date, weight and pregnancy without PAT01;
 * in 2000C PAT01, with those details only in the 837P (`details`).
 */
export const pat = (name: string, relationshipUsage: Usage, place: Place, details = true): SegmentDef => {
  const detail: Usage = details ? 'S' : 'N';
  return segment('PAT', name, place, [
    id('Individual Relationship Code', 2, 2, PATIENT_RELATIONSHIP, relationshipUsage),
    unused('Patient Location Code', 'ID', 1, 1),
    unused('Employment Status Code', 'ID', 2, 2),
    unused('Student Status Code', 'ID', 1, 1),
    id('Date Time Period Format Qualifier', 2, 3, D8, detail),
    an('Patient Death Date', 1, 35, detail),
    id('Unit or Basis for Measurement Code', 2, 2, ['01'], detail),
    r('Patient Weight', 1, 10, detail),
    id('Pregnancy Indicator', 1, 1, ['Y'], detail),
  ]);
};

/** HEADER: BHT, 1000A Submitter Name, 1000B Receiver Name. `claimIdentifiers` is BHT06's list. */
export const header = (claimIdentifiers: readonly string[], submitterNumbers: readonly string[]): LoopDef =>
  loop('HEADER', 'Table 1 - Header', {}, [
    segment('BHT', 'Beginning of Hierarchical Transaction', {}, [
      id('Hierarchical Structure Code', 4, 4, ['0019']),
      id('Transaction Set Purpose Code', 2, 2, ['00', '18']),
      an('Originator Application Transaction Identifier', 1, 50),
      dt('Transaction Set Creation Date', 8, 8),
      tm('Transaction Set Creation Time', 4, 8),
      id('Claim or Encounter Identifier', 2, 2, claimIdentifiers),
    ]),
    loop('1000A', 'Submitter Name', {}, [
      nm1({
        name: 'Submitter Name',
        entity: ['41'],
        entityType: PERSON_OR_ORGANIZATION,
        suffix: 'N',
        idQualifiers: ['46'],
      }),
      // The extension (EX) may only follow a number, never lead.
      per(
        'Submitter EDI Contact Information',
        { usage: 'R', max: 2 },
        submitterNumbers,
        [...submitterNumbers, 'EX'].sort(),
      ),
    ]),
    loop('1000B', 'Receiver Name', {}, [
      nm1({ name: 'Receiver Name', entity: ['40'], entityType: ORGANIZATION, idQualifiers: ['46'] }),
    ]),
  ]);

/** What an HI composite carries besides its qualifier and code. */
export type HiShape = 'code' | 'poa' | 'date' | 'span' | 'amount';

/** C022 Health Care Code Information in the given shape. */
const healthCareCode = (usage: Usage, qualifiers: readonly string[], shape: HiShape): ElementDef => {
  const dated = shape === 'date' || shape === 'span';
  return composite('Health Care Code Information', usage, [
    component('Code List Qualifier Code', 'ID', 1, 3, 'R', qualifiers),
    component('Industry Code', 'AN', 1, 30),
    component(
      'Date Time Period Format Qualifier',
      'ID',
      2,
      3,
      dated ? 'R' : 'N',
      dated ? (shape === 'span' ? ['RD8'] : D8) : undefined,
    ),
    component('Date Time Period', 'AN', 1, 35, dated ? 'R' : 'N'),
    component('Monetary Amount', 'R', 1, 18, shape === 'amount' ? 'R' : 'N'),
    unusedComponent('Quantity', 'R', 1, 15),
    unusedComponent('Version Identifier', 'AN', 1, 30),
    unusedComponent('Industry Code', 'AN', 1, 30),
    component(
      'Present on Admission Indicator',
      'ID',
      1,
      1,
      shape === 'poa' ? 'S' : 'N',
      shape === 'poa' ? ['N', 'U', 'W', 'Y'] : undefined,
    ),
  ]);
};

/**
 * HI Health Care Information Codes: HI01 with `first` qualifiers, HI02 up to HI`count` with
 * `others`; matched on HI01-1, since every HI of a 2300 is told apart by its first qualifier.
 */
export const hiSegment = (
  name: string,
  place: Place,
  first: readonly string[],
  others: readonly string[],
  count: number,
  shape: HiShape,
): SegmentDef =>
  segment(
    'HI',
    name,
    { usage: place.usage ?? 'S', max: place.max ?? 1 },
    Array.from({ length: 12 }, (_, i) =>
      i === 0
        ? healthCareCode('R', first, shape)
        : i < count
          ? healthCareCode('S', others, shape)
          : unused('Health Care Code Information'),
    ),
    { element: 1, component: 1, values: first },
  );

/** CLM11 Related Causes Information (accident: auto, employment, other). */
export const relatedCauses = (): ElementDef =>
  composite('Related Causes Information', 'S', [
    component('Related Causes Code', 'ID', 2, 3, 'R', ['AA', 'EM', 'OA']),
    component('Related Causes Code', 'ID', 2, 3, 'S', ['AA', 'EM', 'OA']),
    unusedComponent('Related Causes Code', 'ID', 2, 3),
    component('State or Province Code', 'ID', 2, 2, 'S'),
    component('Country Code', 'ID', 2, 3, 'S'),
  ]);
