/**
 * The 005010X223A2 Health Care Claim: Institutional (837I) as data. X223A1 and X223A3 keep the
 * same loops, segments and code lists this guide checks, so one guide serves all three.
 */
import {
  an,
  BENEFITS_ASSIGNMENT,
  component,
  composite,
  D8,
  D8_RD8,
  id,
  loop,
  MANY,
  MEMBER_ID,
  NPI,
  n0,
  ORGANIZATION,
  PAYER_ID,
  PAYER_SECONDARY,
  PERSON,
  PERSON_OR_ORGANIZATION,
  RELATIONSHIP,
  RELEASE_OF_INFORMATION,
  r,
  segment,
  unused,
} from './common.js';
import { transactionSetLoop } from './envelope-guide.js';
import type { LoopDef, SegmentDef, TransactionGuide } from './model.js';
import {
  amt,
  cas,
  cn1,
  crc,
  cur,
  dmg,
  drugIdentification,
  dtp,
  hcp,
  header,
  hiSegment,
  hl,
  k3,
  lineAdjudication,
  moa,
  n3,
  n4,
  nm1,
  nte,
  oi,
  otherPayer,
  otherPayerProvider,
  otherSubscriber,
  pat,
  per,
  procedure,
  prv,
  pwkSupplemental,
  ref,
  sbr,
} from './segments-837.js';

/** Product or service id qualifiers of institutional procedures: HP (HIPPS) besides the 837P's. */
const PROCEDURE_QUALIFIER_I = ['ER', 'HC', 'HP', 'IV', 'WK'] as const;
/** Units of institutional service: days or units (SV204, HCP11). */
const INSTITUTIONAL_UNITS = ['DA', 'UN'] as const;
const PROVIDER_IDS = ['0B', '1G', 'G2', 'LU'] as const;
const REFERRING_IDS = ['0B', '1G', 'G2'] as const;

const claim = (): SegmentDef =>
  segment('CLM', 'Claim Information', {}, [
    an('Patient Control Number', 1, 38),
    r('Total Claim Charge Amount', 1, 18),
    unused('Claim Filing Indicator Code', 'ID', 1, 2),
    unused('Non-Institutional Claim Type Code', 'ID', 1, 2),
    composite('Health Care Service Location Information', 'R', [
      component('Facility Type Code', 'AN', 1, 2),
      component('Facility Code Qualifier', 'ID', 1, 2, 'R', ['A']),
      component('Claim Frequency Type Code', 'ID', 1, 1),
    ]),
    // Leniency: the TR3 marks CLM06 not used in the 837I, yet senders (every 837I sample in our
    // corpus) still send the 837P's signature indicator here; accepted, never required.
    id('Provider or Supplier Signature Indicator', 1, 1, ['N', 'Y'], 'S'),
    id('Assignment or Plan Participation Code', 1, 1, ['A', 'B', 'C']),
    id('Benefits Assignment Certification Indicator', 1, 1, BENEFITS_ASSIGNMENT),
    id('Release of Information Code', 1, 1, RELEASE_OF_INFORMATION),
    unused('Patient Signature Source Code', 'ID', 1, 1),
    unused('Related Causes Information'),
    unused('Special Program Code', 'ID', 2, 3),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Level of Service Code', 'ID', 1, 3),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Provider Agreement Code', 'ID', 1, 1),
    unused('Claim Status Code', 'ID', 1, 2),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Claim Submission Reason Code', 'ID', 2, 2),
    id('Delay Reason Code', 1, 2, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '15'], 'S'),
  ]);

/** CL1: admission type, source and patient status are NUBC lists (external). */
const institutionalClaimCode = (): SegmentDef =>
  segment('CL1', 'Institutional Claim Code', {}, [
    id('Admission Type Code', 1, 1, undefined, 'S'),
    id('Admission Source Code', 1, 1, undefined, 'S'),
    id('Patient Status Code', 1, 2),
    unused('Nursing Home Residential Status Code', 'ID', 1, 1),
  ]);

