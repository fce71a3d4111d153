import {
  type CompiledGuide,
  type CompiledLoop,
  type CompiledSegment,
  matches,
  segmentIdCode,
} from './reader-guide.js';
import type { IssueCollector } from './reader-issues.js';
import { safeId } from './reader-tokenizer.js';

/**
 * The loop state machine: a stack of open loop instances over a compiled guide. For each segment it
 * looks among the remaining children of the innermost loop (a segment, or the trigger of a child
 * loop), then up the stack; what fits nowhere forward is out of sequence or unexpected. Loops close
 * when a segment is placed above them, and report their missing required children then. HL loops
 * are told apart by their trigger's match on HL03, and their HL01/HL02/HL04 are checked against the
 * hierarchy the loops form (SNIP 4).
 */

/** IK304 codes (X12 element 720). */
export const IK304 = {
  unrecognized: '1',
  unexpected: '2',
  requiredMissing: '3',
  loopOverMax: '4',
  segmentOverMax: '5',
  notInSet: '6',
  outOfSequence: '7',
  elementErrors: '8',
} as const;

/** What one HL opened: the numbers its children and its HL04 are checked against. */
interface HlState {
  readonly id: string;
  readonly hasChildCode: string;
  readonly position: number;
  children: number;
}

interface LoopInstance {
  readonly loop: CompiledLoop;
  /** Index of the child last placed; children before it may no longer follow. */
  cur: number;
  /** Segments or loop instances placed per child. */
  readonly counts: number[];
  /** Where each skipped child was expected: the position of the first segment placed past it. */
  expectedAt: number[] | undefined;
  readonly hl: HlState | undefined;
}

/** Where a segment landed: its loop and, unless unexpected, its guide definition. */
export interface Placement {
  readonly loop: CompiledLoop;
  readonly segment: CompiledSegment | undefined;
  /** The definition matched only by segment id; its `match` element holds a value not listed. */
  readonly mismatched: boolean;
}

export class LoopWalker {
  private readonly stack: LoopInstance[] = [];
  private lastHl = 0;

  constructor(
    private readonly guide: CompiledGuide,
    private readonly issues: IssueCollector,
    private readonly componentSeparator: string,
  ) {
    this.stack.push(newInstance(guide.root, undefined));
  }

  /** Loop ids from `ST` down to the innermost open loop. */
  get path(): readonly string[] {
    return (this.stack[this.stack.length - 1] as LoopInstance).loop.path;
  }

