/**
 * The 005010X214 Health Care Claim Acknowledgment (277CA) as data, so the reader can read back the
 * 277CAs the pipeline writes (and partners' own). Written from the TR3's segment table: information
 * source (2000A, HL 20), receiver (2000B, HL 21), billing provider (2000C, HL 19), patient (2000D,
 * HL PT) with the claim status (2200D) and, where sent, service line status (2220D).
 */
import {
  code,
  composite,
  el,
  loop,
  MANY,
  part,
  segment,
  transactionSet,
  unused,
} from '../ack/guide-parts.js';
import type { ElementDef, SegmentDef, TransactionGuide } from './model.js';

const on = (element: number, values: readonly string[]) => ({ element, values });

const hl = (
  name: string,
  level: string,
  parent: 'R' | 'N',
  child: readonly string[] | undefined,
): SegmentDef =>
  segment(
    'HL',
    name,
    'R',
    1,
    [
      el('Hierarchical ID Number', 'AN', 1, 12),
      parent === 'R'
        ? el('Hierarchical Parent ID Number', 'AN', 1, 12)
        : unused('Hierarchical Parent ID Number'),
      code('Hierarchical Level Code', 1, 2, [level]),
      child === undefined
        ? unused('Hierarchical Child Code', 'ID')
        : code('Hierarchical Child Code', 1, 1, child),
    ],
    on(3, [level]),
  );

interface NameSpec {
  readonly entity: readonly string[];
  readonly type: readonly string[];
  readonly qualifiers: readonly string[];
  /** Whether first, middle, prefix and suffix may be sent (a person may be named). */
  readonly person: boolean;
}

const nm1 = (name: string, spec: NameSpec): SegmentDef =>
  segment(
    'NM1',
    name,
    'R',
    1,
    [
      code('Entity Identifier Code', 2, 3, spec.entity),
      code('Entity Type Qualifier', 1, 1, spec.type),
      el('Last or Organization Name', 'AN', 1, 60),
      spec.person ? el('First Name', 'AN', 1, 35, 'S') : unused('First Name'),
      spec.person ? el('Middle Name', 'AN', 1, 25, 'S') : unused('Middle Name'),
      spec.person ? el('Name Prefix', 'AN', 1, 10, 'S') : unused('Name Prefix'),
      spec.person ? el('Name Suffix', 'AN', 1, 10, 'S') : unused('Name Suffix'),
      code('Identification Code Qualifier', 1, 2, spec.qualifiers),
      el('Identification Code', 'AN', 2, 80),
    ],
    on(1, spec.entity),
  );

const trn = (name: string, type: string, usage: 'R' | 'S' = 'R'): SegmentDef =>
  segment(
    'TRN',
    name,
    usage,
    1,
    [code('Trace Type Code', 1, 2, [type]), el('Reference Identification', 'AN', 1, 50)],
    on(1, [type]),
  );

const claimStatus = (usage: 'R' | 'S') =>
  composite('Health Care Claim Status', usage, [
    part('Health Care Claim Status Category Code', 'AN', 1, 30),
    part('Health Care Claim Status Code', 'AN', 1, 30),
    part('Entity Identifier Code', 'ID', 2, 3, 'S'),
    part('Code List Qualifier Code', 'ID', 1, 3, 'N'),
  ]);

/** STC: the status composite, its date, the action code, the charges, and two more statuses. */
const stc = (name: string, usage: 'R' | 'S', max: number, dated: boolean, charged: boolean): SegmentDef =>
  segment('STC', name, usage, max, [
    claimStatus('R'),
    dated
      ? el('Status Information Effective Date', 'DT', 8, 8)
      : unused('Status Information Effective Date', 'DT'),
    code('Action Code', 1, 2, ['U', 'WQ']),
    charged ? el('Total Submitted Charges', 'R', 1, 18) : unused('Monetary Amount', 'R'),
    unused('Monetary Amount', 'R'),
    unused('Date', 'DT'),
    unused('Payment Method Code', 'ID'),
    unused('Date', 'DT'),
    unused('Check Number'),
    claimStatus('S'),
    claimStatus('S'),
    el('Free-form Message Text', 'AN', 1, 264, 'S'),
  ]);

const qty = (name: string, qualifier: string): SegmentDef =>
  segment(
    'QTY',
    name,
    'S',
    1,
    [code('Quantity Qualifier', 2, 2, [qualifier]), el('Quantity', 'R', 1, 15)],
    on(1, [qualifier]),
  );

const amt = (name: string, qualifier: string): SegmentDef =>
  segment(
    'AMT',
    name,
    'S',
    1,
    [code('Amount Qualifier Code', 1, 3, [qualifier]), el('Monetary Amount', 'R', 1, 18)],
    on(1, [qualifier]),
  );

const ref = (name: string, qualifiers: readonly string[]): SegmentDef =>
  segment(
    'REF',
    name,
    'S',
    1,
    [
      code('Reference Identification Qualifier', 2, 3, qualifiers),
      el('Reference Identification', 'AN', 1, 50),
    ],
    on(1, qualifiers),
  );

const dtp = (name: string, qualifier: string, usage: 'R' | 'S', formats: readonly string[]): SegmentDef => {
  const value: ElementDef =
    formats.length === 1 ? el('Date', 'DT', 8, 8) : el('Date Time Period', 'AN', 1, 35);
  return segment(
    'DTP',
    name,
    usage,
    1,
    [
      code('Date Time Qualifier', 3, 3, [qualifier]),
      code('Date Time Period Format Qualifier', 2, 3, formats),
      value,
    ],
    on(1, [qualifier]),
  );
};