/** 2010AA–2010AC under 2000A. */
const billingProviderLoops = (): LoopDef[] => [
  loop('2010AA', 'Billing Provider Name', {}, [
    nm1({
      name: 'Billing Provider Name',
      entity: ['85'],
      entityType: ORGANIZATION,
      idQualifiers: NPI,
      idUsage: 'S',
    }),
    n3('Billing Provider Address'),
    n4('Billing Provider City, State, ZIP Code'),
    ref('Billing Provider Tax Identification', ['EI'], { usage: 'R' }),
    per(
      'Billing Provider Contact Information',
      { usage: 'S', max: 2 },
      ['EM', 'FX', 'TE'],
      ['EM', 'EX', 'FX', 'TE'],
    ),
  ]),
  loop('2010AB', 'Pay-to Address Name', { usage: 'S' }, [
    nm1({ name: 'Pay-to Address Name', entity: ['87'], entityType: ORGANIZATION, last: 'N', personal: 'N' }),
    n3('Pay-to Address'),
    n4('Pay-to Address City, State, ZIP Code'),
  ]),
  loop('2010AC', 'Pay-To Plan Name', { usage: 'S' }, [
    nm1({ name: 'Pay-To Plan Name', entity: ['PE'], entityType: ORGANIZATION, idQualifiers: PAYER_ID }),
    n3('Pay-to Plan Address'),
    n4('Pay-To Plan City, State, ZIP Code'),
    ref('Pay-to Plan Secondary Identification', ['2U', 'FY', 'NF']),
    ref('Pay-To Plan Tax Identification Number', ['EI'], { usage: 'R' }),
  ]),
];

/** 2010BA and 2010BB under 2000B. */
const subscriberLoops = (): LoopDef[] => [
  loop('2010BA', 'Subscriber Name', {}, [
    nm1({
      name: 'Subscriber Name',
      entity: ['IL'],
      entityType: PERSON_OR_ORGANIZATION,
      idQualifiers: MEMBER_ID,
      idUsage: 'S',
    }),
    n3('Subscriber Address', { usage: 'S' }),
    n4('Subscriber City, State, ZIP Code', { usage: 'S' }),
    dmg('Subscriber Demographic Information'),
    ref('Subscriber Secondary Identification', ['SY']),
    ref('Property and Casualty Claim Number', ['Y4']),
  ]),
  loop('2010BB', 'Payer Name', {}, [
    nm1({ name: 'Payer Name', entity: ['PR'], entityType: ORGANIZATION, idQualifiers: PAYER_ID }),
    n3('Payer Address', { usage: 'S' }),
    n4('Payer City, State, ZIP Code', { usage: 'S' }),
    ref('Payer Secondary Identification', PAYER_SECONDARY, { max: 3 }),
    ref('Billing Provider Secondary Identification', ['G2', 'LU']),
  ]),
];

/** 2010CA under 2000C. */
const patientName = (): LoopDef =>
  loop('2010CA', 'Patient Name', {}, [
    nm1({ name: 'Patient Name', entity: ['QC'], entityType: PERSON }),
    n3('Patient Address'),
    n4('Patient City, State, ZIP Code'),
    dmg('Patient Demographic Information', { usage: 'R' }),
    ref('Property and Casualty Claim Number', ['Y4']),
    ref('Property and Casualty Patient Identifier', ['1W', 'SY']),
  ]);

const personProvider = (
  loopId: string,
  name: string,
  entity: readonly string[],
  qualifiers: readonly string[],
  refMax: number,
  specialty?: readonly string[],
): LoopDef =>
  loop(loopId, name, { usage: 'S' }, [
    nm1({ name, entity, entityType: PERSON, idQualifiers: NPI, idUsage: 'S' }),
    ...(specialty ? [prv(`${name.replace(/ Name$/, '')} Specialty Information`, specialty)] : []),
    ref(`${name.replace(/ Name$/, '')} Secondary Identification`, qualifiers, {
      max: refMax,
      otherPayer: refMax === 20,
    }),
  ]);

