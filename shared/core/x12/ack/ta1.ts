import type { X12Issue } from '../read-model.js';
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

/**
 * TA104/TA105 for one interchange from the issues found in it. Only `TA1`-level issues count here;
 * an issue the reader could not place in any group also rejects the interchange (`024`), since no
 * 999 can answer it. There is no `E`: an envelope defect is never let through.
 */
export function ta1Answer(control: string, issues: readonly X12Issue[]): Ta1Answer {
  const own = issues.filter(
    (i) => (i.interchange === undefined || i.interchange === control) && interchangeLevel(i),
  );
  const first = own[0];
  if (first === undefined) return { code: 'A', note: TA1_NOTE.noError };
  const note =
    first.ack.level === 'TA1' && TA105.test(first.ack.code) ? first.ack.code : TA1_NOTE.invalidContent;
  return { code: 'R', note };
}

/** An issue the TA1 answers: the envelope's own, or one that sits in no functional group. */
export const interchangeLevel = (issue: X12Issue): boolean =>
  issue.ack.level === 'TA1' || issue.group === undefined;

/**
 * Writes the TA1 for one interchange. TA101–TA103 echo its ISA13, ISA09 and ISA10 (control data,
 * not submitted content); the envelope is ours, addressed back to the sender.
 */
export function writeTa1(
  interchange: AcknowledgedInterchange,
  issues: readonly X12Issue[],
  options: AckEnvelopeOptions,
): string {
  return writeTa1Answer(interchange, ta1Answer(interchange.control, issues), options);
}

/** Writes a TA1 with a given answer: e.g. `R`/`025` for a repeated ISA13, found outside the reader. */
export function writeTa1Answer(
  interchange: AcknowledgedInterchange,
  answer: Ta1Answer,
  options: AckEnvelopeOptions,
): string {
  const writer = new SegmentWriter(outputDelimiters(options.delimiters));
  const control = openInterchange(writer, interchange, options);
  writer.segment('TA1', interchange.control, interchange.date, interchange.time, answer.code, answer.note);
  closeInterchange(writer, 0, control);
  return writer.text(options.lineBreaks);
}
