import type { CompiledContract } from '../compile.js';
import type { Pseudonyms } from '../pseudonyms.js';
import type { Rule } from '../report.js';
import type { PhiContext } from '../scrubber.js';

/**
 * What a de-identification policy sees and may do. A policy is a small function for one data type
 * (HumanName, Address, date, …) or one element of it (Address.postalCode). It gets a value with its
 * type, its place and the patient it belongs to, plus a few services; it never sees the walker that
 * found the value, so the FHIR walker and an X12 walker can feed the same registry.
 */
export type Json = Record<string, unknown>;

export const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the contract asks for where a value sits: the profile's settings, then the rules above it. */
export interface Modes {
  readonly text: 'drop' | 'scrub';
  /** A `scrub` rule covers this subtree: every string is scrubbed, not only narrative ones. */
  readonly scrubAll: boolean;
  readonly dates: 'year' | 'shift' | 'keep';
  readonly zip: 'zip3' | 'keep' | 'drop';
  readonly age90: boolean;
  /** 0 none; 1 strings and ids of this subtree (rule on a complex element); 2 this primitive. */
  readonly pseudonymize: 0 | 1 | 2;
  readonly identifiers: 'drop' | 'pseudonymize';
}

/**
 * What a compiled contract asks for where no rule speaks: the profile's settings, with Safe Harbor's
 * limits (year-only dates, 90+ ages, identifiers dropped) whatever the contract wrote. The FHIR walk
 * and the X12 transform start from the same modes.
 */
export function baseModesOf(contract: {
  readonly profile: string;
  readonly freeText: Modes['text'];
  readonly dates: Modes['dates'];
  readonly zip: Modes['zip'];
  readonly ages90: boolean;
  readonly identifiers: Modes['identifiers'];
}): Modes {
  const safeHarbor = contract.profile === 'safe-harbor';
  return {
    text: contract.freeText,
    scrubAll: false,
    dates: safeHarbor ? 'year' : contract.dates,
    zip: contract.zip,
    age90: safeHarbor || contract.ages90,
    pseudonymize: 0,
    identifiers: safeHarbor ? 'drop' : contract.identifiers,
  };
}

/**
 * What the post-pass does with a kept value: `display` (a code display or text: checked against the
 * record's identifiers and PHI patterns, and dropped when the record names no person to check against),
 * `check` (the same, without failing closed: units, versions), `check-context` (identifiers only:
 * systems, states), `number`, and the three kinds of scrubbing.
 */
export type DeferKind =
  | 'display'
  | 'check'
  | 'check-context'
  | 'number'
  | 'scrub'
  | 'scrub-div'
  | 'scrub-attachment';

/** The value goes. */
export const DROP = Symbol('drop');
/** An element policy leaves the value to the policy of its own type. */
export const PASS = Symbol('pass');

/** A value the output keeps, possibly only after a check once the whole record is known. */
export interface Kept {
  readonly value: unknown;
  readonly defer: DeferKind | undefined;
}

export type Outcome = Kept | typeof DROP;
export type ElementOutcome = Outcome | typeof PASS;

export const keep = (value: unknown, defer?: DeferKind): Kept => ({ value, defer });

/** The individual a value belongs to; `key` is computed when a policy first needs it. */
export interface Subject {
  readonly key: string;
}

/** What references resolve against where a value sits (FHIR: contained resources, the server base). */
export interface Links {
  /** `#`: a contained resource pointing at its container, which makes the contained one referenced. */
  container(): void;
  /** `#id`: the output id of a contained resource, now marked referenced; undefined when none. */
  contained(id: string): string | undefined;
  /** Any other reference, rewritten to its pseudonym; undefined when it must go. */
  rewrite(reference: string): string | undefined;
}

/** The record a value belongs to (a FHIR resource, an X12 claim), as far as a policy touches it. */
export interface PolicyRecord {
  /** Security-label bits the rules applied in it have earned; set through `count`. */
  labels: number;
  /** Its birth date was withheld for an age over 89: the producer adds the age category. */
  age90: boolean;
  readonly links: Links | undefined;
}

/** Where a value sits: the path the report counts it under, and its record. */
export interface Place {
  readonly path: string;
  readonly record: PolicyRecord;
}

