/**
 * The 005010X222A1 Health Care Claim: Professional (837P) as data. X222A2 (the 2012 errata) keeps
 * the same loops, segments and code lists this guide checks, so one guide serves both.
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
  PROCEDURE_QUALIFIER_P,
  RELATIONSHIP,
  RELEASE_OF_INFORMATION,
  r,
  segment,
  unused,
  unusedComponent,
  YES_NO,
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
  formIdentification,
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
  qty,
  ref,
  relatedCauses,
  sbr,
} from './segments-837.js';

/** Units of professional service: units or minutes (SV103, HCP11). */
const PROFESSIONAL_UNITS = ['MJ', 'UN'] as const;
/** Diagnosis code pointers (SV107) point at HI01–HI12. */
const POINTERS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'] as const;

const claim = (): SegmentDef =>
  segment('CLM', 'Claim Information', {}, [
    an('Patient Control Number', 1, 38),
    r('Total Claim Charge Amount', 1, 18),
    unused('Claim Filing Indicator Code', 'ID', 1, 2),
    unused('Non-Institutional Claim Type Code', 'ID', 1, 2),
    composite('Health Care Service Location Information', 'R', [
      component('Place of Service Code', 'AN', 1, 2),
      component('Facility Code Qualifier', 'ID', 1, 2, 'R', ['B']),
      component('Claim Frequency Type Code', 'ID', 1, 1),
    ]),
    id('Provider or Supplier Signature Indicator', 1, 1, YES_NO),
    id('Assignment or Plan Participation Code', 1, 1, ['A', 'B', 'C']),
    id('Benefits Assignment Certification Indicator', 1, 1, BENEFITS_ASSIGNMENT),
    id('Release of Information Code', 1, 1, RELEASE_OF_INFORMATION),
    id('Patient Signature Source Code', 1, 1, ['P'], 'S'),
    relatedCauses(),
    id('Special Program Indicator', 2, 3, ['02', '03', '05', '09'], 'S'),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Level of Service Code', 'ID', 1, 3),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Provider Agreement Code', 'ID', 1, 1),
    unused('Claim Status Code', 'ID', 1, 2),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    unused('Claim Submission Reason Code', 'ID', 2, 2),
    id('Delay Reason Code', 1, 2, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '15'], 'S'),
  ]);

const ambulanceTransport = (): SegmentDef =>
  segment('CR1', 'Ambulance Transport Information', { usage: 'S' }, [
    id('Unit or Basis for Measurement Code', 2, 2, ['LB'], 'S'),
    r('Patient Weight', 1, 10, 'S'),
    unused('Ambulance Transport Code', 'ID', 1, 1),
    id('Ambulance Transport Reason Code', 1, 1, ['A', 'B', 'C', 'D', 'E']),
    id('Unit or Basis for Measurement Code', 2, 2, ['DH']),
    r('Transport Distance', 1, 15),
    unused('Address Information', 'AN', 1, 55),
    unused('Address Information', 'AN', 1, 55),
    an('Round Trip Purpose Description', 1, 80, 'S'),
    an('Stretcher Purpose Description', 1, 80, 'S'),
  ]);

const spinalManipulation = (): SegmentDef =>
  segment('CR2', 'Spinal Manipulation Service Information', { usage: 'S' }, [
    unused('Count', 'N0', 1, 9),
    unused('Quantity', 'R', 1, 15),
    unused('Subluxation Level Code', 'ID', 2, 3),
    unused('Subluxation Level Code', 'ID', 2, 3),
    unused('Unit or Basis for Measurement Code', 'ID', 2, 2),
    unused('Quantity', 'R', 1, 15),
    unused('Quantity', 'R', 1, 15),
    id('Patient Condition Code', 1, 1, ['A', 'C', 'D', 'E', 'F', 'G', 'M']),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
    an('Patient Condition Description', 1, 80, 'S'),
    an('Patient Condition Description', 1, 80, 'S'),
    unused('Yes/No Condition or Response Code', 'ID', 1, 1),
  ]);

