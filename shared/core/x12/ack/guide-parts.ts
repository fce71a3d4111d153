import { component, element } from '../guide/common.js';
import type { ElementDef, LoopDef, SegmentDef, Usage, X12DataType } from '../guide/model.js';

/**
 * Small constructors the acknowledgement guides (999, 277CA) are written with, so each guide reads
 * like its TR3's segment table. Kept apart from the 837 guides' building blocks on purpose: the
 * acknowledgements share none of their segments' code lists.
 */

export { composite, MANY, unused } from '../guide/common.js';

/** An element as the acknowledgement TR3s' tables list it: type before usage. */
export const el = (
  name: string,
  type: X12DataType,
  min: number,
  max: number,
  usage: Usage = 'R',
  codes?: readonly string[],
): ElementDef => element(name, usage, type, min, max, codes);

export const code = (name: string, min: number, max: number, codes: readonly string[], usage: Usage = 'R') =>
  el(name, 'ID', min, max, usage, codes);

export const part = component;

export const segment = (
  id: string,
  name: string,
  usage: 'R' | 'S',
  max: number,
  elements: readonly ElementDef[],
  match?: SegmentDef['match'],
): SegmentDef => {
  const base = { kind: 'segment' as const, id, name, usage, max, elements };
  return match === undefined ? base : { ...base, match };
};

export const loop = (
  id: string,
  name: string,
  usage: 'R' | 'S',
  max: number,
  children: readonly (SegmentDef | LoopDef)[],
): LoopDef => ({ kind: 'loop', id, name, usage, max, children });

/** ST through SE: the transaction set's own loop, id `ST`. */
export const transactionSet = (
  setId: string,
  version: string,
  children: readonly (SegmentDef | LoopDef)[],
): LoopDef =>
  loop('ST', 'Transaction Set Header', 'R', 1, [
    segment('ST', 'Transaction Set Header', 'R', 1, [
      code('Transaction Set Identifier Code', 3, 3, [setId]),
      el('Transaction Set Control Number', 'AN', 4, 9),
      code('Implementation Convention Reference', 1, 35, [version]),
    ]),
    ...children,
    segment('SE', 'Transaction Set Trailer', 'R', 1, [
      el('Number of Included Segments', 'N0', 1, 10),
      el('Transaction Set Control Number', 'AN', 4, 9),
    ]),
  ]);
