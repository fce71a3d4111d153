/** The two 005010 claim guides the planter writes. */
export type X12ClaimKind = '837P' | '837I';

/** What a planted value stands for (HIPAA Safe Harbor categories, as an 837 carries them). */
export type X12PlantedKind =
  | 'name'
  | 'id'
  | 'address'
  | 'city'
  | 'zip'
  | 'date'
  | 'phone'
  | 'email'
  | 'ssn'
  | 'free-text'
  | 'employer'
  | 'password';

/** One identifying value written into the interchange. */
export interface PlantedValue {
  readonly value: string;
  readonly kind: X12PlantedKind;
  /** `loop/SEG/element`, e.g. `2010BA/NM1/NM103`, `2300/HI/HI01-4` for a composite's component. */
  readonly place: string;
  /**
   * True when a plain substring search for `value` is meaningful (a canary of 5+ characters). False for
   * middle initials and name suffixes such as `JR`: check those at their place, not by search.
   */
  readonly searchable: boolean;
  /** The value sits inside a longer free-text element (whose whole text is planted as `free-text`). */
  readonly inText?: true;
  /** A ZIP whose first three digits are a restricted ZIP3 prefix (Safe Harbor: all digits go). */
  readonly restrictedZip3?: true;
  /** A birth date that makes the person older than 89 on the reference date (the year goes too). */
  readonly over89?: true;
}

/** A clinical code a de-identified copy must keep. */
export interface KeptCode {
  readonly value: string;
  readonly place: string;
  readonly system: 'CPT' | 'HCPCS' | 'ICD-10-CM' | 'ICD-10-PCS' | 'revenue' | 'NDC';
}

/** A value that looks like an address but is not the patient's (an office's), so it is not planted. */
export interface UnplantedValue {
  readonly value: string;
  readonly place: string;
  readonly why: string;
}

export interface X12Separators {
  readonly element: string;
  readonly component: string;
  /** ISA11. */
  readonly repetition: string;
  readonly segment: string;
  /** Written after every segment terminator: nothing, LF or CRLF (never when the terminator is LF). */
  readonly lineBreak: '' | '\n' | '\r\n';
}

export interface GenerateX12Options {
  /** Defaults to a seeded choice among the separator sets. */
  readonly separators?: X12Separators;
  /** GS08/ST03; defaults to `005010X222A1` for 837P and a seeded choice of X223A2/A3 for 837I. */
  readonly version?: string;
  /** Subscribers per transaction set (each with one or two claims); defaults to a seeded 1–3. */
  readonly subscribers?: number;
  /**
   * Write, half the time, a 2310C PER for a home service facility (place of service 12): the patient
   * as contact, name and phone planted. On by default; `false` leaves it out.
   */
  readonly homeContact?: boolean;
}

export interface GeneratedX12 {
  readonly kind: X12ClaimKind;
  readonly seed: number;
  readonly version: string;
  /** The interchange, ASCII only. */
  readonly bytes: string;
  readonly separators: X12Separators;
  /** ISA13. */
  readonly controlNumber: string;
  readonly claims: number;
  readonly planted: readonly PlantedValue[];
  readonly kept: readonly KeptCode[];
  readonly unplanted: readonly UnplantedValue[];
  /** The date ages were computed against (over-89 birth dates). */
  readonly referenceDate: string;
}