const AMBULANCE_CONDITIONS = ['01', '04', '05', '06', '07', '08', '09', '12'] as const;

/** 2010AA–2010AC under 2000A. */
const billingProviderLoops = (): LoopDef[] => [
  loop('2010AA', 'Billing Provider Name', {}, [
    nm1({
      name: 'Billing Provider Name',
      entity: ['85'],
      entityType: PERSON_OR_ORGANIZATION,
      idQualifiers: NPI,
      idUsage: 'S',
    }),
    n3('Billing Provider Address'),
    n4('Billing Provider City, State, ZIP Code'),
    ref('Billing Provider Tax Identification', ['EI', 'SY'], { usage: 'R' }),
    ref('Billing Provider UPIN/License Information', ['0B', '1G'], { max: 2 }),
    per(
      'Billing Provider Contact Information',
      { usage: 'S', max: 2 },
      ['EM', 'FX', 'TE'],
      ['EM', 'EX', 'FX', 'TE'],
    ),
  ]),
  loop('2010AB', 'Pay-to Address Name', { usage: 'S' }, [
    nm1({
      name: 'Pay-to Address Name',
      entity: ['87'],
      entityType: PERSON_OR_ORGANIZATION,
      last: 'N',
      personal: 'N',
    }),
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
    }),
    n3('Subscriber Address', { usage: 'S' }),
    n4('Subscriber City, State, ZIP Code', { usage: 'S' }),
    dmg('Subscriber Demographic Information'),
    ref('Subscriber Secondary Identification', ['SY']),
    ref('Property and Casualty Claim Number', ['Y4']),
    per('Property and Casualty Subscriber Contact Information', { usage: 'S' }, ['TE'], ['EX'], 2),
  ]),
  loop('2010BB', 'Payer Name', {}, [
    nm1({ name: 'Payer Name', entity: ['PR'], entityType: ORGANIZATION, idQualifiers: PAYER_ID }),
    n3('Payer Address', { usage: 'S' }),
    n4('Payer City, State, ZIP Code', { usage: 'S' }),
    ref('Payer Secondary Identification', PAYER_SECONDARY, { max: 3 }),
    ref('Billing Provider Secondary Identification', ['G2', 'LU'], { max: 2 }),
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
    per('Property and Casualty Patient Contact Information', { usage: 'S' }, ['TE'], ['EX'], 2),
  ]);

const ambulanceLocation = (loopId: string, name: string, entity: string): LoopDef =>
  loop(loopId, name, { usage: 'S' }, [
    nm1({ name, entity: [entity], entityType: ORGANIZATION, last: entity === '45' ? 'S' : 'N' }),
    n3(`${name} Address`),
    n4(`${name} City, State, ZIP Code`),
  ]);

/** 2310A–2310F. */
const claimProviders = (): LoopDef[] => [
  loop('2310A', 'Referring Provider Name', { usage: 'S', max: 2 }, [
    nm1({
      name: 'Referring Provider Name',
      entity: ['DN', 'P3'],
      entityType: PERSON,
      idQualifiers: NPI,
      idUsage: 'S',
    }),
    ref('Referring Provider Secondary Identification', ['0B', '1G', 'G2'], { max: 3 }),
  ]),
  loop('2310B', 'Rendering Provider Name', { usage: 'S' }, [
    nm1({
      name: 'Rendering Provider Name',
      entity: ['82'],
      entityType: PERSON_OR_ORGANIZATION,
      idQualifiers: NPI,
      idUsage: 'S',
    }),
    prv('Rendering Provider Specialty Information', ['PE']),
    ref('Rendering Provider Secondary Identification', ['0B', '1G', 'G2', 'LU'], { max: 4 }),
  ]),
  loop('2310C', 'Service Facility Location Name', { usage: 'S' }, [
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
    per('Service Facility Contact Information', { usage: 'S' }, ['TE'], ['EX'], 2),
  ]),
  loop('2310D', 'Supervising Provider Name', { usage: 'S' }, [
    nm1({
      name: 'Supervising Provider Name',
      entity: ['DQ'],
      entityType: PERSON,
      idQualifiers: NPI,
      idUsage: 'S',
    }),
    ref('Supervising Provider Secondary Identification', ['0B', '1G', 'G2', 'LU'], { max: 4 }),
  ]),
  ambulanceLocation('2310E', 'Ambulance Pick-up Location', 'PW'),
  ambulanceLocation('2310F', 'Ambulance Drop-off Location', '45'),
];

