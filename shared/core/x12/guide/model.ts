/**
 * The shape of an X12 implementation guide (TR3) as data: loops, segments, elements and code lists.
 * The 837P and 837I guides, the 999 and the 277CA are written in this shape, and one reader walks
 * them all: no code per loop.
 */

/** X12 simple data types: alphanumeric, identifier (coded), implied-decimal numerics, real, date, time. */
export type X12DataType = 'AN' | 'ID' | 'N0' | 'N1' | 'N2' | 'R' | 'DT' | 'TM' | 'B';

/** R required, S situational (the guide says when), N not used (must be empty). */
export type Usage = 'R' | 'S' | 'N';

export interface ComponentDef {
  readonly name: string;
  readonly usage: Usage;
  readonly type: X12DataType;
  readonly min: number;
  readonly max: number;
  /** The guide's code list, where it gives one for this component. */
  readonly codes?: readonly string[];
}

export interface ElementDef {
  /** The guide's short name, e.g. `Subscriber Last Name`; used in messages, never with a value. */
  readonly name: string;
  readonly usage: Usage;
  readonly type: X12DataType;
  readonly min: number;
  readonly max: number;
  /** The guide's code list, where it gives one (qualifiers above all). */
  readonly codes?: readonly string[];
  /** A composite element: its components, in order; `type`, `min` and `max` then describe the whole. */
  readonly components?: readonly ComponentDef[];
  /** How often the element may repeat (ISA11 separator); 1 when absent. */
  readonly repeat?: number;
}

export interface SegmentDef {
  readonly kind: 'segment';
  readonly id: string;
  readonly name: string;
  readonly usage: 'R' | 'S';
  /** Maximum repeats at this place; `Number.POSITIVE_INFINITY` for `>1`. */
  readonly max: number;
  /**
   * What tells this segment apart from a sibling with the same id, e.g. NM101 `IL` for the
   * subscriber name; `element` is 1-based. A segment with no `match` takes any value there.
   */
  readonly match?: {
    readonly element: number;
    readonly values: readonly string[];
    /**
     * 1-based component of a composite element that carries the code (HI01-1 tells the 837's HI
     * segments apart); absent: the whole element's value.
     */
    readonly component?: number;
  };
  /** Element 01 first. */
  readonly elements: readonly ElementDef[];
}

export interface LoopDef {
  readonly kind: 'loop';
  /** The guide's loop id: `2010BA`; the transaction set's header is `HEADER`. */
  readonly id: string;
  readonly name: string;
  readonly usage: 'R' | 'S';
  /** Maximum repeats of the loop under one parent; `Number.POSITIVE_INFINITY` for `>1`. */
  readonly max: number;
  /** The first child is the loop's trigger segment (with its `match`); HL loops match on HL03. */
  readonly children: readonly (SegmentDef | LoopDef)[];
}

export interface TransactionGuide {
  /** GS08 and ST03, e.g. `005010X222A1`. */
  readonly version: string;
  /** `837P`, `837I`, `999`, `277CA`. */
  readonly name: string;
  /** ST01. */
  readonly transactionSet: string;
  /** GS01 functional identifier code, e.g. `HC`, `FA`, `HN`. */
  readonly functionalGroup: string;
  /** ST through SE as one loop whose id is `ST`. */
  readonly body: LoopDef;
}
