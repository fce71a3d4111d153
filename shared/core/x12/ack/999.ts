import { PipelineError } from '../../errors.js';
import type { GroupSummary, InterchangeSummary, TransactionSetSummary, X12Issue } from '../read-model.js';
import {
  type AckEnvelopeOptions,
  closeGroup,
  closeInterchange,
  closeSet,
  openGroup,
  openInterchange,
  openSet,
  outputDelimiters,
  SegmentWriter,
} from './x12-writer.js';

/**
 * The 005010X231A1 999 implementation acknowledgement: for each functional group received, AK1, then
 * per transaction set AK2, the segments in error (IK3) with the elements in error (IK4), and IK5;
 * then AK9 for the group. Positions and codes only: IK404 (the copy of the bad value) is never
 * written, nor is any CTX that would echo submitted data.
 *
 * The rule, kept simple and honest: any issue in a set rejects it (IK5 `R`); a set with none is
 * accepted (`A`). The group is `A` when every set is, `P` when some are, `R` when none is or when
 * the group itself is at fault (GS/GE). There is no `E`: the pipeline does not take a set with errors.
 */
export const VERSION_999 = '005010X231A1';

/**
 * A situational trigger the reader may attach to a SNIP 4 issue (the segment whose presence or value
 * made the missing or unwanted one required): written as `CTX*SITUATIONAL TRIGGER*...`. Optional: the
 * read model does not carry it yet, and without it no CTX is written.
 */
export interface SituationalTrigger {
  readonly segment: string;
  readonly position: number;
  readonly loop?: string;
  readonly element?: number;
  readonly component?: number;
}

/** What the 999 writer reads from an issue; the reader's `X12Issue` is one. */
export type AckIssue = X12Issue & {
  readonly trigger?: SituationalTrigger;
  /** IK402: the data element reference number, where the guide data knows it. */
  readonly elementReference?: string;
};

export type SetAck = 'A' | 'R';
export type GroupAck = 'A' | 'P' | 'R';

export interface SetAnswer {
  readonly set: TransactionSetSummary;
  readonly code: SetAck;
  /** IK502..IK506. */
  readonly codes: readonly string[];
  readonly segments: readonly SegmentError[];
}

export interface GroupAnswer {
  readonly group: GroupSummary;
  readonly code: GroupAck;
  readonly sets: readonly SetAnswer[];
  readonly accepted: number;
  /** AK905..AK909. */
  readonly codes: readonly string[];
}

export interface SegmentError {
  readonly segment: string;
  readonly position: number;
  readonly loop: string | undefined;
  /** IK304: the segment's own error, or `8` (segment has data element errors). */
  readonly code: string;
  readonly trigger: SituationalTrigger | undefined;
  readonly elements: readonly AckIssue[];
}

/** IK304 `8`: the segment is in error through its elements (IK4s follow). */
const SEGMENT_HAS_ELEMENT_ERRORS = '8';
/** IK5 `5` (standard syntax) and `I5` (implementation guide): one or more segments in error. */
const SEGMENTS_IN_ERROR_SYNTAX = '5';
const SEGMENTS_IN_ERROR_GUIDE = 'I5';
const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;
/** IK501..IK506 and AK905..AK909 hold at most five codes. */
const MAX_CODES = 5;
/** Loops that are not X12 loops but the reader's names for the set's header and envelopes. */
const NOT_A_LOOP: ReadonlySet<string> = new Set(['HEADER', 'ST', 'GS', 'ISA']);

const inGroup = (interchange: number, group: number) => (issue: X12Issue) =>
  (issue.interchange === undefined || issue.interchange === interchange) && issue.group === group;

/**
 * The 999's answer for one group, from the issues found in it (pure; what `write999` writes).
 * `interchange` and `index` are the ordinals issues carry: the interchange's in the stream, the
 * group's in its interchange.
 */
export function answerGroup(
  interchange: number,
  index: number,
  group: GroupSummary,
  issues: readonly AckIssue[],
): GroupAnswer {
  const mine = issues.filter(inGroup(interchange, index));
  // An issue in the group but in no set it lists (a broken ST/SE) is the group's.
  const groupLevel = mine.filter(
    (i) => i.ack.level === 'GROUP' || i.transactionSet === undefined || i.transactionSet >= group.sets.length,
  );
  const sets = group.sets.map((set, s) =>
    answerSet(
      set,
      mine.filter((i) => i.transactionSet === s && i.ack.level !== 'GROUP'),
    ),
  );
  const accepted = sets.filter((s) => s.code === 'A').length;
  const codes = unique(groupLevel.filter((i) => i.ack.level === 'GROUP').map((i) => i.ack.code));
  const code: GroupAck = groupLevel.length > 0 || accepted === 0 ? 'R' : accepted === sets.length ? 'A' : 'P';
  return { group, code, sets, accepted, codes };
}