/** 2320 Other Subscriber Information with 2330A–2330G. */
const otherSubscriberInformation = (): LoopDef =>
  loop('2320', 'Other Subscriber Information', { usage: 'S', max: 10 }, [
    sbr('Other Subscriber Information', RELATIONSHIP, 'R', 'S'),
    cas('Claim Level Adjustments'),
    amt('Coordination of Benefits (COB) Payer Paid Amount', ['D']),
    amt('Coordination of Benefits (COB) Total Non-Covered Amount', ['A8']),
    amt('Remaining Patient Liability', ['EAF']),
    oi(true),
    moa(),
    otherSubscriber(),
    otherPayer(),
    otherPayerProvider('2330C', 'Other Payer Referring Provider', ['DN', 'P3'], PERSON, ['0B', '1G', 'G2'], {
      usage: 'S',
      max: 2,
    }),
    otherPayerProvider('2330D', 'Other Payer Rendering Provider', ['82'], PERSON_OR_ORGANIZATION, [
      '0B',
      '1G',
      'G2',
      'LU',
    ]),
    otherPayerProvider('2330E', 'Other Payer Service Facility Location', ['77'], ORGANIZATION, [
      '0B',
      'G2',
      'LU',
    ]),
    otherPayerProvider('2330F', 'Other Payer Supervising Provider', ['DQ'], PERSON, ['0B', '1G', 'G2', 'LU']),
    otherPayerProvider(
      '2330G',
      'Other Payer Billing Provider',
      ['85'],
      PERSON_OR_ORGANIZATION,
      ['G2', 'LU'],
      { usage: 'S' },
      2,
    ),
  ]);

const professionalService = (): SegmentDef =>
  segment('SV1', 'Professional Service', {}, [
    procedure('Composite Medical Procedure Identifier', 'R', PROCEDURE_QUALIFIER_P),
    r('Line Item Charge Amount', 1, 18),
    id('Unit or Basis for Measurement Code', 2, 2, PROFESSIONAL_UNITS),
    r('Service Unit Count', 1, 15),
    an('Place of Service Code', 1, 2, 'S'),
    unused('Service Type Code', 'ID', 1, 2),
    composite('Composite Diagnosis Code Pointer', 'R', [
      component('Diagnosis Code Pointer', 'N0', 1, 2, 'R', POINTERS),
      component('Diagnosis Code Pointer', 'N0', 1, 2, 'S', POINTERS),
      component('Diagnosis Code Pointer', 'N0', 1, 2, 'S', POINTERS),
      component('Diagnosis Code Pointer', 'N0', 1, 2, 'S', POINTERS),
    ]),
    unused('Monetary Amount', 'R', 1, 18),
    id('Emergency Indicator', 1, 1, ['Y'], 'S'),
    unused('Multiple Procedure Code', 'ID', 1, 2),
    id('EPSDT Indicator', 1, 1, ['Y'], 'S'),
    id('Family Planning Indicator', 1, 1, ['Y'], 'S'),
    unused('Review Code', 'ID', 1, 2),
    unused('National or Local Assigned Review Value', 'AN', 1, 2),
    id('Co-Pay Status Code', 1, 1, ['0'], 'S'),
    unused('Health Care Professional Shortage Area Code', 'ID', 1, 1),
    unused('Reference Identification', 'AN', 1, 50),
    unused('Postal Code', 'ID', 3, 15),
    unused('Monetary Amount', 'R', 1, 18),
    unused('Level of Care Code', 'ID', 1, 1),
    unused('Provider Agreement Code', 'ID', 1, 1),
  ]);

