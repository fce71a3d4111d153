import { PipelineError } from '../../errors.js';
import type { ConsumerContract } from '../contract-schema.js';
import {
  type CollectedValues,
  collectIdentifyingValues,
  type GateHitKind,
  type GatePolicy,
  gatePolicy,
  type IdentifyingValues,
  term,
  words,
} from './collect.js';

/**
 * The release gate, part two: scans every string of a de-identified output for the input's
 * identifying values (in any case, as whole words, with dates in their common renderings and phone
 * numbers and ZIPs by their digits), and checks the contract's promise (no date finer than the year,
 * no ZIP beyond ZIP3, no age over 89). The result names paths and kinds, never a value.
 */

export interface GateHit {
  /** FHIRPath-like location in the output, e.g. `Observation[3].note[0].text`. */
  readonly path: string;
  readonly kind: GateHitKind;
}

export type GateResult = { readonly ok: true } | { readonly ok: false; readonly hits: readonly GateHit[] };

/** Past this many hits the output has failed well enough; the rest are not listed. */
export const MAX_HITS = 50;

export interface ReleaseGate {
  readonly policy: GatePolicy;
  /** The identifying values of one input, to check its outputs against. */
  collect(input: unknown): CollectedValues;
  /**
   * Checks one output against the input's values; `root` names the output (`Bundle`, or an NDJSON
   * line such as `Observation[3]`), or a function that names it, called only when there is a hit.
   * Several outputs of one input: call `scan` with the same values.
   */
  scan(
    values: IdentifyingValues,
    output: unknown,
    root: string | (() => string),
    hits?: GateHit[],
  ): GateHit[];
  /** `scan` of each output against values collected before; outputs are [root, value] pairs. */
  verdict(values: IdentifyingValues, outputs: Iterable<readonly [string, unknown]>): GateResult;
  /** `collect` then `verdict`. */
  check(input: unknown, outputs: Iterable<readonly [string, unknown]>): GateResult;
}

/** A gate for one resolved contract (the engine's `contract`). Pure: no clock, no I/O. */
export function createReleaseGate(contract: ConsumerContract): ReleaseGate {
  const policy = gatePolicy(contract);
  const gate: ReleaseGate = {
    policy,
    collect: (input) => collectIdentifyingValues(input, policy),
    scan(values, output, root, hits = []) {
      new Scanner(policy, values, hits, root).value(output, undefined, 0);
      return hits;
    },
    check: (input, outputs) => gate.verdict(gate.collect(input), outputs),
    verdict(values, outputs) {
      const hits: GateHit[] = [];
      for (const [root, output] of outputs) {
        gate.scan(values, output, root, hits);
        if (hits.length >= MAX_HITS) break;
      }
      return gateResult(hits);
    },
  };
  return gate;
}

export const gateResult = (hits: readonly GateHit[]): GateResult =>
  hits.length === 0 ? { ok: true } : { ok: false, hits: hits.slice(0, MAX_HITS) };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORD = '(?:st|nd|rd|th)?';

/**
 * Dates as people and systems write them. Each alternative captures its parts; `normalize` turns a
 * match into the YYYY-MM-DD candidates it may mean (10/04/2022 is 4 October or 10 April).
 */