function answerSet(set: TransactionSetSummary, issues: readonly AckIssue[]): SetAnswer {
  const setCodes = issues.filter((i) => i.ack.level === 'SET').map((i) => i.ack.code);
  const placed = issues.filter((i) => i.ack.level === 'IK3' || i.ack.level === 'IK4');
  // An IK3 needs a segment id and position. An unrecognised id is not echoed (it is whatever the file
  // held there): such an issue, or one with no position, still rejects the set through IK5.
  const segments = segmentErrors(
    placed.filter((i) => i.segment !== undefined && SEGMENT_ID.test(i.segment) && i.position > 0),
  );
  const inError = [
    ...(placed.some((i) => i.snip === 1) ? [SEGMENTS_IN_ERROR_SYNTAX] : []),
    ...(placed.some((i) => i.snip > 1) ? [SEGMENTS_IN_ERROR_GUIDE] : []),
  ];
  const codes = unique([...setCodes, ...inError]);
  // `accepted` false with no issue kept: the issue was past the reader's cap; still a rejection.
  const code: SetAck = issues.length === 0 && set.accepted ? 'A' : 'R';
  return { set, code, codes, segments };
}

/** One IK3 per segment in error, in position order; its element issues become its IK4s. */
function segmentErrors(issues: readonly AckIssue[]): SegmentError[] {
  const byPosition = new Map<string, AckIssue[]>();
  for (const issue of issues) {
    const key = `${issue.position}|${issue.segment ?? ''}`;
    const list = byPosition.get(key) ?? [];
    list.push(issue);
    byPosition.set(key, list);
  }
  return [...byPosition.values()]
    .map((list) => {
      const first = list[0] as AckIssue;
      const own = list.find((i) => i.ack.level === 'IK3');
      return {
        segment: first.segment ?? '',
        position: first.position,
        loop: first.loop !== undefined && !NOT_A_LOOP.has(first.loop) ? first.loop : undefined,
        code: own?.ack.code ?? SEGMENT_HAS_ELEMENT_ERRORS,
        trigger: (own ?? first).trigger,
        elements: list.filter((i) => i.ack.level === 'IK4' && i.element !== undefined),
      };
    })
    .sort((a, b) => a.position - b.position);
}

function unique(codes: readonly string[]): string[] {
  return [...new Set(codes.filter((c) => c.length > 0))].slice(0, MAX_CODES);
}

/**
 * Writes the 999 for one interchange: one ISA/GS(FA) envelope holding one ST*999 per functional
 * group received. A rejecting TA1 replaces it (see `acknowledgeInterchange`); this writer does not
 * check that.
 */
export function write999(
  interchange: InterchangeSummary,
  issues: readonly AckIssue[],
  options: AckEnvelopeOptions,
  index = 0,
): string {
  if (interchange.groups.length === 0) {
    // A GS with no ST is not X12; an interchange with no group is the TA1's to reject (024).
    throw new PipelineError('content-invalid', 'A 999 acknowledges at least one functional group.', {
      details: { expression: 'GS' },
    });
  }
  const writer = new SegmentWriter(outputDelimiters(options.delimiters));
  const isa13 = openInterchange(writer, interchange, options);
  const gs06 = openGroup(writer, interchange, 'FA', VERSION_999, options);
  interchange.groups.forEach((group, i) => {
    writeGroupAnswer(writer, answerGroup(index, i, group, issues), i + 1);
  });
  closeGroup(writer, interchange.groups.length, gs06);
  closeInterchange(writer, 1, isa13);
  return writer.text(options.lineBreaks);
}

function writeGroupAnswer(writer: SegmentWriter, answer: GroupAnswer, ordinal: number): void {
  const st02 = openSet(writer, '999', ordinal, VERSION_999);
  const { group } = answer;
  writer.segment('AK1', group.functional, group.control, group.version);
  for (const set of answer.sets) {
    writer.segment('AK2', set.set.id, set.set.control, set.set.version);
    for (const segment of set.segments) writeSegmentError(writer, segment);
    writer.segment('IK5', set.code, ...set.codes);
  }
  const count = String(answer.sets.length);
  writer.segment('AK9', answer.code, count, count, String(answer.accepted), ...answer.codes);
  closeSet(writer, st02);
}

function writeSegmentError(writer: SegmentWriter, error: SegmentError): void {
  writer.segment('IK3', error.segment, String(error.position), error.loop, error.code);
  if (error.trigger !== undefined) writeTrigger(writer, error.trigger);
  for (const issue of error.elements) {
    const position = [String(issue.element), issue.component === undefined ? '' : String(issue.component)];
    // IK404, the copy of the bad data element, is left out on purpose: it would echo submitted data.
    writer.segment('IK4', position, issue.elementReference, issue.ack.code);
    if (issue.trigger !== undefined) writeTrigger(writer, issue.trigger);
  }
}

function writeTrigger(writer: SegmentWriter, trigger: SituationalTrigger): void {
  const at =
    trigger.element === undefined
      ? undefined
      : [String(trigger.element), trigger.component === undefined ? '' : String(trigger.component)];
  writer.segment('CTX', 'SITUATIONAL TRIGGER', trigger.segment, String(trigger.position), trigger.loop, at);
}
