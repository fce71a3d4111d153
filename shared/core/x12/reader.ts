import { guideFor } from './guide/index.js';
import type { TransactionGuide } from './guide/model.js';
import type {
  Delimiters,
  GroupSummary,
  InterchangeSummary,
  PlacedSegment,
  TransactionSetSummary,
  X12ReadResult,
} from './read-model.js';
import { type CompiledGuide, compileGuide } from './reader-guide.js';
import { DEFAULT_MAX_ISSUES, IssueCollector } from './reader-issues.js';
import { LoopWalker } from './reader-loops.js';
import { type X12Delimiters, X12Tokenizer } from './reader-tokenizer.js';
import { type SetRules, setRulesFor } from './validate-837.js';
import { validateElements } from './validate-elements.js';

/**
 * The streaming, loop-aware X12 reader: envelopes (ISA/GS/ST … SE/GE/IEA, several interchanges per
 * file), a loop state machine over any implementation guide written as data, and SNIP 1–4 checks,
 * all in one pass. Segments are handed to `onSegment` as they are placed; nothing is kept but the
 * open loops, the current envelopes' summaries and the issues (capped), so memory does not grow
 * with the file. Only bytes that cannot be read at all throw (`invalid-x12`); every other defect is
 * an `X12Issue` in the result.
 */

export interface X12ReadOptions {
  /** Issues kept in the result; the rest are only counted (`moreIssues`). Default 200. */
  readonly maxIssues?: number;
  /** The guide for a GS08/ST03 version; the 005010 837P and 837I guides when absent. */
  readonly guides?: (version: string) => TransactionGuide | undefined;
  /** Segments allowed in the whole stream; unbounded when absent. */
  readonly maxSegments?: number;
}

export type SegmentHandler = (segment: PlacedSegment) => void;

/** Reads a whole X12 file given as bytes or as chunks of bytes, synchronously. */
export function readX12(
  source: Uint8Array | Iterable<Uint8Array>,
  onSegment?: SegmentHandler,
  options: X12ReadOptions = {},
): X12ReadResult {
  const reader = new X12Reader(onSegment, options);
  if (source instanceof Uint8Array) reader.push(source);
  else for (const chunk of source) reader.push(chunk);
  return reader.end();
}

/** Reads an X12 file from an async stream of chunks (e.g. a Node readable or an S3 body). */
export async function readX12Stream(
  source: AsyncIterable<Uint8Array>,
  onSegment?: SegmentHandler,
  options: X12ReadOptions = {},
): Promise<X12ReadResult> {
  const reader = new X12Reader(onSegment, options);
  for await (const chunk of source) reader.push(chunk);
  return reader.end();
}

const ISA_PATH: readonly string[] = Object.freeze(['ISA']);
const GS_PATH: readonly string[] = Object.freeze(['GS']);
const ST_PATH: readonly string[] = Object.freeze(['ST']);

const CONTROL_NUMBER = /^\d{9}$/;
const GROUP_CONTROL_NUMBER = /^\d{1,9}$/;
const SET_CONTROL_NUMBER = /^[A-Za-z0-9]{4,9}$/;
const COUNT = /^\d{1,10}$/;

const sameCount = (element: string | undefined, actual: number): boolean =>
  element !== undefined && COUNT.test(element) && Number(element) === actual;

interface OpenInterchange {
  readonly summary: InterchangeSummary & { groups: GroupSummary[] };
  readonly control: string;
}

interface OpenGroup {
  readonly summary: GroupSummary & { sets: TransactionSetSummary[] };
  readonly control: string;
  readonly guide: CompiledGuide | undefined;
  readonly setControls: Set<string>;
}

interface OpenSet {
  readonly id: string;
  readonly control: string;
  readonly version: string | undefined;
  readonly walker: LoopWalker | undefined;
  readonly rules: SetRules | undefined;
  readonly issuesBefore: number;
  /** Where the set's kept issues begin in the collector. */
  readonly keptBefore: number;
  segments: number;
  claims: number;
}

/** One pass over one stream: feed `push`, then `end`. */
export class X12Reader {
  private readonly tokenizer: X12Tokenizer;
  private readonly issues: IssueCollector;
  private readonly guides: (version: string) => TransactionGuide | undefined;
  private readonly interchanges: InterchangeSummary[] = [];
  private delimiters: X12Delimiters | undefined;
  private interchange: OpenInterchange | undefined;
  private group: OpenGroup | undefined;
  private set: OpenSet | undefined;
  private ordinal = 0;
  private interchangesOpened = 0;

