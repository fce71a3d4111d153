import type { InterchangeSummary, X12Issue } from '../read-model.js';
import {
  type AckEnvelopeOptions,
  type AcknowledgedInterchange,
  closeInterchange,
  openInterchange,
  outputDelimiters,
  SegmentWriter,
} from './x12-writer.js';

/**
 * The TA1 interchange acknowledgement: one per interchange received, in an ISA/IEA envelope of its
 * own with no functional group (IEA01 0). It says whether the interchange's envelope (ISA/IEA) was
 * readable and right; what is inside the groups is the 999's business.
 */

/** TA105 interchange note codes (X12 element I18) the pipeline writes. */
export const TA1_NOTE = {
  noError: '000',
  controlNumberMismatch: '001',
  versionNotSupported: '003',
  invalidSegmentTerminator: '004',
  invalidSenderQualifier: '005',
  invalidSender: '006',
  invalidReceiverQualifier: '007',
  invalidReceiver: '008',
  unknownReceiver: '009',
  invalidDate: '014',
  invalidTime: '015',
  invalidVersion: '017',
  invalidControlNumber: '018',
  invalidAcknowledgmentRequested: '019',
  invalidUsage: '020',
  invalidGroupCount: '021',
  invalidControlStructure: '022',
  prematureEnd: '023',
  invalidContent: '024',
  duplicateControlNumber: '025',
  invalidElementSeparator: '026',
  invalidComponentSeparator: '027',
} as const;

export type Ta1Ack = 'A' | 'E' | 'R';

export interface Ta1Answer {
  /** TA104: `A` when the envelope is right, `R` when any interchange-level issue sits in it. */
  readonly code: Ta1Ack;
  /** TA105: `000`, or the first interchange-level issue's note code. */
  readonly note: string;
}

const TA105 = /^\d{3}$/;
const ISA13 = /^\d{9}$/;
const ISA09 = /^\d{6}$/;
const ISA10 = /^\d{4}$/;

/**
 * TA104/TA105 for one interchange from the issues found in it. Only `TA1`-level issues count here;
 * an issue the reader could not place in any group also rejects the interchange (`024`), since no
 * 999 can answer it. There is no `E`: an envelope defect is never let through.
 */
export function ta1Answer(
  interchange: InterchangeSummary,
  issues: readonly X12Issue[],
  index = 0,
): Ta1Answer {
  const own = issues.filter(
    (i) => (i.interchange === undefined || i.interchange === index) && interchangeLevel(i),
  );
  const first = own[0];
  if (first === undefined) {
    // A 999 names each group and set by echoing GS01/GS06/GS08 and ST01/ST02/ST03. Where one is not
    // even the syntax of what belongs there, it may be anything the file held: it is not echoed, and
    // without it no 999 can go, so the TA1 rejects the content.
    if (!echoableEnvelopes(interchange)) return { code: 'R', note: TA1_NOTE.invalidContent };
    return { code: 'A', note: TA1_NOTE.noError };
  }
  const note =
    first.ack.level === 'TA1' && TA105.test(first.ack.code) ? first.ack.code : TA1_NOTE.invalidContent;
  return { code: 'R', note };
}

const FUNCTIONAL_ID = /^[A-Z]{2}$/;
const GROUP_CONTROL = /^\d{1,9}$/;
const VERSION = /^\d{6}[A-Z0-9]{0,6}$/;
const SET_ID = /^\d{3}$/;
const SET_CONTROL = /^[A-Za-z0-9]{4,9}$/;

/** Every GS and ST identifier a 999 echoes has the syntax of one. */
export function echoableEnvelopes(interchange: InterchangeSummary): boolean {
  return interchange.groups.every(
    (g) =>
      FUNCTIONAL_ID.test(g.functional) &&
      GROUP_CONTROL.test(g.control) &&
      VERSION.test(g.version) &&
      g.sets.every(
        (s) =>
          SET_ID.test(s.id) &&
          SET_CONTROL.test(s.control) &&
          (s.version === undefined || VERSION.test(s.version)),
      ),
  );
}

/** An issue the TA1 answers: the envelope's own, or one that sits in no functional group. */
export const interchangeLevel = (issue: X12Issue): boolean =>
  issue.ack.level === 'TA1' || issue.group === undefined;

/**
 * Writes the TA1 for one interchange. TA101–TA103 echo its ISA13, ISA09 and ISA10 (control data,
 * not submitted content); the envelope is ours, addressed back to the sender.
 */
export function writeTa1(
  interchange: InterchangeSummary,
  issues: readonly X12Issue[],
  options: AckEnvelopeOptions,
  index = 0,
): string {
  return writeTa1Answer(interchange, ta1Answer(interchange, issues, index), options);
}

/** Writes a TA1 with a given answer: e.g. `R`/`025` for a repeated ISA13, found outside the reader. */
export function writeTa1Answer(
  interchange: AcknowledgedInterchange,
  answer: Ta1Answer,
  options: AckEnvelopeOptions,
): string {
  const writer = new SegmentWriter(outputDelimiters(options.delimiters));
  const control = openInterchange(writer, interchange, options);
  // TA101–TA103 echo ISA13, ISA09 and ISA10 only where they have the syntax of a control number, a
  // date and a time; anything else in those places is answered with zeros, never repeated.
  writer.segment(
    'TA1',
    ISA13.test(interchange.control) ? interchange.control : '000000000',
    ISA09.test(interchange.date) ? interchange.date : '000000',
    ISA10.test(interchange.time) ? interchange.time : '0000',
    answer.code,
    answer.note,
  );
  closeInterchange(writer, 0, control);
  return writer.text(options.lineBreaks);
}
