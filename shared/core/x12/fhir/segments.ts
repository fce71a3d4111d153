import type { Delimiters, PlacedSegment } from '../read-model.js';

/**
 * Reading one claim's placed segments: elements by their guide number, composites split on the
 * interchange's component separator, segments found by loop and qualifier. Values are trimmed (the
 * guide forbids trailing spaces, senders still pad) and an empty element reads as undefined.
 */

/** Element `n` (1-based, as the guide numbers it), trimmed; undefined when absent or empty. */
export function element(segment: PlacedSegment | undefined, n: number): string | undefined {
  const value = segment?.elements[n]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The components of a composite element (`HC:99213:25` → `['HC', '99213', '25']`); [] when empty. */
export function components(
  segment: PlacedSegment | undefined,
  n: number,
  delimiters: Delimiters,
): readonly string[] {
  const value = segment?.elements[n];
  if (value === undefined || value.trim() === '') return [];
  return value.split(delimiters.component).map((part) => part.trim());
}

/** Component `c` (1-based) of element `n`; undefined when absent or empty. */
export function component(
  segment: PlacedSegment | undefined,
  n: number,
  c: number,
  delimiters: Delimiters,
): string | undefined {
  const value = components(segment, n, delimiters)[c - 1];
  return value === undefined || value === '' ? undefined : value;
}

/** Segments with this id in these loops, in file order; `qualifier` tests element 01. */
export function segmentsIn(
  segments: readonly PlacedSegment[],
  id: string,
  loops?: (loop: string) => boolean,
  qualifier?: readonly string[],
): PlacedSegment[] {
  return segments.filter(
    (s) =>
      s.id === id &&
      (loops === undefined || loops(s.loop)) &&
      (qualifier === undefined || qualifier.includes(element(s, 1) ?? '')),
  );
}

export function firstIn(
  segments: readonly PlacedSegment[],
  id: string,
  loops?: (loop: string) => boolean,
  qualifier?: readonly string[],
): PlacedSegment | undefined {
  return segmentsIn(segments, id, loops, qualifier)[0];
}

export const inLoop =
  (...ids: string[]) =>
  (loop: string): boolean =>
    ids.includes(loop);

/**
 * One occurrence of a loop: the segments from its first segment up to the next occurrence of the
 * same loop or of a loop outside it. `starts` tells where an occurrence begins (its first segment).
 */
export function loopOccurrences(
  segments: readonly PlacedSegment[],
  inside: (s: PlacedSegment) => boolean,
  starts: (s: PlacedSegment) => boolean,
): PlacedSegment[][] {
  const occurrences: PlacedSegment[][] = [];
  let current: PlacedSegment[] | undefined;
  for (const segment of segments) {
    if (!inside(segment)) {
      current = undefined;
      continue;
    }
    if (starts(segment) || current === undefined) {
      current = [];
      occurrences.push(current);
    }
    current.push(segment);
  }
  return occurrences;
}

/** Whether the segment sits in this loop or any loop under it (per its loop path). */
export const under =
  (loop: string) =>
  (segment: PlacedSegment): boolean =>
    segment.loop === loop || segment.loopPath.includes(loop);