const DATE_RENDERINGS: readonly (readonly [RegExp, (m: RegExpExecArray) => string[]])[] = [
  // 2022-10-24, 2022/10/24, 2022.10.24, also inside a dateTime.
  [/(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/g, (m) => [iso(m[1], m[2], m[3])]],
  // 10/24/2022, 24/10/2022, 10-24-2022, 24.10.2022, and two-digit years.
  [
    /(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)/g,
    (m) => years(m[3]).flatMap((y) => [iso(y, m[1], m[2]), iso(y, m[2], m[1])]),
  ],
  // 20221024, and 24102022 / 10242022.
  [
    /(?<!\d)(\d{8})(?!\d)/g,
    (m) => {
      const d = m[1] ?? '';
      return [
        iso(d.slice(0, 4), d.slice(4, 6), d.slice(6)),
        iso(d.slice(4), d.slice(0, 2), d.slice(2, 4)),
        iso(d.slice(4), d.slice(2, 4), d.slice(0, 2)),
      ];
    },
  ],
  // Oct 24, 2022 / October 24th 2022.
  [
    new RegExp(String.raw`\b${MONTH}\.?\s+(\d{1,2})${ORD},?\s+(\d{4})\b`, 'giu'),
    (m) => [iso(m[3], month(m[1]), m[2])],
  ],
  // 24 Oct 2022 / 24th of October, 2022 / 24-Oct-2022.
  [
    new RegExp(String.raw`\b(\d{1,2})${ORD}(?:\s+of)?[\s-]+${MONTH}\.?,?[\s-]+(\d{4})\b`, 'giu'),
    (m) => [iso(m[3], month(m[2]), m[1])],
  ],
];

/**
 * What any rendering above needs somewhere in the string: one regex test that most strings (codes,
 * ids, references, displays) fail, so the renderings themselves run on few strings.
 */
const DATE_SHAPE = new RegExp(
  String.raw`\d[-/.]\d{1,2}[-/.]\d|(?<!\d)\d{8}(?!\d)|${MONTH}\.?[\s-]+\d|\d${ORD}(?:\s+of)?[\s-]+${MONTH}`,
  'i',
);

function iso(y: string | undefined, m: string | undefined, d: string | undefined): string {
  return `${y ?? ''}-${(m ?? '').padStart(2, '0')}-${(d ?? '').padStart(2, '0')}`;
}
const years = (y: string | undefined): string[] =>
  y === undefined ? [] : y.length === 4 ? [y] : [`19${y}`, `20${y}`];
const month = (name: string | undefined): string =>
  String(MONTHS.indexOf((name ?? '').slice(0, 3).toLowerCase()) + 1);

/** A string that is a FHIR date, dateTime or instant with a month or a day. */
const FINER_THAN_YEAR = /^\d{4}-\d{2}(?:-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?$/;
/**
 * How the engine writes a year where the type needs a full instant (`instant`, `Bundle.timestamp`):
 * 1 January, midnight UTC. It carries the year only, so it is neither finer than the year nor a date.
 */
const YEAR_INSTANT = /^\d{4}-01-01T00:00:00(?:\.0+)?(?:Z|\+00:00)$/;
const ZIP3 = /^(?:\d{3}(?:00)?)$/;
const NUMERIC_CODE = /^\d[\d.-]*$/;
const DIGIT_RUN = /\+?\d[\d\s().-]{5,}\d/g;
/**
 * A UUID or a keyed pseudonym (32 hex characters) carries no date, phone or ZIP, but its hex digits
 * are digit runs by chance: at a gigabyte (or in a 16 MB 837), some pseudonymised id spells one of
 * the input's many dates (`19700101-…`), ZIPs or identifiers. A digit or date match is confirmed
 * with these blanked out; names and whole identifiers are still looked for everywhere.
 */
const OPAQUE =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9a-z])[0-9a-f]{32}(?![0-9a-z])/gi;
const OPAQUE_HINT = /[0-9a-f]{8}-[0-9a-f]{4}-|[0-9a-f]{32}/i;
const withoutOpaque = (text: string): string => (OPAQUE_HINT.test(text) ? text.replace(OPAQUE, ' ') : text);
/**
 * The engine's pseudonymous ids and fullUrls (a lower-case UUID, or `urn:uuid:` and one): most of the
 * distinct strings of an output (in the Synthea corpus, 21,000 of 23,000), each judged once. The
 * profile of `phi deid` had their date and digit searches as most of the gate's scan.
 */
const PSEUDONYM_UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isPseudonymUuid = (text: string): boolean =>
  (text.length === 36 || text.length === 45) && PSEUDONYM_UUID.test(text);
const UCUM = 'http://unitsofmeasure.org';
const YEARS_PER_UNIT: Readonly<Record<string, number>> = { a: 1, mo: 1 / 12, wk: 7 / 365.25, d: 1 / 365.25 };

/**
 * What one string says, whatever its place: the same text against the same values always gives the
 * same answer, so a job's repeated strings (codes, displays, systems, references) are judged once.
 */
interface StringVerdict {
  /** A FHIR date finer than the year (and not the engine's year-only instant). */
  readonly finer: boolean;
  /** One of the input's terms or digit strings, when the text holds one. */
  readonly kind: GateHitKind | undefined;
  /** One of the input's full dates, in a common rendering. */
  readonly date: boolean;
}