const dmeService = (): SegmentDef =>
  segment('SV5', 'Durable Medical Equipment Service', { usage: 'S' }, [
    composite('Composite Medical Procedure Identifier', 'R', [
      component('Product or Service ID Qualifier', 'ID', 2, 2, 'R', ['HC']),
      component('Procedure Code', 'AN', 1, 48),
      unusedComponent('Procedure Modifier', 'AN', 2, 2),
      unusedComponent('Procedure Modifier', 'AN', 2, 2),
      unusedComponent('Procedure Modifier', 'AN', 2, 2),
      unusedComponent('Procedure Modifier', 'AN', 2, 2),
      unusedComponent('Description', 'AN', 1, 80),
      unusedComponent('Product/Service ID', 'AN', 1, 48),
    ]),
    id('Unit or Basis for Measurement Code', 2, 2, ['DA']),
    r('Length of Medical Necessity', 1, 15),
    r('DME Rental Price', 1, 18),
    r('DME Purchase Price', 1, 18),
    id('Rental Unit Price Indicator', 1, 1, ['1', '4', '6']),
    unused('Prognosis Code', 'ID', 1, 1),
  ]);

const dmeCertificateIndicator = (): SegmentDef =>
  segment(
    'PWK',
    'Durable Medical Equipment Certificate of Medical Necessity Indicator',
    { usage: 'S' },
    [
      id('Attachment Report Type Code', 2, 2, ['CT']),
      id('Attachment Transmission Code', 1, 2, ['AB', 'AD', 'AF', 'AG', 'NS']),
      unused('Report Copies Needed', 'N0', 1, 2),
      unused('Entity Identifier Code', 'ID', 2, 3),
      unused('Identification Code Qualifier', 'ID', 1, 2),
      unused('Identification Code', 'AN', 2, 80),
      unused('Description', 'AN', 1, 80),
      unused('Actions Indicated', 'AN', 1, 1),
      unused('Request Category Code', 'ID', 1, 2),
    ],
    { element: 2, values: ['AB', 'AD', 'AF', 'AG', 'NS'] },
  );

const dmeCertification = (): SegmentDef =>
  segment('CR3', 'Durable Medical Equipment Certification', { usage: 'S' }, [
    id('Certification Type Code', 1, 1, ['I', 'R', 'S']),
    id('Unit or Basis for Measurement Code', 2, 2, ['MO']),
    r('Durable Medical Equipment Duration', 1, 15),
    unused('Insulin Dependent Code', 'ID', 1, 1),
    unused('Description', 'AN', 1, 80),
  ]);

const testResult = (): SegmentDef =>
  segment('MEA', 'Test Result', { usage: 'S', max: 5 }, [
    id('Measurement Reference Identification Code', 2, 2, ['OG', 'TR']),
    id('Measurement Qualifier', 1, 3, ['HT', 'R1', 'R2', 'R3', 'R4']),
    r('Test Results', 1, 20),
    unused('Composite Unit of Measure'),
    unused('Range Minimum', 'R', 1, 20),
    unused('Range Maximum', 'R', 1, 20),
    unused('Measurement Significance Code', 'ID', 2, 2),
    unused('Measurement Attribute Code', 'ID', 2, 2),
    unused('Surface/Layer/Position Code', 'ID', 2, 2),
    unused('Measurement Method or Device', 'ID', 2, 4),
    unused('Code List Qualifier Code', 'ID', 1, 3),
    unused('Industry Code', 'AN', 1, 30),
  ]);

const purchasedService = (): SegmentDef =>
  segment('PS1', 'Purchased Service Information', { usage: 'S' }, [
    an('Purchased Service Provider Identifier', 1, 50),
    r('Purchased Service Charge Amount', 1, 18),
    unused('State or Province Code', 'ID', 2, 2),
  ]);