  /** Places one segment (ST and SE included) at its 1-based position in the transaction set. */
  place(elements: readonly string[], position: number): Placement {
    const id = elements[0] as string;
    const code = segmentIdCode(id);
    const stack = this.stack;
    // Forward, innermost first: the segment continues a loop or opens a child loop.
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      const hit = findForward(stack[depth] as LoopInstance, code, elements, this.componentSeparator);
      if (hit >= 0) return this.placeAt(depth, hit, elements, position, false);
    }
    const top = stack[stack.length - 1] as LoopInstance;
    const ref = { loop: top.loop.id, segment: safeId(id), position };
    // Backward in the innermost loop: a segment of this loop after its proper place.
    const earlier = findBackward(top, code, elements, this.componentSeparator);
    if (earlier >= 0) {
      // A segment already used up in a repeatable loop more likely starts its next instance.
      const used = (top.counts[earlier] as number) >= (top.loop.children[earlier] as CompiledSegment).def.max;
      if (used && stack.length > 1 && top.loop.trigger.id !== 'HL' && top.loop.def.max > 1) {
        const reopened = this.reopenWithoutTrigger(earlier, position);
        if (reopened !== undefined) return reopened;
      }
      return this.outOfSequence(top, earlier, ref, false);
    }
    // Forward again ignoring qualifiers: the right place with a wrong code (IK403 7 from the element check).
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      const hit = findForward(stack[depth] as LoopInstance, code, elements, undefined);
      if (hit >= 0) return this.placeAt(depth, hit, elements, position, true);
    }
    const opened = this.openWithoutTrigger(id, elements, position);
    if (opened !== undefined) return opened;
    const loose = findBackward(top, code, elements, undefined);
    if (loose >= 0) return this.outOfSequence(top, loose, ref, true);
    if (this.guide.segmentIds.has(id)) {
      this.issues.segment(
        2,
        IK304.unexpected,
        ref,
        `Segment ${id} is not expected at this place in loop ${top.loop.id}.`,
      );
    } else {
      // An id the guide does not know may be data shifted by a stray terminator: it is not echoed.
      this.issues.segment(
        2,
        IK304.unrecognized,
        { loop: top.loop.id, segment: '?', position },
        'Unrecognized segment identifier.',
      );
    }
    return { loop: top.loop, segment: undefined, mismatched: false };
  }

  /**
   * A segment that belongs inside a child loop whose first segment is missing (SV1 without its LX):
   * the loop is opened without it, the missing trigger reported, and what follows reads in place.
   * Not for HL loops, whose level a segment cannot tell.
   */
  private openWithoutTrigger(
    id: string,
    elements: readonly string[],
    position: number,
  ): Placement | undefined {
    const stack = this.stack;
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      const instance = stack[depth] as LoopInstance;
      const children = instance.loop.children;
      for (let index = Math.max(instance.cur, 1); index < children.length; index++) {
        const child = children[index] as CompiledSegment | CompiledLoop;
        if (child.kind !== 'loop' || child.trigger.id === 'HL' || child.children[0]?.kind !== 'segment')
          continue;
        const inner = child.byId.get(id)?.find((k) => {
          const candidate = child.children[k] as CompiledSegment | CompiledLoop;
          return (
            k > 0 && candidate.kind === 'segment' && matches(candidate, elements, this.componentSeparator)
          );
        });
        if (inner === undefined) continue;
        while (stack.length > depth + 1) this.close(position);
        if (this.advance(instance, index, position) > child.def.max) {
          this.issues.segment(
            2,
            IK304.loopOverMax,
            { loop: child.id, segment: child.trigger.id, position },
            `Loop ${child.id} (${child.def.name}) occurs over its maximum times.`,
          );
        }
        return this.pushWithoutTrigger(child, inner, position);
      }
    }
    return undefined;
  }

  /** Closes the innermost loop and opens its next instance at child `inner`, its trigger missing. */
  private reopenWithoutTrigger(inner: number, position: number): Placement | undefined {
    const stack = this.stack;
    const loop = (stack[stack.length - 1] as LoopInstance).loop;
    this.close(position);
    const parent = stack[stack.length - 1] as LoopInstance;
    const index = parent.loop.children.indexOf(loop);
    if (index < 0) return undefined;
    if (this.advance(parent, index, position) > loop.def.max) {
      this.issues.segment(
        2,
        IK304.loopOverMax,
        { loop: loop.id, segment: loop.trigger.id, position },
        `Loop ${loop.id} (${loop.def.name}) occurs over its maximum times.`,
      );
    }
    return this.pushWithoutTrigger(loop, inner, position);
  }

  private pushWithoutTrigger(loop: CompiledLoop, inner: number, position: number): Placement {
    this.issues.segment(
      2,
      IK304.requiredMissing,
      { loop: loop.id, segment: loop.trigger.id, position },
      `Loop ${loop.id} (${loop.def.name}) begins without its ${loop.trigger.id} segment.`,
    );
    const opened = newInstance(loop, undefined);
    opened.cur = inner;
    opened.counts[inner] = 1;
    this.stack.push(opened);
    return { loop, segment: loop.children[inner] as CompiledSegment, mismatched: false };
  }

  /** Moves a loop instance on to child `index` and counts it there; returns the new count. */
  private advance(instance: LoopInstance, index: number, position: number): number {
    if (index !== instance.cur) {
      for (let skipped = instance.cur + 1; skipped < index; skipped++) {
        instance.expectedAt ??= [];
        instance.expectedAt[skipped] ??= position;
      }
      instance.cur = index;
    }
    const count = (instance.counts[index] as number) + 1;
    instance.counts[index] = count;
    return count;
  }

  private outOfSequence(
    instance: LoopInstance,
    index: number,
    ref: { loop: string; segment: string; position: number },
    mismatched: boolean,
  ): Placement {
    instance.counts[index] = (instance.counts[index] as number) + 1;
    this.issues.segment(
      2,
      IK304.outOfSequence,
      ref,
      `Segment ${ref.segment} is not in its proper sequence in loop ${instance.loop.id}.`,
    );
    return { loop: instance.loop, segment: instance.loop.children[index] as CompiledSegment, mismatched };
  }

  /** Closes every open loop (at SE, or when the set ends without one). */
  finish(position: number): void {
    while (this.stack.length > 0) this.close(position);
  }

  private placeAt(
    depth: number,
    index: number,
    elements: readonly string[],
    position: number,
    mismatched: boolean,
  ): Placement {
    while (this.stack.length > depth + 1) this.close(position);
    const instance = this.stack[depth] as LoopInstance;
    const child = instance.loop.children[index] as CompiledSegment | CompiledLoop;
    const count = this.advance(instance, index, position);
    if (child.kind === 'segment') {
      if (count > child.def.max) {
        this.issues.segment(
          2,
          IK304.segmentOverMax,
          { loop: instance.loop.id, segment: child.id, position },
          `Segment ${child.id} (${child.def.name}) exceeds its maximum use in loop ${instance.loop.id}.`,
        );
      }
      return { loop: instance.loop, segment: child, mismatched };
    }
    if (count > child.def.max) {
      this.issues.segment(
        2,
        IK304.loopOverMax,
        { loop: child.id, segment: child.trigger.id, position },
        `Loop ${child.id} (${child.def.name}) occurs over its maximum times.`,
      );
    }
    const hl = child.trigger.id === 'HL' ? this.openHl(child, elements, position) : undefined;
    const opened = newInstance(child, hl);
    this.stack.push(opened);
    // The trigger is the new loop's first child, placed now.
    opened.counts[0] = 1;
    let loop = child;
    let trigger = child.trigger;
    // A loop whose first child is itself a loop opens both (their trigger is the same segment).
    let first = child.children[0];
    while (first !== undefined && first.kind === 'loop') {
      const inner = newInstance(first, undefined);
      inner.counts[0] = 1;
      this.stack.push(inner);
      loop = first;
      trigger = first.trigger;
      first = first.children[0];
    }
    return { loop, segment: trigger, mismatched };
  }

  /** HL01 counts up by one; HL02 names the HL of the enclosing HL loop (or is empty at the top). */
  private openHl(loop: CompiledLoop, elements: readonly string[], position: number): HlState {
    const id = elements[1] ?? '';
    const parentId = elements[2] ?? '';
    const ref = { loop: loop.id, segment: 'HL', position };
    if (id !== String(this.lastHl + 1)) {
      this.issues.segment(4, '7', ref, 'HL01 must count up by one from 1 within the transaction set.', 1);
    }
    const asNumber = Number(id);
    if (Number.isInteger(asNumber) && asNumber > 0) this.lastHl = asNumber;
    else this.lastHl++;
    let parent: HlState | undefined;
    for (let depth = this.stack.length - 1; depth >= 0 && parent === undefined; depth--) {
      parent = (this.stack[depth] as LoopInstance).hl;
    }
    if (parent === undefined) {
      if (parentId !== '') {
        this.issues.segment(4, '7', ref, `HL02 must be empty: loop ${loop.id} has no parent HL.`, 2);
      }
    } else {
      parent.children++;
      if (parentId !== parent.id) {
        this.issues.segment(
          4,
          '7',
          ref,
          `HL02 must name the HL of the enclosing loop (HL01 of the parent level).`,
          2,
        );
      }
    }
    return { id, hasChildCode: elements[4] ?? '', position, children: 0 };
  }

  /** Closes the innermost loop: reports its missing required children and a wrong HL04. */
  private close(position: number): void {
    const instance = this.stack.pop() as LoopInstance;
    const loop = instance.loop;
    const children = loop.children;
    const required = loop.required;
    for (let r = 0; r < required.length; r++) {
      const i = required[r] as number;
      if (instance.counts[i] !== 0) continue;
      const child = children[i] as CompiledSegment | CompiledLoop;
      const at = instance.expectedAt?.[i] ?? position;
      if (child.kind === 'segment') {
        this.issues.segment(
          2,
          IK304.requiredMissing,
          { loop: loop.id, segment: child.id, position: at },
          `Required segment ${child.id} (${child.def.name}) is missing from loop ${loop.id}.`,
        );
      } else {
        this.issues.segment(
          2,
          IK304.requiredMissing,
          { loop: child.id, segment: child.trigger.id, position: at },
          `Required loop ${child.id} (${child.def.name}) is missing from loop ${loop.id}.`,
        );
      }
    }
    const hl = instance.hl;
    if (hl !== undefined) {
      const says = hl.hasChildCode;
      if ((says === '1' && hl.children === 0) || (says === '0' && hl.children > 0)) {
        this.issues.segment(
          4,
          '7',
          { loop: loop.id, segment: 'HL', position: hl.position },
          'HL04 does not match whether child HL loops follow.',
          4,
        );
      }
    }
  }
}