/** Strings longer than this (free text, attachments) are rarely repeated: judged each time, not kept. */
const MEMO_MAX_LENGTH = 128;
/** A memo is dropped whole when full: a few MB at most, whatever the size of the job or stream. */
const MEMO_LIMIT = 50_000;
const memos = new WeakMap<IdentifyingValues, Map<string, StringVerdict>>();

function memoOf(values: IdentifyingValues): Map<string, StringVerdict> {
  let memo = memos.get(values);
  if (memo === undefined) {
    memo = new Map();
    memos.set(values, memo);
  }
  return memo;
}

/**
 * One scan of one output. The path of a value is only spelled out when it is a hit: the scanner
 * keeps the keys and indices that lead to it on a stack instead of building a string per value.
 */
class Scanner {
  /** Hits of this scan, by kind and path: the same place is not listed twice. */
  private seen: Set<string> | undefined;
  private readonly steps: (string | number)[] = [];
  private readonly memo: Map<string, StringVerdict>;

  constructor(
    private readonly policy: GatePolicy,
    private readonly values: IdentifyingValues,
    private readonly hits: GateHit[],
    private readonly root: string | (() => string),
  ) {
    this.memo = memoOf(values);
  }

  private path(): string {
    let path = typeof this.root === 'string' ? this.root : this.root();
    for (const step of this.steps) path += typeof step === 'number' ? `[${step}]` : `.${step}`;
    return path;
  }

  private hit(kind: GateHitKind, path = this.path()): void {
    const key = `${kind} ${path}`;
    this.seen ??= new Set();
    if (this.seen.has(key) || this.hits.length >= MAX_HITS) return;
    this.seen.add(key);
    this.hits.push({ path, kind });
  }