/** 2310A–2310F. */
const claimProviders = (): LoopDef[] => [
  personProvider('2310A', 'Attending Provider Name', ['71'], PROVIDER_IDS, 4, ['AT']),
  personProvider('2310B', 'Operating Physician Name', ['72'], PROVIDER_IDS, 4),
  personProvider('2310C', 'Other Operating Physician Name', ['ZZ'], PROVIDER_IDS, 4),
  personProvider('2310D', 'Rendering Provider Name', ['82'], PROVIDER_IDS, 4),
  loop('2310E', 'Service Facility Location Name', { usage: 'S' }, [
    nm1({
      name: 'Service Facility Location Name',
      entity: ['77'],
      entityType: ORGANIZATION,
      idQualifiers: NPI,
      idUsage: 'S',
    }),
    n3('Service Facility Location Address'),
    n4('Service Facility Location City, State, ZIP Code'),
    ref('Service Facility Location Secondary Identification', ['0B', 'G2', 'LU'], { max: 3 }),
  ]),
  personProvider('2310F', 'Referring Provider Name', ['DN'], REFERRING_IDS, 3),
];

/** MIA Inpatient Adjudication Information (remark codes are external). */
const inpatientAdjudication = (): SegmentDef =>
  segment('MIA', 'Inpatient Adjudication Information', { usage: 'S' }, [
    r('Covered Days or Visits Count', 1, 15),
    unused('PPS Operating Outlier Amount', 'R', 1, 18),
    r('Lifetime Psychiatric Days Count', 1, 15, 'S'),
    r('Claim DRG Amount', 1, 18, 'S'),
    an('Claim Payment Remark Code', 1, 50, 'S'),
    ...[
      'Claim Disproportionate Share Amount',
      'Claim MSP Pass-through Amount',
      'Claim PPS Capital Amount',
      'PPS-Capital FSP DRG Amount',
      'PPS-Capital HSP DRG Amount',
      'PPS-Capital DSH DRG Amount',
      'Old Capital Amount',
      'PPS-Capital IME Amount',
      'PPS-Operating Hospital Specific DRG Amount',
    ].map((name) => r(name, 1, 18, 'S')),
    r('Cost Report Day Count', 1, 15, 'S'),
    r('PPS-Operating Federal Specific DRG Amount', 1, 18, 'S'),
    r('Claim PPS Capital Outlier Amount', 1, 18, 'S'),
    r('Claim Indirect Teaching Amount', 1, 18, 'S'),
    r('Non-Payable Professional Component Billed Amount', 1, 18, 'S'),
    an('Claim Payment Remark Code', 1, 50, 'S'),
    an('Claim Payment Remark Code', 1, 50, 'S'),
    an('Claim Payment Remark Code', 1, 50, 'S'),
    an('Claim Payment Remark Code', 1, 50, 'S'),
    r('PPS-Capital Exception Amount', 1, 18, 'S'),
  ]);

/** 2320 Other Subscriber Information with 2330A–2330I. */
const otherSubscriberInformation = (): LoopDef =>
  loop('2320', 'Other Subscriber Information', { usage: 'S', max: 10 }, [
    sbr('Other Subscriber Information', RELATIONSHIP, 'R', 'N'),
    cas('Claim Level Adjustments'),
    amt('Coordination of Benefits (COB) Payer Paid Amount', ['D']),
    amt('Remaining Patient Liability', ['EAF']),
    amt('Coordination of Benefits (COB) Total Non-Covered Amount', ['A8']),
    oi(false),
    inpatientAdjudication(),
    moa(),
    otherSubscriber(2),
    otherPayer(),
    otherPayerProvider(
      '2330C',
      'Other Payer Attending Provider',
      ['71'],
      PERSON,
      PROVIDER_IDS,
      { usage: 'S' },
      4,
    ),
    otherPayerProvider(
      '2330D',
      'Other Payer Operating Physician',
      ['72'],
      PERSON,
      PROVIDER_IDS,
      { usage: 'S' },
      4,
    ),
    otherPayerProvider(
      '2330E',
      'Other Payer Other Operating Physician',
      ['ZZ'],
      PERSON,
      PROVIDER_IDS,
      { usage: 'S' },
      4,
    ),
    otherPayerProvider('2330F', 'Other Payer Service Facility Location', ['77'], ORGANIZATION, [
      '0B',
      'G2',
      'LU',
    ]),
    otherPayerProvider(
      '2330G',
      'Other Payer Rendering Provider Name',
      ['82'],
      PERSON,
      PROVIDER_IDS,
      { usage: 'S' },
      4,
    ),
    otherPayerProvider('2330H', 'Other Payer Referring Provider', ['DN'], PERSON, REFERRING_IDS),
    otherPayerProvider(
      '2330I',
      'Other Payer Billing Provider',
      ['85'],
      ORGANIZATION,
      ['G2', 'LU'],
      { usage: 'S' },
      2,
    ),
  ]);

