import type { SnipLevel, X12Issue } from './read-model.js';

/**
 * How the reader records defects: positions, ids and codes, never a submitted value. Issues are kept
 * up to a cap and counted beyond it, so a hostile file cannot grow memory through its errors.
 */

export const DEFAULT_MAX_ISSUES = 200;

/** Ordinals of the envelopes an issue sits in (for the acknowledgement); see `X12Issue`. */
export interface IssuePlace {
  interchange: number | undefined;
  group: number | undefined;
  transactionSet: number | undefined;
}

/** What a check knows about the segment it found a defect in. */
export interface SegmentRef {
  readonly loop: string;
  /** A syntactically valid segment id, or `?`. */
  readonly segment: string;
  readonly position: number;
}

export type AckLevel = X12Issue['ack']['level'];

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `2010BA/NM1[23]/NM109`, `2300/HI[25]/HI01-2`, or the bare element for envelopes (`GE01`). */
export function expressionOf(
  ref: SegmentRef,
  element: number | undefined,
  component: number | undefined,
  envelope = false,
): string {
  const elementPart =
    element === undefined
      ? ''
      : `${ref.segment}${pad2(element)}${component === undefined ? '' : `-${component}`}`;
  if (envelope) return elementPart === '' ? ref.segment : elementPart;
  const base = `${ref.loop}/${ref.segment}[${ref.position}]`;
  return elementPart === '' ? base : `${base}/${elementPart}`;
}

export class IssueCollector {
  readonly issues: X12Issue[] = [];
  more = 0;
  readonly place: IssuePlace = { interchange: undefined, group: undefined, transactionSet: undefined };

  constructor(private readonly max: number) {}

  /** The cap is reached: further issues are only counted. */
  get full(): boolean {
    return this.issues.length >= this.max;
  }

  /** Every issue recorded, kept or only counted. */
  get total(): number {
    return this.issues.length + this.more;
  }

  /**
   * Puts the kept issues from `from` on in position order: a loop reports its missing children
   * when it closes, after segments that come later in the file.
   */
  sortFrom(from: number): void {
    if (this.issues.length - from < 2) return;
    const tail = this.issues.splice(from).sort((a, b) => a.position - b.position);
    for (const issue of tail) this.issues.push(issue);
  }

  add(issue: X12Issue): void {
    if (this.issues.length < this.max) this.issues.push(issue);
    else this.more++;
  }

  /** A defect of a segment (IK3) or of one of its elements or components (IK4). */
  segment(
    snip: SnipLevel,
    code: string,
    ref: SegmentRef,
    message: string,
    element?: number,
    component?: number,
  ): void {
    if (this.issues.length >= this.max) {
      this.more++;
      return;
    }
    this.issues.push({
      snip,
      ack: { level: element === undefined ? 'IK3' : 'IK4', code },
      expression: expressionOf(ref, element, component),
      message,
      loop: ref.loop,
      segment: ref.segment,
      position: ref.position,
      element,
      component,
      interchange: this.place.interchange,
      group: this.place.group,
      transactionSet: this.place.transactionSet,
    });
  }

  /** A defect of an envelope (TA1, group or set level), named by its element: `IEA02`, `SE01`. */
  envelope(
    level: 'TA1' | 'GROUP' | 'SET',
    code: string,
    segment: string,
    element: number | undefined,
    position: number,
    message: string,
    snip: SnipLevel = 1,
  ): void {
    const loop =
      segment === 'ST' || segment === 'SE' ? 'ST' : segment === 'GS' || segment === 'GE' ? 'GS' : 'ISA';
    this.add({
      snip,
      ack: { level, code },
      expression: expressionOf({ loop, segment, position }, element, undefined, true),
      message,
      loop,
      segment,
      position,
      element,
      component: undefined,
      interchange: this.place.interchange,
      group: this.place.group,
      transactionSet: this.place.transactionSet,
    });
  }
}
