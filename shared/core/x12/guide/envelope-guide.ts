/**
 * The 00501 envelope as data: ISA/IEA, GS/GE and ST/SE in the same shape as the guides, so one
 * reader checks envelope and content alike. Control numbers, counts and their agreement (IEA02 =
 * ISA13, SE01 = segment count …) are rules between segments, left to the reader.
 */
import { an, dt, id, loop, MANY, n0, segment, tm } from './common.js';
import type { LoopDef, SegmentDef, TransactionGuide } from './model.js';

const INTERCHANGE_ID_QUALIFIERS = ['01', '14', '20', '27', '28', '29', '30', '33', 'ZZ'] as const;

/** ISA Interchange Control Header: fixed-length elements, the delimiters live in it. */
export const ISA_SEGMENT: SegmentDef = segment('ISA', 'Interchange Control Header', {}, [
  id('Authorization Information Qualifier', 2, 2, ['00', '03']),
  an('Authorization Information', 10, 10),
  id('Security Information Qualifier', 2, 2, ['00', '01']),
  an('Security Information', 10, 10),
  id('Interchange ID Qualifier', 2, 2, INTERCHANGE_ID_QUALIFIERS),
  an('Interchange Sender ID', 15, 15),
  id('Interchange ID Qualifier', 2, 2, INTERCHANGE_ID_QUALIFIERS),
  an('Interchange Receiver ID', 15, 15),
  dt('Interchange Date', 6, 6),
  tm('Interchange Time', 4, 4),
  // 00501 made ISA11 the repetition separator: one character, not a code.
  an('Repetition Separator', 1, 1),
  id('Interchange Control Version Number', 5, 5, ['00501']),
  n0('Interchange Control Number', 9, 9),
  id('Acknowledgment Requested', 1, 1, ['0', '1']),
  id('Interchange Usage Indicator', 1, 1, ['P', 'T']),
  an('Component Element Separator', 1, 1),
]);

/** IEA Interchange Control Trailer. */
export const IEA_SEGMENT: SegmentDef = segment('IEA', 'Interchange Control Trailer', {}, [
  n0('Number of Included Functional Groups', 1, 5),
  n0('Interchange Control Number', 9, 9),
]);

/** GS Functional Group Header for a functional identifier (`HC` claims, `FA` 999, `HN` 277CA). */
export const functionalGroupHeader = (functionalGroup: string): SegmentDef =>
  segment('GS', 'Functional Group Header', {}, [
    id('Functional Identifier Code', 2, 2, [functionalGroup]),
    an("Application Sender's Code", 2, 15),
    an("Application Receiver's Code", 2, 15),
    dt('Date', 8, 8),
    tm('Time', 4, 8),
    n0('Group Control Number', 1, 9),
    id('Responsible Agency Code', 1, 2, ['X']),
    // GS08 names the guide; guideFor() decides which versions are accepted.
    an('Version / Release / Industry Identifier Code', 1, 12),
  ]);

/** GS for health care claims. */
export const GS_837_SEGMENT: SegmentDef = functionalGroupHeader('HC');

/** GE Functional Group Trailer. */
export const GE_SEGMENT: SegmentDef = segment('GE', 'Functional Group Trailer', {}, [
  n0('Number of Transaction Sets Included', 1, 6),
  n0('Group Control Number', 1, 9),
]);

/** ST Transaction Set Header for a transaction set identifier (`837`, `999`, `277`). */
export const transactionSetHeader = (transactionSet: string): SegmentDef =>
  segment('ST', 'Transaction Set Header', {}, [
    id('Transaction Set Identifier Code', 3, 3, [transactionSet]),
    an('Transaction Set Control Number', 4, 9),
    // ST03 names the guide, as GS08 does; the reader compares the two.
    an('Implementation Convention Reference', 1, 35),
  ]);

/** SE Transaction Set Trailer. */
export const SE_SEGMENT: SegmentDef = segment('SE', 'Transaction Set Trailer', {}, [
  n0('Number of Included Segments', 1, 10),
  an('Transaction Set Control Number', 4, 9),
]);

/** The ST loop of a guide: ST, the guide's loops, SE. */
export const transactionSetLoop = (
  transactionSet: string,
  children: readonly (SegmentDef | LoopDef)[],
): LoopDef =>
  loop('ST', 'Transaction Set Header', {}, [transactionSetHeader(transactionSet), ...children, SE_SEGMENT]);

/**
 * A whole interchange of one guide's transaction sets: ISA, then groups (GS, sets, GE), then IEA.
 * Loop ids are `ISA`, `GS` and `ST`, as PlacedSegment.loop names them.
 */
export const interchangeFor = (guide: TransactionGuide): LoopDef =>
  loop('ISA', 'Interchange Control Header', { max: MANY }, [
    ISA_SEGMENT,
    loop('GS', 'Functional Group Header', { max: MANY }, [
      functionalGroupHeader(guide.functionalGroup),
      { ...guide.body, max: MANY },
      GE_SEGMENT,
    ]),
    IEA_SEGMENT,
  ]);