const lineReferences = (): SegmentDef[] => [
  ref('Repriced Line Item Reference Number', ['9B']),
  ref('Adjusted Repriced Line Item Reference Number', ['9D']),
  ref('Prior Authorization', ['G1'], { max: 5, otherPayer: true }),
  ref('Line Item Control Number', ['6R']),
  ref('Mammography Certification Number', ['EW']),
  ref('Clinical Laboratory Improvement Amendment (CLIA) Number', ['X4']),
  ref('Referring Clinical Laboratory Improvement Amendment (CLIA) Facility Identification', ['F4']),
  ref('Immunization Batch Number', ['BT']),
  ref('Referral Number', ['9F'], { max: 5, otherPayer: true }),
];

/** 2420A–2420H: line-level providers and places; their REFs may name the other payer (REF04). */
const lineProviders = (): LoopDef[] => {
  const lineRef = (name: string, qualifiers: readonly string[], max = 20) =>
    ref(`${name} Secondary Identification`, qualifiers, { max, otherPayer: true });
  const lineAmbulance = (loopId: string, name: string, entity: string) =>
    loop(loopId, name, { usage: 'S' }, [
      nm1({ name, entity: [entity], entityType: ORGANIZATION, last: entity === '45' ? 'S' : 'N' }),
      n3(`${name} Address`),
      n4(`${name} City, State, ZIP Code`),
    ]);
  return [
    loop('2420A', 'Rendering Provider Name', { usage: 'S' }, [
      nm1({
        name: 'Rendering Provider Name',
        entity: ['82'],
        entityType: PERSON_OR_ORGANIZATION,
        idQualifiers: NPI,
        idUsage: 'S',
      }),
      prv('Rendering Provider Specialty Information', ['PE']),
      lineRef('Rendering Provider', ['0B', '1G', 'G2', 'LU']),
    ]),
    loop('2420B', 'Purchased Service Provider Name', { usage: 'S' }, [
      nm1({
        name: 'Purchased Service Provider Name',
        entity: ['QB'],
        entityType: PERSON_OR_ORGANIZATION,
        last: 'N',
        personal: 'N',
        idQualifiers: NPI,
        idUsage: 'S',
      }),
      lineRef('Purchased Service Provider', ['0B', '1G', 'G2']),
    ]),
    loop('2420C', 'Service Facility Location Name', { usage: 'S' }, [
      nm1({
        name: 'Service Facility Location Name',
        entity: ['77'],
        entityType: ORGANIZATION,
        idQualifiers: NPI,
        idUsage: 'S',
      }),
      n3('Service Facility Location Address'),
      n4('Service Facility Location City, State, ZIP Code'),
      lineRef('Service Facility Location', ['G2', 'LU'], 3),
    ]),
    loop('2420D', 'Supervising Provider Name', { usage: 'S' }, [
      nm1({
        name: 'Supervising Provider Name',
        entity: ['DQ'],
        entityType: PERSON,
        idQualifiers: NPI,
        idUsage: 'S',
      }),
      lineRef('Supervising Provider', ['0B', '1G', 'G2', 'LU']),
    ]),
    loop('2420E', 'Ordering Provider Name', { usage: 'S' }, [
      nm1({
        name: 'Ordering Provider Name',
        entity: ['DK'],
        entityType: PERSON,
        idQualifiers: NPI,
        idUsage: 'S',
      }),
      n3('Ordering Provider Address', { usage: 'S' }),
      n4('Ordering Provider City, State, ZIP Code', { usage: 'S' }),
      lineRef('Ordering Provider', ['0B', '1G', 'G2']),
      per(
        'Ordering Provider Contact Information',
        { usage: 'S' },
        ['EM', 'FX', 'TE'],
        ['EM', 'EX', 'FX', 'TE'],
      ),
    ]),
    loop('2420F', 'Referring Provider Name', { usage: 'S', max: 2 }, [
      nm1({
        name: 'Referring Provider Name',
        entity: ['DN', 'P3'],
        entityType: PERSON,
        idQualifiers: NPI,
        idUsage: 'S',
      }),
      lineRef('Referring Provider', ['0B', '1G', 'G2']),
    ]),
    lineAmbulance('2420G', 'Ambulance Pick-up Location', 'PW'),
    lineAmbulance('2420H', 'Ambulance Drop-off Location', '45'),
  ];
};