/** One value to decide on. */
export interface PolicyInput {
  readonly value: unknown;
  /** The data type holding the element (`Address`). */
  readonly type: string;
  /** The element as written (`valueString`). */
  readonly element: string;
  /** The element's name without a choice suffix (`value`): free-text and birth-date tests use it. */
  readonly elementName: string;
  /** The value's own type (`string`, `date`, `id`, …). */
  readonly valueType: string;
  readonly place: Place;
  readonly patient: Subject;
  /** The holder's other elements (an Identifier's `system` beside its `value`). */
  readonly siblings: Json;
  /** Code displays beside the holder (the parts of a coded extension); undefined elsewhere. */
  readonly neighbourDisplays: ReadonlySet<string> | undefined;
  readonly modes: Modes;
}

/** A complex value (a HumanName, an Address) as a whole, before its elements are looked at. */
export interface WholeInput {
  readonly value: Json;
  readonly place: Place;
  readonly modes: Modes;
}

/** A complex value once its elements are decided: `output` is what the walk kept of `value`. */
export interface AfterInput {
  readonly value: Json;
  readonly output: Json;
  readonly place: Place;
  readonly modes: Modes;
}

export type PolicySettings = Pick<CompiledContract, 'profile' | 'dates' | 'shift' | 'restrictedZip'>;

/** What policies may use: keys, settings, the report, the record's identifiers. No clock, no I/O. */
export interface PolicyServices {
  readonly settings: PolicySettings;
  /** YYYY-MM-DD: the day ages are computed for. */
  readonly referenceDate: string;
  readonly pseudonyms: Pseudonyms;
  /** The system of pseudonymous identifiers under this key. */
  readonly pseudonymSystem: string;
  /** The record's own identifiers, gathered so free text and kept strings can be checked against them. */
  readonly identifiers: Pick<PhiContext, 'addName' | 'addAddressPart' | 'addIdentifier'>;
  /** Counts a rule applied at a place; the record earns the rule's security label. */
  count(rule: Rule, place: Place): void;
  /** The patient's date shift in days: the same for every value of theirs. */
  shiftDays(patient: Subject): number;
  /** Gathers the identifiers inside a value that is dropped without being looked at. */
  collect(value: unknown): void;
}

/** A policy for one element of a data type; PASS hands the value on to its own type's policy. */
export type ElementPolicy = (input: PolicyInput, services: PolicyServices) => ElementOutcome;
/** A policy for every value of a (primitive) type. */
export type ValuePolicy = (input: PolicyInput, services: PolicyServices) => Outcome;
/** A policy for a whole complex value: drop it, or walk its elements. */
export type WholePolicy = (input: WholeInput, services: PolicyServices) => 'walk' | typeof DROP;

/** A fix-up of a whole value after its elements, rewriting `output` in place. */
export type AfterPolicy = (input: AfterInput, services: PolicyServices) => void;

/** Drops a value, counted under `rule`. */
export function dropAs(rule: Rule, place: Place, services: PolicyServices): typeof DROP {
  services.count(rule, place);
  return DROP;
}

/** Drops a value that is not what its type says it is (a number where a date should be). */
export const invalid = (place: Place, services: PolicyServices): typeof DROP =>
  dropAs('invalid-drop', place, services);

/** The backstop: drops what the profile never lets through, whatever the contract allowed. */
export const withheld = (place: Place, services: PolicyServices): typeof DROP =>
  dropAs('backstop-drop', place, services);

/**
 * Words about a person that are not meant as free text (a reference's display, an attachment's
 * title): dropped, unless a `scrub` rule covers them; then they are free text like any string.
 */
export const withheldUnlessScrubRule: ElementPolicy = ({ place, modes }, services) =>
  modes.scrubAll ? PASS : withheld(place, services);

/** A string kept as it is, subject to a check once the whole record has been seen. */
export function keptString(input: PolicyInput, services: PolicyServices, check: DeferKind): Outcome {
  return typeof input.value === 'string' ? keep(input.value, check) : invalid(input.place, services);
}

/** A string kept as it is, with no later check (URLs of code systems, extension URLs). */
export function plainString(input: PolicyInput, services: PolicyServices): Outcome {
  return typeof input.value === 'string' ? keep(input.value) : invalid(input.place, services);
}

export const normalize = (text: string): string => text.trim().toLowerCase();