const serviceLine = () =>
  loop('2220D', 'Service Line Information', 'S', MANY, [
    segment('SVC', 'Service Line Information', 'R', 1, [
      composite('Composite Medical Procedure Identifier', 'R', [
        part('Product or Service ID Qualifier', 'ID', 2, 2, 'R', ['AD', 'ER', 'HC', 'HP', 'IV', 'NU', 'WK']),
        part('Procedure Code', 'AN', 1, 48),
        part('Procedure Modifier', 'AN', 2, 2, 'S'),
        part('Procedure Modifier', 'AN', 2, 2, 'S'),
        part('Procedure Modifier', 'AN', 2, 2, 'S'),
        part('Procedure Modifier', 'AN', 2, 2, 'S'),
        part('Description', 'AN', 1, 80, 'N'),
      ]),
      el('Line Item Charge Amount', 'R', 1, 18),
      unused('Line Item Provider Payment Amount', 'R'),
      el('Revenue Code', 'AN', 1, 48, 'S'),
      unused('Quantity', 'R'),
      unused('Composite Medical Procedure Identifier'),
      el('Original Units of Service Count', 'R', 1, 15, 'S'),
    ]),
    stc('Service Line Level Status Information', 'R', MANY, true, false),
    ref('Service Line Item Identification', ['FJ']),
    ref('Pharmacy Prescription Number', ['XZ']),
    dtp('Service Line Date', '472', 'S', ['D8', 'RD8']),
  ]);

const patient = () =>
  loop('2000D', 'Patient Level', 'R', MANY, [
    hl('Patient Level', 'PT', 'R', undefined),
    loop('2100D', 'Patient Name', 'R', 1, [
      nm1('Patient Name', { entity: ['QC'], type: ['1'], qualifiers: ['II', 'MI'], person: true }),
    ]),
    loop('2200D', 'Claim Status Tracking Number', 'S', MANY, [
      trn('Claim Status Tracking Number', '2'),
      stc('Claim Level Status Information', 'R', MANY, true, true),
      ref('Payer Claim Control Number', ['1K']),
      ref('Clearinghouse Trace Number', ['D9']),
      ref('Institutional Bill Type Identification', ['BLT']),
      dtp('Claim Level Service Date', '472', 'R', ['D8', 'RD8']),
      serviceLine(),
    ]),
  ]);

const billingProvider = () =>
  loop('2000C', 'Billing Provider of Service Level', 'R', MANY, [
    hl('Billing Provider of Service Level', '19', 'R', ['1']),
    loop('2100C', 'Billing Provider Name', 'R', 1, [
      nm1('Billing Provider Name', {
        entity: ['85'],
        type: ['1', '2'],
        qualifiers: ['FI', 'SV', 'XX'],
        person: true,
      }),
    ]),
    loop('2200C', 'Provider of Service Information Trace Identifier', 'S', 1, [
      trn('Provider of Service Information Trace Identifier', '1'),
      stc('Billing Provider Status Information', 'S', MANY, false, true),
      ref('Provider Secondary Identifier', ['0B', '1G', 'G2', 'LU', 'SY', 'TJ']),
      qty('Total Accepted Quantity', 'QA'),
      qty('Total Rejected Quantity', 'QC'),
      amt('Total Accepted Amount', 'YU'),
      amt('Total Rejected Amount', 'YY'),
    ]),
    patient(),
  ]);

const receiver = () =>
  loop('2000B', 'Information Receiver Level', 'R', MANY, [
    hl('Information Receiver Level', '21', 'R', ['0', '1']),
    loop('2100B', 'Information Receiver Name', 'R', 1, [
      nm1('Information Receiver Name', {
        entity: ['41'],
        type: ['1', '2'],
        qualifiers: ['46'],
        person: true,
      }),
    ]),
    loop('2200B', 'Information Receiver Trace Identifier', 'R', 1, [
      trn('Information Receiver Trace Identifier', '2'),
      stc('Information Receiver Status Information', 'R', MANY, true, true),
      qty('Total Accepted Quantity', '90'),
      qty('Total Rejected Quantity', 'AA'),
      amt('Total Accepted Amount', 'YU'),
      amt('Total Rejected Amount', 'YY'),
    ]),
    billingProvider(),
  ]);

const body = () =>
  transactionSet('277', '005010X214', [
    loop('HEADER', 'Table 1 - Header', 'R', 1, [
      segment('BHT', 'Beginning of Hierarchical Transaction', 'R', 1, [
        code('Hierarchical Structure Code', 4, 4, ['0085']),
        code('Transaction Set Purpose Code', 2, 2, ['08']),
        el('Originator Application Transaction Identifier', 'AN', 1, 50),
        el('Transaction Set Creation Date', 'DT', 8, 8),
        el('Transaction Set Creation Time', 'TM', 4, 8),
        code('Transaction Type Code', 2, 2, ['TH']),
      ]),
    ]),
    loop('2000A', 'Information Source Level', 'R', MANY, [
      hl('Information Source Level', '20', 'N', ['1']),
      loop('2100A', 'Information Source Name', 'R', 1, [
        nm1('Information Source Name', {
          entity: ['AY', 'PR'],
          type: ['2'],
          qualifiers: ['46', 'FI', 'PI', 'XV'],
          person: false,
        }),
      ]),
      loop('2200A', 'Transmission Receipt Control Identifier', 'R', MANY, [
        trn('Transmission Receipt Control Identifier', '1'),
        dtp('Information Source Receipt Date', '050', 'R', ['D8']),
        dtp('Information Source Process Date', '009', 'R', ['D8']),
      ]),
      receiver(),
    ]),
  ]);

/** The 277CA guide for GS08/ST03 `005010X214`. */
export const GUIDE_277CA: TransactionGuide = {
  version: '005010X214',
  name: '277CA',
  transactionSet: '277',
  functionalGroup: 'HN',
  body: body(),
};