  constructor(
    private readonly onSegment: SegmentHandler | undefined,
    options: X12ReadOptions = {},
  ) {
    this.issues = new IssueCollector(options.maxIssues ?? DEFAULT_MAX_ISSUES);
    this.guides = options.guides ?? guideFor;
    this.tokenizer = new X12Tokenizer(
      (elements, delimiters) => this.segment(elements, delimiters),
      options.maxSegments === undefined ? {} : { maxSegments: options.maxSegments },
    );
  }

  push(chunk: Uint8Array): void {
    this.tokenizer.push(chunk);
  }

  end(): X12ReadResult {
    this.tokenizer.end();
    this.cutShortInterchange();
    const d = this.delimiters as X12Delimiters;
    const delimiters: Delimiters = {
      element: d.element,
      component: d.component,
      repetition: d.repetition,
      segment: d.segment,
    };
    return {
      delimiters,
      interchanges: this.interchanges,
      issues: this.issues.issues,
      moreIssues: this.issues.more,
    };
  }

  private segment(elements: string[], delimiters: X12Delimiters): void {
    this.ordinal++;
    const id = elements[0] as string;
    switch (id) {
      case 'ISA':
        this.delimiters ??= delimiters;
        this.openInterchange(elements);
        this.emit(elements, 'ISA', ISA_PATH, 0);
        break;
      case 'IEA':
        this.emit(elements, 'ISA', ISA_PATH, 0);
        this.closeInterchange(elements);
        break;
      case 'GS':
        this.openGroup(elements);
        this.emit(elements, 'GS', GS_PATH, 0);
        break;
      case 'GE':
        this.emit(elements, 'GS', GS_PATH, 0);
        this.closeGroup(0, 'GE', elements);
        break;
      case 'ST':
        this.openSet(elements, delimiters);
        break;
      case 'SE':
        this.closeSet(0, 'SE', elements, delimiters);
        break;
      default:
        this.body(elements, delimiters);
    }
  }

  private emit(
    elements: readonly string[],
    loop: string,
    loopPath: readonly string[],
    position: number,
  ): void {
    this.onSegment?.({
      id: elements[0] as string,
      elements,
      loop,
      loopPath,
      position,
      ordinal: this.ordinal,
    });
  }

  /** An interchange still open at the end of the stream or at the next ISA: closed, and TA1 `023`. */
  private cutShortInterchange(): void {
    if (this.interchange === undefined) return;
    this.closeSet(0, 'IEA');
    this.closeGroup(0, 'IEA');
    this.issues.envelope('TA1', '023', 'IEA', undefined, 0, 'The interchange ends without its IEA trailer.');
    this.interchanges.push(this.interchange.summary);
    this.interchange = undefined;
  }

  private openInterchange(elements: readonly string[]): void {
    // A new ISA before the IEA: the interchange before it is cut short.
    this.cutShortInterchange();
    const e = (i: number) => elements[i] ?? '';
    const control = e(13);
    this.issues.place.interchange = this.interchangesOpened++;
    this.issues.place.group = undefined;
    this.issues.place.transactionSet = undefined;
    this.interchange = {
      control,
      summary: {
        control,
        senderQualifier: e(5).trim(),
        sender: e(6).trim(),
        receiverQualifier: e(7).trim(),
        receiver: e(8).trim(),
        date: e(9),
        time: e(10),
        version: e(12),
        usage: e(15),
        groups: [],
      },
    };
    const bad = (code: string, element: number, message: string) =>
      this.issues.envelope('TA1', code, 'ISA', element, 0, message);
    if (!CONTROL_NUMBER.test(control))
      bad('018', 13, 'ISA13 must be a nine-digit interchange control number.');
    if (e(12) !== '00501') bad('017', 12, 'ISA12 must be 00501 (X12 005010).');
    if (e(14) !== '0' && e(14) !== '1') bad('019', 14, 'ISA14 must be 0 or 1.');
    if (e(15) !== 'P' && e(15) !== 'T') bad('020', 15, 'ISA15 must be P or T.');
    if (!/^\d{6}$/.test(e(9)) || !isYymmdd(e(9))) bad('014', 9, 'ISA09 is not a valid YYMMDD date.');
    if (!/^([01]\d|2[0-3])[0-5]\d$/.test(e(10))) bad('015', 10, 'ISA10 is not a valid HHMM time.');
  }