/** 2400 Service Line Number and its loops. */
const serviceLine = (): LoopDef =>
  loop('2400', 'Service Line Number', { max: 50 }, [
    segment('LX', 'Service Line Number', {}, [n0('Assigned Number', 1, 6)]),
    professionalService(),
    dmeService(),
    pwkSupplemental('Line Supplemental Information'),
    dmeCertificateIndicator(),
    ambulanceTransport(),
    dmeCertification(),
    crc('Ambulance Certification', ['07'], YES_NO, AMBULANCE_CONDITIONS, 5, { usage: 'S', max: 3 }),
    crc('Hospice Employee Indicator', ['70'], YES_NO, ['65'], 1),
    crc('Condition Indicator/Durable Medical Equipment', ['09'], YES_NO, ['38', 'ZV'], 2),
    dtp('Date - Service Date', ['472'], D8_RD8, { usage: 'R' }),
    dtp('Date - Prescription Date', ['471']),
    dtp('Date - Certification Revision/Recertification Date', ['607']),
    dtp('Date - Begin Therapy Date', ['463']),
    dtp('Date - Last Certification Date', ['461']),
    dtp('Date - Last Seen Date', ['304']),
    dtp('Date - Test Date', ['738', '739'], D8, { usage: 'S', max: 2 }),
    dtp('Date - Shipped Date', ['011']),
    dtp('Date - Last X-ray Date', ['455']),
    dtp('Date - Initial Treatment Date', ['454']),
    qty('Ambulance Patient Count', ['PT']),
    qty('Obstetric Anesthesia Additional Units', ['FL']),
    testResult(),
    cn1(),
    ...lineReferences(),
    amt('Sales Tax Amount', ['T']),
    amt('Postage Claimed Amount', ['F4']),
    k3(),
    nte('Line Note', ['ADD', 'DCP']),
    nte('Third Party Organization Notes', ['TPO']),
    purchasedService(),
    hcp('Line Pricing/Repricing Information', {
      allMethodologies: true,
      revenueCode: false,
      procedureQualifiers: PROCEDURE_QUALIFIER_P,
      units: PROFESSIONAL_UNITS,
    }),
    drugIdentification(),
    ...lineProviders(),
    lineAdjudication(PROCEDURE_QUALIFIER_P, false),
    formIdentification(),
  ]);

const claimDates = (): SegmentDef[] => [
  dtp('Date - Onset of Current Illness or Symptom', ['431']),
  dtp('Date - Initial Treatment Date', ['454']),
  dtp('Date - Last Seen Date', ['304']),
  dtp('Date - Acute Manifestation', ['453']),
  dtp('Date - Accident', ['439']),
  dtp('Date - Last Menstrual Period', ['484']),
  dtp('Date - Last X-ray Date', ['455']),
  dtp('Date - Hearing and Vision Prescription Date', ['471']),
  dtp('Date - Disability Dates', ['314', '360', '361'], D8_RD8),
  dtp('Date - Last Worked', ['297']),
  dtp('Date - Authorized Return to Work', ['296']),
  dtp('Date - Admission', ['435']),
  dtp('Date - Discharge', ['096']),
  dtp('Date - Assumed and Relinquished Care Dates', ['090', '091'], D8, { usage: 'S', max: 2 }),
  dtp('Date - Property and Casualty Date of First Contact', ['444']),
  dtp('Date - Repricer Received Date', ['050']),
];