const institutionalService = (): SegmentDef =>
  segment('SV2', 'Institutional Service Line', {}, [
    an('Service Line Revenue Code', 1, 48),
    procedure('Composite Medical Procedure Identifier', 'S', PROCEDURE_QUALIFIER_I),
    r('Line Item Charge Amount', 1, 18),
    id('Unit or Basis for Measurement Code', 2, 2, INSTITUTIONAL_UNITS),
    r('Service Unit Count', 1, 15),
    unused('Unit Rate', 'R', 1, 10),
    r('Line Item Denied Charge or Non-Covered Charge Amount', 1, 18, 'S'),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Nursing Home Residential Status Code', 'ID', 1, 1),
    unused('Level of Care Code', 'ID', 1, 1),
  ]);

/** 2420A–2420D: line-level physicians; their REFs may name the other payer (REF04). */
const lineProviders = (): LoopDef[] => [
  personProvider('2420A', 'Operating Physician Name', ['72'], PROVIDER_IDS, 20),
  personProvider('2420B', 'Other Operating Physician Name', ['ZZ'], PROVIDER_IDS, 20),
  personProvider('2420C', 'Rendering Provider Name', ['82'], PROVIDER_IDS, 20),
  personProvider('2420D', 'Referring Provider Name', ['DN'], REFERRING_IDS, 20),
];

/** 2400 Service Line Number and its loops. */
const serviceLine = (): LoopDef =>
  loop('2400', 'Service Line Number', { max: 999 }, [
    segment('LX', 'Service Line Number', {}, [n0('Assigned Number', 1, 6)]),
    institutionalService(),
    pwkSupplemental('Line Supplemental Information'),
    dtp('Date - Service Date', ['472'], D8_RD8),
    ref('Line Item Control Number', ['6R']),
    ref('Repriced Line Item Reference Number', ['9B']),
    ref('Adjusted Repriced Line Item Reference Number', ['9D']),
    amt('Service Tax Amount', ['GT']),
    amt('Facility Tax Amount', ['N8']),
    nte('Third Party Organization Notes', ['TPO']),
    hcp('Line Pricing/Repricing Information', {
      allMethodologies: true,
      revenueCode: true,
      procedureQualifiers: PROCEDURE_QUALIFIER_I,
      units: INSTITUTIONAL_UNITS,
    }),
    drugIdentification(['N4']),
    ...lineProviders(),
    lineAdjudication(PROCEDURE_QUALIFIER_I, true),
  ]);

const claimReferences = (): SegmentDef[] => [
  ref('Service Authorization Exception Code', ['4N']),
  ref('Referral Number', ['9F']),
  ref('Prior Authorization', ['G1']),
  ref('Payer Claim Control Number', ['F8']),
  ref('Repriced Claim Number', ['9A']),
  ref('Adjusted Repriced Claim Number', ['9C']),
  ref('Investigational Device Exemption Number', ['LX'], { max: 5 }),
  ref('Claim Identifier For Transmission Intermediaries', ['D9']),
  ref('Auto Accident State', ['LU']),
  ref('Medical Record Number', ['EA']),
  ref('Demonstration Project Identifier', ['P4']),
  ref('Peer Review Organization (PRO) Approval Number', ['G4']),
];