  private closeInterchange(elements: readonly string[]): void {
    const interchange = this.interchange;
    if (interchange === undefined) return;
    this.closeSet(0, 'IEA');
    this.closeGroup(0, 'IEA');
    if (!sameCount(elements[1], interchange.summary.groups.length)) {
      this.issues.envelope(
        'TA1',
        '021',
        'IEA',
        1,
        0,
        'IEA01 does not match the number of functional groups.',
      );
    }
    if (elements[2] !== interchange.control) {
      this.issues.envelope('TA1', '001', 'IEA', 2, 0, 'IEA02 does not match ISA13.');
    }
    this.interchanges.push(interchange.summary);
    this.interchange = undefined;
  }

  private openGroup(elements: readonly string[]): void {
    if (this.group !== undefined) {
      this.closeSet(0, 'GE');
      this.closeGroup(0, 'GS');
    }
    const control = elements[6] ?? '';
    const version = elements[8] ?? '';
    const functional = elements[1] ?? '';
    this.issues.place.group = this.interchange?.summary.groups.length ?? 0;
    this.issues.place.transactionSet = undefined;
    const guide = this.guides(version);
    const summary = { functional, control, version, sets: [] as TransactionSetSummary[] };
    this.group = {
      summary,
      control,
      guide: guide === undefined ? undefined : compileGuide(guide),
      setControls: new Set(),
    };
    this.interchange?.summary.groups.push(summary);
    if (!GROUP_CONTROL_NUMBER.test(control)) {
      this.issues.envelope('GROUP', '6', 'GS', 6, 0, 'GS06 must be a group control number of 1 to 9 digits.');
    }
    if (guide === undefined) {
      this.issues.envelope('GROUP', '2', 'GS', 8, 0, 'GS08 is not an implementation guide accepted here.');
    } else if (functional !== guide.functionalGroup) {
      this.issues.envelope(
        'GROUP',
        '1',
        'GS',
        1,
        0,
        'GS01 does not match the functional group of the guide GS08 names.',
      );
    }
  }

  private closeGroup(position: number, by: 'GE' | 'GS' | 'IEA', elements?: readonly string[]): void {
    const group = this.group;
    if (group === undefined) return;
    this.closeSet(position, 'GE');
    if (elements === undefined) {
      this.issues.envelope(
        'GROUP',
        '3',
        'GE',
        undefined,
        0,
        `The functional group ends (${by}) without its GE trailer.`,
      );
    } else {
      if (!sameCount(elements[1], group.summary.sets.length)) {
        this.issues.envelope('GROUP', '5', 'GE', 1, 0, 'GE01 does not match the number of transaction sets.');
      }
      if (elements[2] !== group.control) {
        this.issues.envelope('GROUP', '4', 'GE', 2, 0, 'GE02 does not match GS06.');
      }
    }
    this.group = undefined;
    this.issues.place.group = undefined;
  }

  private openSet(elements: readonly string[], delimiters: X12Delimiters): void {
    if (this.set !== undefined) this.closeSet(0, 'ST');
    const control = elements[2] ?? '';
    const id = elements[1] ?? '';
    const version = elements[3];
    const group = this.group;
    this.issues.place.transactionSet = group?.summary.sets.length ?? 0;
    const issuesBefore = this.issues.total;
    if (group === undefined) {
      this.issues.envelope(
        'TA1',
        '024',
        'ST',
        undefined,
        1,
        'A transaction set outside a functional group (GS missing).',
      );
    }
    const guide = group?.guide;
    const walker = guide === undefined ? undefined : new LoopWalker(guide, this.issues, delimiters.component);
    this.set = {
      id,
      control,
      version,
      walker,
      rules: guide === undefined ? undefined : setRulesFor(guide.guide, this.issues),
      issuesBefore,
      keptBefore: this.issues.issues.length,
      segments: 1,
      claims: 0,
    };
    if (!SET_CONTROL_NUMBER.test(control)) {
      this.issues.envelope(
        'SET',
        '7',
        'ST',
        2,
        1,
        'ST02 must be a transaction set control number of 4 to 9 characters.',
      );
    } else if (group !== undefined) {
      if (group.setControls.has(control)) {
        this.issues.envelope(
          'SET',
          '23',
          'ST',
          2,
          1,
          'ST02 repeats a control number of this functional group.',
        );
      }
      group.setControls.add(control);
    }
    if (guide !== undefined) {
      if (id !== guide.guide.transactionSet) {
        this.issues.envelope(
          'SET',
          '1',
          'ST',
          1,
          1,
          'ST01 is not the transaction set of the guide GS08 names.',
        );
      }
      if (version !== group?.summary.version) {
        this.issues.envelope('SET', 'I6', 'ST', 3, 1, 'ST03 must equal GS08.');
      }
      const ref = { loop: 'ST', segment: 'ST', position: 1 };
      validateElements(
        guide.root.trigger,
        elements,
        delimiters.component,
        delimiters.repetition,
        ref,
        this.issues,
      );
    }
    this.emit(elements, 'ST', ST_PATH, 1);
  }