const claimReferences = (): SegmentDef[] => [
  ref('Service Authorization Exception Code', ['4N']),
  ref('Mandatory Medicare (Section 4081) Crossover Indicator', ['F5']),
  ref('Mammography Certification Number', ['EW']),
  ref('Referral Number', ['9F']),
  ref('Prior Authorization', ['G1']),
  ref('Payer Claim Control Number', ['F8']),
  ref('Clinical Laboratory Improvement Amendment (CLIA) Number', ['X4']),
  ref('Repriced Claim Number', ['9A']),
  ref('Adjusted Repriced Claim Number', ['9C']),
  ref('Investigational Device Exemption Number', ['LX']),
  ref('Claim Identifier For Transmission Intermediaries', ['D9']),
  ref('Medical Record Number', ['EA']),
  ref('Demonstration Project Identifier', ['P4']),
  ref('Care Plan Oversight', ['1J']),
];

/** 2300 Claim Information; the same loop sits under 2000B and 2000C. */
const claimInformation = (usage: 'R' | 'S'): LoopDef =>
  loop('2300', 'Claim Information', { usage, max: 100 }, [
    claim(),
    ...claimDates(),
    pwkSupplemental('Claim Supplemental Information'),
    cn1(),
    amt('Patient Amount Paid', ['F5']),
    ...claimReferences(),
    k3(),
    nte('Claim Note', ['ADD', 'CER', 'DCP', 'DGN', 'TPO']),
    ambulanceTransport(),
    spinalManipulation(),
    crc('Ambulance Certification', ['07'], YES_NO, AMBULANCE_CONDITIONS, 5, { usage: 'S', max: 3 }),
    crc(
      'Patient Condition Information: Vision',
      ['E1', 'E2', 'E3'],
      YES_NO,
      ['L1', 'L2', 'L3', 'L4', 'L5'],
      5,
      {
        usage: 'S',
        max: 3,
      },
    ),
    crc('Homebound Indicator', ['75'], ['Y'], ['IH'], 1),
    crc('EPSDT Referral', ['ZZ'], YES_NO, ['AV', 'NU', 'S2', 'ST'], 3),
    hiSegment('Health Care Diagnosis Code', { usage: 'R' }, ['ABK', 'BK'], ['ABF', 'BF'], 12, 'code'),
    hiSegment('Anesthesia Related Procedure', { usage: 'S' }, ['BP'], ['BO'], 2, 'code'),
    hiSegment('Condition Information', { usage: 'S', max: 2 }, ['BG'], ['BG'], 12, 'code'),
    hcp('Claim Pricing/Repricing Information', { allMethodologies: false, revenueCode: false }),
    ...claimProviders(),
    otherSubscriberInformation(),
    serviceLine(),
  ]);

const body = (): LoopDef =>
  transactionSetLoop('837', [
    header(['CH', 'RP'], ['ED', 'EM', 'FX', 'TE']),
    loop('2000A', 'Billing Provider Hierarchical Level', { max: MANY }, [
      hl('Billing Provider Hierarchical Level', '20', ['1'], 'N'),
      prv('Billing Provider Specialty Information', ['BI']),
      cur(),
      ...billingProviderLoops(),
      loop('2000B', 'Subscriber Hierarchical Level', { max: MANY }, [
        hl('Subscriber Hierarchical Level', '22', ['0', '1'], 'R'),
        sbr('Subscriber Information', ['18'], 'S', 'S'),
        pat('Patient Information', 'N', { usage: 'S' }),
        ...subscriberLoops(),
        claimInformation('S'),
        loop('2000C', 'Patient Hierarchical Level', { usage: 'S', max: MANY }, [
          hl('Patient Hierarchical Level', '23', ['0'], 'R'),
          pat('Patient Information', 'R', {}),
          patientName(),
          claimInformation('R'),
        ]),
      ]),
    ]),
  ]);

/** The 837P guide for GS08 `005010X222A1` (and, with the same data, `005010X222A2`). */
export const GUIDE_837P: TransactionGuide = {
  version: '005010X222A1',
  name: '837P',
  transactionSet: '837',
  functionalGroup: 'HC',
  body: body(),
};
