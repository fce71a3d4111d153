/**
 * What the loop-aware reader hands on: every segment with its place in the guide, issues found on
 * the way (positions, never values), and claims one at a time.
 */

/** One segment where the reader placed it. */
export interface PlacedSegment {
  readonly id: string;
  /** `elements[0]` is the segment id, `elements[1]` element 01, as split on the element separator. */
  readonly elements: readonly string[];
  /** The innermost loop holding it: `2010BA`, `HEADER` for BHT and 1000A/B's parent; `ISA`, `GS`, `ST` for envelopes. */
  readonly loop: string;
  /** The loop ids from the outermost down, e.g. `['ST', '2000A', '2000B', '2300', '2400']`. */
  readonly loopPath: readonly string[];
  /** 1-based ordinal in its transaction set, ST being 1 (999 IK302); 0 for ISA, GS, GE, IEA. */
  readonly position: number;
  /** 1-based ordinal in the interchange stream, ISA being 1. */
  readonly ordinal: number;
}

/** The SNIP level a check belongs to (WEDI): 1 syntax, 2 guide requirements, 3 balancing, 4 situations. */
export type SnipLevel = 1 | 2 | 3 | 4;

/** Where a defect sits, as the 999's IK3/IK4 and the OperationOutcome's `expression` name it. */
export interface X12Issue {
  readonly snip: SnipLevel;
  /**
   * Which acknowledgement element carries it and with what code:
   * `TA1` (TA105 note code), `AK9`/`IK5` (set or group level, e.g. IK502 `4` control number),
   * `IK3` (IK304 segment syntax error code) or `IK4` (IK403 element error code).
   */
  readonly ack: { readonly level: 'TA1' | 'GROUP' | 'SET' | 'IK3' | 'IK4'; readonly code: string };
  /** `2010BA/NM1[23]/NM109`: loop, segment id with its position in the set, element (and `-2` component). */
  readonly expression: string;
  /** A sentence naming the rule broken; never a submitted value. */
  readonly message: string;
  readonly loop: string | undefined;
  readonly segment: string | undefined;
  /** Segment position in its transaction set (0 for envelope segments). */
  readonly position: number;
  /** 1-based element and component, where the defect is in one. */
  readonly element: number | undefined;
  readonly component: number | undefined;
  /**
   * Where it sits, for the acknowledgement: 0-based ordinals of the interchange in the stream, the
   * group in its interchange and the set in its group. Ordinals, not ISA13/GS06/ST02: a broken
   * envelope can hold anything where a control number belongs, and an issue never carries a value.
   */
  readonly interchange: number | undefined;
  readonly group: number | undefined;
  readonly transactionSet: number | undefined;
}

/**
 * One claim (a 2300 loop) with what it needs from above it, as the reader groups them: memory holds
 * one claim and its ancestry, however large the file.
 */
export interface ClaimUnit {
  /** `837P` or `837I`, from the guide that GS08/ST03 name. */
  readonly kind: '837P' | '837I';
  /** GS08, e.g. `005010X222A1`. */
  readonly version: string;
  readonly interchange: string;
  readonly group: string;
  readonly transactionSet: string;
  /** 1-based count of this claim within the file. */
  readonly index: number;
  /** BHT and the 1000A/1000B loops of its transaction set. */
  readonly header: readonly PlacedSegment[];
  /** 2000A with 2010AA/AB/AC. */
  readonly billingProvider: readonly PlacedSegment[];
  /** 2000B with 2010BA/BB. */
  readonly subscriber: readonly PlacedSegment[];
  /** 2000C with 2010CA, present only when the patient is not the subscriber. */
  readonly patient: readonly PlacedSegment[] | undefined;
  /** 2300 and every loop under it (2305–2330G, 2400–2440), in file order. */
  readonly claim: readonly PlacedSegment[];
}

/** The delimiters an interchange declared in its ISA. */
export interface Delimiters {
  readonly element: string;
  readonly component: string;
  /** ISA11; undefined when ISA11 is the legacy `U`. */
  readonly repetition: string | undefined;
  readonly segment: string;
}

/** One transaction set as read: what a 999's AK2/IK5 and a 277CA answer about. */
export interface TransactionSetSummary {
  /** ST01, e.g. `837`. */
  readonly id: string;
  /** ST02. */
  readonly control: string;
  /** ST03 (the guide), when present. */
  readonly version: string | undefined;
  /** Segments from ST to SE inclusive, as counted (SE01 should equal it). */
  readonly segments: number;
  /** Claims (2300 loops) in it. */
  readonly claims: number;
  /** No issue of SNIP level 1–4 sits in it. */
  readonly accepted: boolean;
}

/** One functional group as read: what a 999's AK1/AK9 answers about. */
export interface GroupSummary {
  /** GS01, e.g. `HC`. */
  readonly functional: string;
  /** GS06. */
  readonly control: string;
  /** GS08. */
  readonly version: string;
  readonly sets: readonly TransactionSetSummary[];
}

/** One interchange as read: what a TA1 answers about; no submitted value beyond control data. */
export interface InterchangeSummary {
  /** ISA13. */
  readonly control: string;
  /** ISA05/ISA06 and ISA07/ISA08, trimmed: echoed back, swapped, in the acknowledgement's ISA. */
  readonly senderQualifier: string;
  readonly sender: string;
  readonly receiverQualifier: string;
  readonly receiver: string;
  /** ISA09 (YYMMDD) and ISA10 (HHMM), echoed in TA102/TA103. */
  readonly date: string;
  readonly time: string;
  /** ISA12, e.g. `00501`. */
  readonly version: string;
  /** ISA15: `P` production or `T` test. */
  readonly usage: string;
  readonly groups: readonly GroupSummary[];
}

/** What reading a whole file yields besides its segments. */
export interface X12ReadResult {
  readonly delimiters: Delimiters;
  readonly interchanges: readonly InterchangeSummary[];
  /** Every defect found, in file order, up to the reader's cap. */
  readonly issues: readonly X12Issue[];
  /** Issues beyond the cap that were counted but not kept. */
  readonly moreIssues: number;
}
