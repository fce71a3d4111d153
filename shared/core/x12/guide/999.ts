/**
 * The 005010X231A1 Implementation Acknowledgment (999) as data, so the reader that checks 837s can
 * read back the 999s the pipeline writes (and partners' 999s) with the same code. Written from the
 * TR3's segment table; element sizes from the X12 005010 data element dictionary.
 */
import { code, composite, el, loop, MANY, part, segment, transactionSet } from '../ack/guide-parts.js';
import type { SegmentDef, TransactionGuide } from './model.js';

/** AK201: the transaction sets a 999 acknowledges under the HIPAA guides. */
const ACKNOWLEDGED_SETS = ['270', '271', '276', '277', '278', '820', '834', '835', '837'];
/** AK101: functional identifier codes of those sets' groups. */
const FUNCTIONAL_IDS = ['BE', 'HB', 'HC', 'HI', 'HN', 'HP', 'HR', 'HS', 'RA'];
/** IK304 (620): segment syntax errors; `I4`–`I9` the implementation ones. */
const SEGMENT_ERRORS = ['1', '2', '3', '4', '5', '6', '7', '8', 'I4', 'I6', 'I7', 'I8', 'I9'];
/** IK403 (621): element syntax errors. */
const ELEMENT_ERRORS = [
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '10',
  '11',
  '12',
  '13',
  'I10',
  'I11',
  'I12',
  'I13',
  'I6',
  'I9',
];
/** IK502–IK506 (618): transaction set errors. */
const SET_ERRORS = [
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '10',
  '11',
  '12',
  '13',
  '15',
  '16',
  '17',
  '18',
  '19',
  '23',
  '24',
  '25',
  '26',
  '27',
  'I5',
  'I6',
];
/** AK905–AK909 (716): functional group errors. */
const GROUP_ERRORS = [
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '10',
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '23',
  '24',
  '25',
  '26',
];

const positionInSegment = (usage: 'R' | 'S') =>
  composite('Position in Segment', usage, [
    part('Element Position in Segment', 'N0', 1, 2),
    part('Component Data Element Position in Composite', 'N0', 1, 2, 'S'),
    part('Repeating Data Element Position', 'N0', 1, 4, 'S'),
  ]);

/**
 * CTX Segment or Element Context. The 999 gives it twice (situational trigger, business unit
 * identifier) at the same place; one definition takes both: the trigger's segment id and position
 * are situational here because the business-unit form leaves them out.
 */
const context = (name: string): SegmentDef =>
  segment('CTX', name, 'S', 10, [
    composite('Context Identification', 'R', [
      part('Context Name', 'AN', 1, 35),
      part('Context Reference', 'AN', 1, 35, 'S'),
    ]),
    el('Segment ID Code', 'ID', 2, 3, 'S'),
    el('Segment Position in Transaction Set', 'N0', 1, 10, 'S'),
    el('Loop Identifier Code', 'AN', 1, 6, 'S'),
    positionInSegment('S'),
    composite('Reference in Segment', 'S', [
      part('Data Element Reference Number', 'N0', 1, 4),
      part('Data Element Reference Number', 'N0', 1, 4, 'N'),
    ]),
  ]);

const body = () =>
  transactionSet('999', '005010X231A1', [
    loop('HEADER', 'Table 1 - Header', 'R', 1, [
      segment('AK1', 'Functional Group Response Header', 'R', 1, [
        code('Functional Identifier Code', 2, 2, FUNCTIONAL_IDS),
        el('Group Control Number', 'N0', 1, 9),
        el('Version / Release / Industry Identifier Code', 'AN', 1, 12),
      ]),
      loop('2000', 'Transaction Set Response Header', 'S', MANY, [
        segment('AK2', 'Transaction Set Response Header', 'R', 1, [
          code('Transaction Set Identifier Code', 3, 3, ACKNOWLEDGED_SETS),
          el('Transaction Set Control Number', 'AN', 4, 9),
          el('Implementation Convention Reference', 'AN', 1, 35, 'S'),
        ]),
        loop('2100', 'Error Identification', 'S', MANY, [
          segment('IK3', 'Error Identification', 'R', 1, [
            el('Segment ID Code', 'ID', 2, 3),
            el('Segment Position in Transaction Set', 'N0', 1, 10),
            el('Loop Identifier Code', 'AN', 1, 6, 'S'),
            code('Implementation Segment Syntax Error Code', 1, 3, SEGMENT_ERRORS, 'S'),
          ]),
          context('Segment Context'),
          loop('2110', 'Implementation Data Element Note', 'S', MANY, [
            segment('IK4', 'Implementation Data Element Note', 'R', 1, [
              positionInSegment('R'),
              el('Data Element Reference Number', 'N0', 1, 4, 'S'),
              code('Implementation Data Element Syntax Error Code', 1, 3, ELEMENT_ERRORS),
              el('Copy of Bad Data Element', 'AN', 1, 99, 'S'),
            ]),
            context('Element Context'),
          ]),
        ]),
        segment('IK5', 'Transaction Set Response Trailer', 'R', 1, [
          code('Transaction Set Acknowledgment Code', 1, 1, ['A', 'E', 'M', 'R', 'W', 'X']),
          ...[2, 3, 4, 5, 6].map(() =>
            code('Implementation Transaction Set Syntax Error Code', 1, 3, SET_ERRORS, 'S'),
          ),
        ]),
      ]),
      segment('AK9', 'Functional Group Response Trailer', 'R', 1, [
        code('Functional Group Acknowledge Code', 1, 1, ['A', 'E', 'M', 'P', 'R', 'W', 'X']),
        el('Number of Transaction Sets Included', 'N0', 1, 6),
        el('Number of Received Transaction Sets', 'N0', 1, 6),
        el('Number of Accepted Transaction Sets', 'N0', 1, 6),
        ...[5, 6, 7, 8, 9].map(() => code('Functional Group Syntax Error Code', 1, 3, GROUP_ERRORS, 'S')),
      ]),
    ]),
  ]);

/** The 999 guide for GS08/ST03 `005010X231A1`. */
export const GUIDE_999: TransactionGuide = {
  version: '005010X231A1',
  name: '999',
  transactionSet: '999',
  functionalGroup: 'FA',
  body: body(),
};