  value(value: unknown, key: string | undefined, depth: number): void {
    if (depth > 128 || this.hits.length >= MAX_HITS) return;
    if (typeof value === 'string') {
      this.string(value, key);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const steps = this.steps;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        steps.push(i);
        this.value(value[i], key, depth + 1);
        steps.pop();
      }
      return;
    }
    const node = value as Record<string, unknown>;
    if (this.policy.ages90) this.age(node);
    for (const k in node) {
      steps.push(k);
      this.value(node[k], k, depth + 1);
      steps.pop();
    }
  }

  private string(text: string, key: string | undefined): void {
    const { policy } = this;
    const verdict = this.verdict(text);
    if (verdict.finer) this.hit('date-precision');
    if (key === 'postalCode' && policy.zip !== 'keep') {
      if (policy.zip === 'drop' || !ZIP3.test(text.trim())) this.hit('zip-precision');
    }
    const kind = verdict.kind === undefined || this.judgedByPlace(key, text) ? undefined : verdict.kind;
    if (kind !== undefined) this.hit(kind);
    if (verdict.date) this.hit('date');
  }

  /**
   * A value its place says what it is, whatever input value its characters happen to spell: a numeric
   * `code` (CPT 99213, SNOMED, LOINC 8480-6) is a standard code, not a value of the record (a ZIP or
   * an MRN that equals one must not stop real traffic); a ZIP3 is judged by its precision (ZIP3+00 may
   * equal a five-digit ZIP of the input); a postal code or a city the contract keeps (a limited data
   * set) that is one of the input's is that postal code or city, not an identifier or a name.
   */
  private judgedByPlace(key: string | undefined, text: string): boolean {
    const { policy, values } = this;
    switch (key) {
      case 'code':
        return NUMERIC_CODE.test(text);
      case 'postalCode':
        return policy.zip === 'keep'
          ? values.keptPostalCodes?.has(text.trim()) === true
          : policy.zip === 'zip3' && ZIP3.test(text.trim());
      case 'city':
        return !policy.cities && values.keptCities?.has(term(text)) === true;
      default:
        return false;
    }
  }

  private verdict(text: string): StringVerdict {
    const short = text.length <= MEMO_MAX_LENGTH;
    const known = short ? this.memo.get(text) : undefined;
    if (known !== undefined) return known;
    const verdict: StringVerdict = isPseudonymUuid(text)
      ? // Exactly what the general case finds in these shapes: no date (a UUID is blanked before dates
        // and digits are looked for, and `urn:uuid:` holds none), only the terms.
        { finer: false, kind: this.term(text), date: false }
      : this.judge(text);
    if (short) {
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(text, verdict);
    }
    return verdict;
  }

  private judge(text: string): StringVerdict {
    const { policy, values } = this;
    const yearOnly = YEAR_INSTANT.test(text);
    const fhirDate = !yearOnly && FINER_THAN_YEAR.test(text);
    return {
      finer: policy.dates && fhirDate,
      // A FHIR date is judged as a date (its precision, the input's dates), not as a digit string: a
      // kept or shifted 2024-03-15 is not the identifier 20240315.
      kind: this.term(text) ?? (fhirDate || yearOnly ? undefined : this.digits(text)),
      date: values.dates.size > 0 && !yearOnly && this.date(text),
    };
  }

  /** The first run of up to `maxWords` words that is one of the input's terms. */
  private term(text: string): GateHitKind | undefined {
    const { terms, maxWords, prefixes } = this.values;
    if (terms.size === 0) return undefined;
    const w = words(text);
    for (let i = 0; i < w.length; i++) {
      let run = w[i] ?? '';
      const kind = terms.get(run) ?? (run.endsWith("'s") ? terms.get(run.slice(0, -2)) : undefined);
      if (kind !== undefined) return kind;
      for (let n = 1; n < maxWords && i + n < w.length && prefixes.has(run); n++) {
        run = `${run} ${w[i + n] ?? ''}`;
        const longer = terms.get(run);
        if (longer !== undefined) return longer;
      }
    }
    return undefined;
  }

  /** A run of digits with separators ("(555) 123-4567", "+1 555.123.4567") that is one of the input's. */
  private digits(raw: string): GateHitKind | undefined {
    if (this.values.digits.size === 0) return undefined;
    // Most strings match nothing: UUIDs and pseudonyms are blanked out only to confirm a match.
    return this.digitsIn(raw) === undefined ? undefined : this.digitsIn(withoutOpaque(raw));
  }

  private digitsIn(text: string): GateHitKind | undefined {
    const { digits } = this.values;
    DIGIT_RUN.lastIndex = 0;
    for (let m = DIGIT_RUN.exec(text); m !== null; m = DIGIT_RUN.exec(text)) {
      const d = m[0].replace(/\D/g, '');
      const kind =
        digits.get(d) ?? (d.length === 11 && d.startsWith('1') ? digits.get(d.slice(1)) : undefined);
      if (kind !== undefined) return kind;
    }
    return undefined;
  }

  private date(raw: string): boolean {
    if (!DATE_SHAPE.test(raw)) return false;
    return this.dateIn(raw) && this.dateIn(withoutOpaque(raw));
  }

  private dateIn(text: string): boolean {
    for (const [pattern, normalize] of DATE_RENDERINGS) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        if (normalize(m).some((d) => this.values.dates.has(d))) return true;
      }
    }
    return false;
  }

  /** An age (a UCUM duration of years, months, weeks or days) over 89 that is not "90 or more". */
  private age(node: Record<string, unknown>): void {
    if (node.system !== UCUM || typeof node.value !== 'number' || typeof node.code !== 'string') return;
    const perUnit = YEARS_PER_UNIT[node.code];
    if (perUnit === undefined || node.value * perUnit <= 89) return;
    if (node.value === 90 && node.comparator === '>=' && node.code === 'a') return;
    this.hit('age', `${this.path()}.value`);
  }
}

/** NDJSON lines (or resources posted one by one) as gate outputs, each named `Type[line]`. */
export const lineOutputs = (lines: readonly Record<string, unknown>[]): [string, unknown][] =>
  lines.map((line, i) => [`${String(line.resourceType)}[${i}]`, line]);

/**
 * Fail-closed release: throws `residual-phi` (not retryable) naming the first hit's path and kind,
 * and how many there were; never a value. `what` names the copy in the message (a file name, "copy").
 */
export function assertReleasable(
  gate: ReleaseGate,
  values: IdentifyingValues,
  outputs: Iterable<readonly [string, unknown]>,
  what: string,
): void {
  refuseOnHits(gate.verdict(values, outputs), what);
}

/** A verdict that found anything becomes `residual-phi` naming the first hit; FHIR and X12 alike. */
export function refuseOnHits(result: GateResult, what: string): void {
  if (result.ok) return;
  const [first, ...rest] = result.hits;
  if (first === undefined) return;
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more)`;
  throw new PipelineError(
    'residual-phi',
    `${what} failed the release gate: ${first.kind} at ${first.path}${more}`,
    { details: { path: first.path, kind: first.kind, hits: result.hits.length, expression: first.path } },
  );
}