/** The 2300 HI segments, each told apart by its HI01-1 qualifier. */
const claimCodes = (): SegmentDef[] => [
  hiSegment('Principal Diagnosis', { usage: 'R' }, ['ABK', 'BK'], [], 1, 'poa'),
  hiSegment('Admitting Diagnosis', {}, ['ABJ', 'BJ'], [], 1, 'code'),
  hiSegment("Patient's Reason For Visit", {}, ['APR', 'PR'], ['APR', 'PR'], 3, 'code'),
  hiSegment('External Cause of Injury', {}, ['ABN', 'BN'], ['ABN', 'BN'], 12, 'poa'),
  hiSegment('Diagnosis Related Group (DRG) Information', {}, ['DR'], [], 1, 'code'),
  hiSegment('Other Diagnosis Information', { max: 2 }, ['ABF', 'BF'], ['ABF', 'BF'], 12, 'poa'),
  hiSegment('Principal Procedure Information', {}, ['BBR', 'BR', 'CAH'], [], 1, 'date'),
  hiSegment('Other Procedure Information', { max: 2 }, ['BBQ', 'BQ'], ['BBQ', 'BQ'], 12, 'date'),
  hiSegment('Occurrence Span Information', { max: 2 }, ['BI'], ['BI'], 12, 'span'),
  hiSegment('Occurrence Information', { max: 2 }, ['BH'], ['BH'], 12, 'date'),
  hiSegment('Value Information', { max: 2 }, ['BE'], ['BE'], 12, 'amount'),
  hiSegment('Condition Information', { max: 2 }, ['BG'], ['BG'], 12, 'code'),
  hiSegment('Treatment Code Information', { max: 2 }, ['TC'], ['TC'], 12, 'code'),
];

/** 2300 Claim Information; the same loop sits under 2000B and 2000C. */
const claimInformation = (usage: 'R' | 'S'): LoopDef =>
  loop('2300', 'Claim Information', { usage, max: 100 }, [
    claim(),
    dtp('Discharge Hour', ['096'], ['TM']),
    // Leniency: the TR3 asks RD8 even for a one-day statement; D8 for that day is accepted.
    dtp('Statement Dates', ['434'], ['D8', 'RD8'], { usage: 'R' }),
    dtp('Admission Date/Hour', ['435'], ['D8', 'DT']),
    dtp('Date - Repricer Received Date', ['050'], D8),
    institutionalClaimCode(),
    pwkSupplemental('Claim Supplemental Information'),
    cn1(),
    amt('Patient Estimated Amount Due', ['F3']),
    ...claimReferences(),
    k3(),
    nte(
      'Claim Note',
      ['ALG', 'DCP', 'DGN', 'DME', 'MED', 'NTR', 'ODT', 'RHB', 'RLH', 'RNH', 'SET', 'SFM', 'SPT', 'UPI'],
      {
        usage: 'S',
        max: 10,
      },
    ),
    nte('Billing Note', ['ADD']),
    crc('EPSDT Referral', ['ZZ'], ['N', 'Y'], ['AV', 'NU', 'S2', 'ST'], 3),
    ...claimCodes(),
    hcp('Claim Pricing/Repricing Information', {
      allMethodologies: true,
      revenueCode: true,
      units: INSTITUTIONAL_UNITS,
    }),
    ...claimProviders(),
    otherSubscriberInformation(),
    serviceLine(),
  ]);

const body = (): LoopDef =>
  transactionSetLoop('837', [
    header(['31', 'CH', 'RP'], ['EM', 'FX', 'TE']),
    loop('2000A', 'Billing Provider Hierarchical Level', { max: MANY }, [
      hl('Billing Provider Hierarchical Level', '20', ['1'], 'N'),
      prv('Billing Provider Specialty Information', ['BI']),
      cur(),
      ...billingProviderLoops(),
      loop('2000B', 'Subscriber Hierarchical Level', { max: MANY }, [
        hl('Subscriber Hierarchical Level', '22', ['0', '1'], 'R'),
        sbr('Subscriber Information', ['18'], 'S', 'N'),
        ...subscriberLoops(),
        claimInformation('S'),
        loop('2000C', 'Patient Hierarchical Level', { usage: 'S', max: MANY }, [
          hl('Patient Hierarchical Level', '23', ['0'], 'R'),
          pat('Patient Information', 'R', {}, false),
          patientName(),
          claimInformation('R'),
        ]),
      ]),
    ]),
  ]);

/** The 837I guide for GS08 `005010X223A2` (and, with the same data, `005010X223A1` and `A3`). */
export const GUIDE_837I: TransactionGuide = {
  version: '005010X223A2',
  name: '837I',
  transactionSet: '837',
  functionalGroup: 'HC',
  body: body(),
};