function newInstance(loop: CompiledLoop, hl: HlState | undefined): LoopInstance {
  return { loop, cur: 0, counts: loop.zeroCounts.slice(), expectedAt: undefined, hl };
}

/**
 * The first child at or after the current one that takes the segment: the current segment child
 * again (a repeat), a later segment child, or a child loop (the current one included: a new
 * instance) whose trigger fits. With `exact` (the component separator), the guide's match values
 * are required too.
 */
function findForward(
  instance: LoopInstance,
  code: number,
  elements: readonly string[],
  exact: string | undefined,
): number {
  const candidates = instance.loop.byIdCode.get(code);
  if (candidates === undefined) return -1;
  const children = instance.loop.children;
  for (let k = 0; k < candidates.length; k++) {
    const index = candidates[k] as number;
    if (index < instance.cur || index === 0) continue;
    const child = children[index] as CompiledSegment | CompiledLoop;
    const segment = child.kind === 'segment' ? child : child.trigger;
    if (exact === undefined || matches(segment, elements, exact)) return index;
  }
  return -1;
}

/**
 * The index of a segment child before the current one that takes the segment (out of sequence),
 * or -1; with `exact` (the component separator) its match values are required too.
 */
function findBackward(
  instance: LoopInstance,
  code: number,
  elements: readonly string[],
  exact: string | undefined,
): number {
  const candidates = instance.loop.byIdCode.get(code);
  if (candidates === undefined) return -1;
  for (let k = 0; k < candidates.length; k++) {
    const index = candidates[k] as number;
    if (index >= instance.cur || index === 0) continue;
    const child = instance.loop.children[index] as CompiledSegment | CompiledLoop;
    if (child.kind !== 'segment') continue;
    if (exact === undefined || matches(child, elements, exact)) return index;
  }
  return -1;
}
