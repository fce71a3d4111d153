import { guideFor } from '../../x12/guide/index.js';
import type { ElementDef, LoopDef, TransactionGuide, X12DataType } from '../../x12/guide/model.js';

/**
 * Which elements of an 837 the guide types as numbers (R, N0–N2): amounts, counts, units, weights.
 * Every contract keeps them as they are, and they hold no name, address or identifier, so the
 * release gate judges a number there as a number, not as a digit string that may spell an identifier.
 * Built once per guide from the guide's own definitions.
 */

/** Per element: numeric, not numeric, or per component (0-based) of a composite. */
export type ElementNumbers = boolean | readonly boolean[];

export interface NumericElements {
  /** The segment's elements (index 0 = element 01); empty for a segment the guide does not hold there. */
  of(loop: string, id: string): readonly ElementNumbers[];
}

const NUMERIC_TYPES: ReadonlySet<X12DataType> = new Set(['R', 'N0', 'N1', 'N2']);
/** A decimal number as X12 writes one in an R or Nn element. */
export const X12_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

const numbersOf = (element: ElementDef): ElementNumbers =>
  element.components === undefined
    ? NUMERIC_TYPES.has(element.type)
    : element.components.map((c) => NUMERIC_TYPES.has(c.type));

/** Numeric only where every definition of the same segment in the loop (AMT by its qualifier…) says so. */
function merge(a: ElementNumbers, b: ElementNumbers): ElementNumbers {
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    return typeof a === 'boolean' && typeof b === 'boolean' ? a && b : false;
  }
  return a.map((x, i) => x && b[i] === true);
}

function build(guide: TransactionGuide): NumericElements {
  const bySegment = new Map<string, ElementNumbers[]>();
  const walk = (loop: LoopDef): void => {
    for (const child of loop.children) {
      if (child.kind === 'loop') {
        walk(child);
        continue;
      }
      const key = `${loop.id}/${child.id}`;
      const next = child.elements.map(numbersOf);
      const known = bySegment.get(key);
      bySegment.set(
        key,
        known === undefined
          ? next
          : Array.from({ length: Math.max(known.length, next.length) }, (_, i) =>
              merge(known[i] ?? false, next[i] ?? false),
            ),
      );
    }
  };
  walk(guide.body);
  return { of: (loop, id) => bySegment.get(`${loop}/${id}`) ?? [] };
}

const built = new WeakMap<TransactionGuide, NumericElements>();

/** The numeric elements of the guide a GS08 names; undefined for a version that is not an accepted 837. */
export function numericElementsOf(version: string): NumericElements | undefined {
  const guide = guideFor(version);
  if (guide === undefined) return undefined;
  let numbers = built.get(guide);
  if (numbers === undefined) {
    numbers = build(guide);
    built.set(guide, numbers);
  }
  return numbers;
}