  /** Ends the open set: at its SE (`elements` given), or cut short by `by`. */
  private closeSet(
    _position: number,
    by: 'SE' | 'GE' | 'IEA' | 'ST',
    elements?: readonly string[],
    delimiters?: X12Delimiters,
  ): void {
    const set = this.set;
    if (set === undefined) {
      if (elements !== undefined) {
        this.issues.envelope('SET', '2', 'SE', undefined, 0, 'An SE without its ST.');
        this.emit(elements, 'ST', ST_PATH, 0);
      }
      return;
    }
    if (elements !== undefined && delimiters !== undefined) {
      set.segments++;
      const position = set.segments;
      if (set.walker !== undefined) {
        const placement = set.walker.place(elements, position);
        if (placement.segment !== undefined) {
          const ref = { loop: 'ST', segment: 'SE', position };
          validateElements(
            placement.segment,
            elements,
            delimiters.component,
            delimiters.repetition,
            ref,
            this.issues,
          );
        }
      }
      this.emit(elements, 'ST', ST_PATH, position);
      set.walker?.finish(position);
      if (!sameCount(elements[1], set.segments)) {
        this.issues.envelope(
          'SET',
          '4',
          'SE',
          1,
          position,
          'SE01 does not match the number of segments in the transaction set.',
        );
      }
      if (elements[2] !== set.control) {
        this.issues.envelope('SET', '3', 'SE', 2, position, 'SE02 does not match ST02.');
      }
    } else {
      set.walker?.finish(set.segments + 1);
      this.issues.envelope(
        'SET',
        '2',
        'SE',
        undefined,
        set.segments + 1,
        `The transaction set ends (${by}) without its SE trailer.`,
      );
    }
    set.rules?.end();
    this.issues.sortFrom(set.keptBefore);
    this.group?.summary.sets.push({
      id: set.id,
      control: set.control,
      version: set.version,
      segments: set.segments,
      claims: set.claims,
      accepted: this.issues.total === set.issuesBefore,
    });
    this.set = undefined;
    this.issues.place.transactionSet = undefined;
  }

  private body(elements: string[], delimiters: X12Delimiters): void {
    const set = this.set;
    const id = elements[0] as string;
    if (set === undefined) {
      // Outside any transaction set: the interchange's content is invalid (TA1 024).
      this.issues.envelope('TA1', '024', '?', undefined, 0, 'A segment outside a transaction set.');
      this.emit(
        elements,
        this.group === undefined ? 'ISA' : 'GS',
        this.group === undefined ? ISA_PATH : GS_PATH,
        0,
      );
      return;
    }
    const position = ++set.segments;
    if (id === 'CLM') set.claims++;
    const walker = set.walker;
    if (walker === undefined) {
      this.emit(elements, 'ST', ST_PATH, position);
      return;
    }
    const placement = walker.place(elements, position);
    const loop = placement.loop;
    const segment = placement.segment;
    if (segment !== undefined) {
      const ref = { loop: loop.id, segment: id, position };
      const before = this.issues.total;
      // A segment without the repetition separator need not be searched for it element by element.
      const repetition = this.tokenizer.segmentHasRepetition ? delimiters.repetition : undefined;
      validateElements(segment, elements, delimiters.component, repetition, ref, this.issues);
      if (placement.mismatched && this.issues.total === before && segment.matchElement > 0) {
        this.issues.segment(
          2,
          '7',
          ref,
          `Element ${id}${String(segment.matchElement).padStart(2, '0')} is not a code the guide lists here.`,
          segment.matchElement,
        );
      }
    }
    const placed: PlacedSegment = {
      id,
      elements,
      loop: loop.id,
      loopPath: loop.path,
      position,
      ordinal: this.ordinal,
    };
    set.rules?.segment(placed);
    this.onSegment?.(placed);
  }
}

function isYymmdd(value: string): boolean {
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
