import type { ConsumerContract } from '../contract-schema.js';
import { HONORIFICS, institutionalContact, referenceKey } from '../scrubber.js';

/**
 * The release gate, part one: what the contract promises to remove, and the identifying values of an
 * input record that fall under that promise. Independent of the engine (it reads the input by the
 * shape of FHIR datatypes, not through the walker), so a policy that lets something through is caught
 * rather than repeated.
 */

/** What a hit is: the kind of value found, or the promise broken. Never the value itself. */
export type GateHitKind =
  | 'name'
  | 'address'
  | 'city'
  | 'postal-code'
  | 'telecom'
  | 'identifier'
  /** The name of an organisation tied to the individual: an employer, a contact's organisation. */
  | 'employer'
  | 'date'
  /** Safe Harbor (or `dates: year`): a date finer than the year. */
  | 'date-precision'
  /** `zip: zip3`: a postalCode beyond its first three digits; `zip: drop`: any postalCode. */
  | 'zip-precision'
  /** Ages aggregated: an age over 89 that is not the category "90 or more". */
  | 'age';

/** What the contract removes, hence what the gate looks for. */
export interface GatePolicy {
  readonly profile: 'safe-harbor' | 'limited-data-set';
  /** Full dates must not survive (Safe Harbor, or a limited data set with `dates: year`). */
  readonly dates: boolean;
  /** Cities are removed (Safe Harbor only: a limited data set may keep towns). */
  readonly cities: boolean;
  /** Five-digit ZIPs are removed: `zip3` cuts them, `drop` removes them altogether. */
  readonly zip: 'zip3' | 'drop' | 'keep';
  /** Ages over 89 become "90 or more". */
  readonly ages90: boolean;
}

/** The gate's reading of a resolved contract, with the same defaults and profile limits as the engine. */
export function gatePolicy(contract: ConsumerContract): GatePolicy {
  const profile = contract.profile ?? 'safe-harbor';
  const safeHarbor = profile === 'safe-harbor';
  const zip = contract.zip?.method ?? 'zip3';
  return {
    profile,
    dates: safeHarbor || (contract.dates?.method ?? 'year') === 'year',
    cities: safeHarbor,
    // Only a limited data set may keep a five-digit ZIP; Safe Harbor turns `keep` into ZIP3.
    zip: zip === 'keep' && safeHarbor ? 'zip3' : zip,
    ages90: safeHarbor || (contract.ages?.over89 ?? 'aggregate') === 'aggregate',
  };
}

/**
 * The identifying values of one input, normalized for lookup: word sequences (lower case, one space
 * between words), digit strings (telecom, long identifiers, ZIPs) and full dates (YYYY-MM-DD).
 */
export interface IdentifyingValues {
  readonly terms: KindLookup;
  readonly digits: KindLookup;
  readonly dates: StringLookup;
  /** The longest term, in words. */
  readonly maxWords: number;
  /** Leading word runs of the multi-word terms: a scan extends a run only while it is one. */
  readonly prefixes: StringLookup;
  /**
   * The input's cities (as `term` writes them) where the contract keeps cities (a limited data set):
   * in a city place such a value is that city, not the name of someone it happens to spell.
   */
  readonly keptCities?: ReadonlySet<string>;
  /** The input's postal codes (trimmed) where the contract keeps five-digit ZIPs (a limited data set). */
  readonly keptPostalCodes?: ReadonlySet<string>;
}

/** Identifying values as one input's collection holds them: Maps and Sets, which can be listed. */
export interface CollectedValues extends IdentifyingValues {
  readonly terms: ReadonlyMap<string, GateHitKind>;
  readonly digits: ReadonlyMap<string, GateHitKind>;
  readonly dates: ReadonlySet<string>;
  readonly prefixes: ReadonlySet<string>;
}

/** What the gate asks of a set of values: a `Set`, or a compact one (a bulk submission's, shared/app/bulk). */
export interface StringLookup {
  has(value: string): boolean;
  readonly size: number;
}
export interface StringTable extends StringLookup {
  add(value: string): unknown;
}
/** What the gate asks of values with their kind: a `Map`, or a compact one. */
export interface KindLookup {
  get(value: string): GateHitKind | undefined;
  readonly size: number;
}
export interface KindTable extends KindLookup {
  has(value: string): boolean;
  set(value: string, kind: GateHitKind): unknown;
}

/** Where a collector keeps its values; by default Maps and Sets of strings. */
export interface CollectorTables {
  readonly terms: KindTable;
  readonly digits: KindTable;
  readonly dates: StringTable;
  readonly prefixes: StringTable;
}

/**
 * Words that are not worth looking for on their own: honorifics and name particles. Together with
 * the length rules below, they keep the gate from flagging kept codes and displays.
 */
const GENERIC: ReadonlySet<string> = new Set([
  ...HONORIFICS,
  ...['the', 'and', 'van', 'von', 'der', 'den', 'del', 'della', 'des', 'los', 'las', 'bin', 'ben', 'mac'],
  ...['apt', 'unit', 'suite', 'street', 'road'],
]);

/** Minimum lengths (characters of the normalized term): shorter values match too much by chance. */
export const MIN_NAME = 3;
export const MIN_ADDRESS = 4;
export const MIN_IDENTIFIER = 4;
export const MIN_ORGANIZATION = 4;
/** Digit strings (phones, identifiers written without separators) count from this many digits. */
export const MIN_DIGITS = 7;

const CONTACT_SYSTEMS: ReadonlySet<string> = new Set([
  'phone',
  'fax',
  'email',
  'pager',
  'url',
  'sms',
  'other',
]);
const FULL_DATE = /^(\d{4}-\d{2}-\d{2})(?:T|$)/;
/** Words: letters and digits, joined by inner apostrophes, dots, hyphens or slashes. */
export const WORD = /[\p{L}\p{N}]+(?:['.\-/][\p{L}\p{N}]+)*/gu;
const MAX_WORDS = 8;

const CURLY = /[\u2018\u2019\u02bc]/g;

/** The words of a text, lower case, curly apostrophes made straight. On every output string: kept lean. */
export function words(text: string): string[] {
  const ascii = asciiWords(text);
  if (ascii !== undefined) return ascii;
  const lower = text.toLowerCase();
  const plain =
    lower.includes('\u2018') || lower.includes('\u2019') || lower.includes('\u02bc')
      ? lower.replace(CURLY, "'")
      : lower;
  const out: string[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(plain); m !== null; m = WORD.exec(plain)) out.push(m[0]);
  return out;
}

/** A value as the gate looks it up: its words, lower case, one space apart. */
export const term = (text: string): string => words(text).join(' ');

/** An ASCII letter or digit: what `[\p{L}\p{N}]` is below U+0080. */
const isWordCode = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
/** `'`, `.`, `-`, `/`: what may join two runs of letters and digits into one word. */
const isJoinerCode = (c: number): boolean => c === 0x27 || c === 0x2e || c === 0x2d || c === 0x2f;

/**
 * `WORD` by hand for ASCII text (most strings of a record: codes, ids, references, displays), the
 * same words in the same order; undefined for any other text, which takes the Unicode regex. The
 * profile of `phi deid` had the Unicode-aware regex among its top items.
 */
function asciiWords(text: string): string[] | undefined {
  const n = text.length;
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) > 0x7f) return undefined;
  const lower = text.toLowerCase();
  const out: string[] = [];
  let i = 0;
  while (i < n) {
    if (!isWordCode(lower.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    i++;
    while (i < n && isWordCode(lower.charCodeAt(i))) i++;
    while (i + 1 < n && isJoinerCode(lower.charCodeAt(i)) && isWordCode(lower.charCodeAt(i + 1))) {
      i += 2;
      while (i < n && isWordCode(lower.charCodeAt(i))) i++;
    }
    out.push(lower.slice(start, i));
  }
  return out;
}

const stringTables = () => ({
  terms: new Map<string, GateHitKind>(),
  digits: new Map<string, GateHitKind>(),
  dates: new Set<string>(),
  prefixes: new Set<string>(),
});

/** Builds an input's identifying values; the X12 gate (x12.ts) feeds it from an 837's PHI places. */
export class Collector {
  readonly terms: KindTable;
  readonly digits: KindTable;
  readonly dates: StringTable;
  readonly prefixes: StringTable;
  readonly keptCities = new Set<string>();
  readonly keptPostalCodes = new Set<string>();
  maxWords = 0;
  /** Organization names by reference key, and the keys of organisations tied to the individual. */
  readonly organizations = new Map<string, string[]>();
  readonly tied = new Set<string>();

  constructor(
    readonly policy: GatePolicy,
    tables: CollectorTables = stringTables(),
  ) {
    this.terms = tables.terms;
    this.digits = tables.digits;
    this.dates = tables.dates;
    this.prefixes = tables.prefixes;
  }

  term(value: string, kind: GateHitKind, min: number): void {
    const w = words(value);
    if (w.length === 0 || w.length > MAX_WORDS) return;
    const term = w.join(' ');
    if (term.length < min || (w.length === 1 && GENERIC.has(term))) return;
    if (!this.terms.has(term)) this.terms.set(term, kind);
    if (w.length > this.maxWords) this.maxWords = w.length;
    for (let n = 1; n < w.length; n++) this.prefixes.add(w.slice(0, n).join(' '));
  }

  name(value: string): void {
    this.term(value, 'name', MIN_NAME);
    // Each part alone too: "Mary-Jane O'Hara" is also written "O'Hara, Mary".
    for (const part of words(value)) {
      this.term(part, 'name', MIN_NAME);
      if (part.includes('-')) for (const piece of part.split('-')) this.term(piece, 'name', MIN_NAME);
    }
  }

  identifier(value: string, kind: GateHitKind): void {
    const text = value.trim();
    // Short codes and plain words ("A1", "home") are not identifying on their own.
    if (text.length >= MIN_IDENTIFIER && (/\d/.test(text) || text.length >= 6)) this.term(text, kind, 0);
    const digits = text.replace(/\D/g, '');
    if (digits.length >= MIN_DIGITS) {
      this.digits.set(digits, kind);
      // A North American number with its country code is the same number.
      if (digits.length === 11 && digits.startsWith('1')) this.digits.set(digits.slice(1), kind);
    }
  }

  postalCode(value: string): void {
    const match = /^(\d{5})(?:-?(\d{4}))?$/.exec(value.trim());
    if (match === null) {
      this.term(value, 'postal-code', 4);
      return;
    }
    const [, zip5 = '', plus4] = match;
    this.term(zip5, 'postal-code', 0);
    if (plus4 !== undefined) {
      this.term(`${zip5}-${plus4}`, 'postal-code', 0);
      this.digits.set(zip5 + plus4, 'postal-code');
    }
  }

  date(value: string): void {
    // Every string of the input comes here: one with no `-` where a full date has its first is none.
    if (value.charCodeAt(4) !== 0x2d) return;
    const day = FULL_DATE.exec(value)?.[1];
    if (day !== undefined) this.dates.add(day);
  }
}

/**
 * Collects the identifying values of an input (a Bundle, a resource, or an array of resources) that
 * the policy says the output must not hold: every HumanName part, Address line (and, as the policy
 * says, city and full ZIP), ContactPoint value, Identifier value, a mother's maiden name, and (as the
 * policy says) every full date. Datatypes are recognized by shape wherever they are: contained
 * resources, extensions (`valueHumanName`, `valueAddress`), backbone elements.
 */
export function collectIdentifyingValues(input: unknown, policy: GatePolicy): CollectedValues {
  const tables = stringTables();
  const c = new Collector(policy, tables);
  visit(c, input, 0);
  for (const key of c.tied)
    for (const name of c.organizations.get(key) ?? []) c.term(name, 'employer', MIN_ORGANIZATION);
  return { ...tables, maxWords: c.maxWords, keptCities: c.keptCities, keptPostalCodes: c.keptPostalCodes };
}

/**
 * `collectIdentifyingValues` fed one input at a time (the lines of a stream), for inputs too large to
 * hold: `values()` once every input was added. Memory is the identifying values, not the inputs;
 * `tables` keeps them compact (a bulk submission's, shared/app/bulk/hashed-terms.ts).
 */
export function identifyingValuesCollector(
  policy: GatePolicy,
  tables?: CollectorTables,
): {
  add(input: unknown): void;
  values(): IdentifyingValues;
} {
  const c = new Collector(policy, tables);
  return {
    add: (input) => visit(c, input, 0),
    values() {
      // Ties may come before or after the organisation they name (Organization.ndjson, Patient.ndjson).
      for (const key of c.tied)
        for (const name of c.organizations.get(key) ?? []) c.term(name, 'employer', MIN_ORGANIZATION);
      return identifyingValuesOf(c);
    },
  };
}

/** What a collector gathered, for scanning. */
export const identifyingValuesOf = (c: Collector): IdentifyingValues => ({
  terms: c.terms,
  digits: c.digits,
  dates: c.dates,
  maxWords: c.maxWords,
  prefixes: c.prefixes,
  keptCities: c.keptCities,
  keptPostalCodes: c.keptPostalCodes,
});

function visit(c: Collector, value: unknown, depth: number): void {
  if (depth > 128) return;
  if (typeof value === 'string') {
    if (c.policy.dates) c.date(value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) visit(c, item, depth + 1);
    return;
  }
  const node = value as Record<string, unknown>;
  if (node.resourceType === undefined) inspect(c, node);
  organizations(c, node);
  for (const key in node) visit(c, node[key], depth + 1);
}

const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v) => typeof v === 'string')
      : [];

/** One object that is not a resource: is it a HumanName, an Address, a ContactPoint, an Identifier? */
function inspect(c: Collector, node: Record<string, unknown>): void {
  if (typeof node.family === 'string' || Array.isArray(node.given)) {
    for (const part of [...strings(node.family), ...strings(node.given), ...strings(node.text)]) c.name(part);
    return;
  }
  if (Array.isArray(node.line) || typeof node.city === 'string' || typeof node.postalCode === 'string') {
    for (const line of strings(node.line)) c.term(line, 'address', MIN_ADDRESS);
    for (const part of [...strings(node.district), ...strings(node.text)])
      c.term(part, 'address', MIN_ADDRESS);
    for (const city of strings(node.city)) {
      if (c.policy.cities) c.term(city, 'city', MIN_NAME);
      else c.keptCities.add(term(city));
    }
    for (const zip of strings(node.postalCode)) {
      if (c.policy.zip !== 'keep') c.postalCode(zip);
      else c.keptPostalCodes.add(zip.trim());
    }
    return;
  }
  if (typeof node.value === 'string') {
    const contact = typeof node.system === 'string' && CONTACT_SYSTEMS.has(node.system);
    if (contact) c.identifier(node.value, 'telecom');
    else if (
      typeof node.system === 'string' ||
      typeof node.type === 'object' ||
      typeof node.assigner === 'object' ||
      (typeof node.use === 'string' && !('url' in node))
    ) {
      c.identifier(node.value, 'identifier');
    }
    return;
  }
  if (
    typeof node.url === 'string' &&
    node.url.endsWith('mothersMaidenName') &&
    typeof node.valueString === 'string'
  ) {
    c.name(node.valueString);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Organisations tied to the individual (see docs/contracts.md): a Patient contact's organisation
 * (unless every relationship is insurer `I` or agency `F`/`S`), one an employer extension names, a
 * Coverage's policy holder. Their names are looked for once the whole input has been read.
 */
function tie(c: Collector, reference: unknown): void {
  if (!isObject(reference)) return;
  const key = typeof reference.reference === 'string' ? referenceKey(reference.reference) : undefined;
  if (key !== undefined) c.tied.add(key);
  if (typeof reference.display === 'string') c.term(reference.display, 'employer', MIN_ORGANIZATION);
}

function organizations(c: Collector, node: Record<string, unknown>): void {
  const resource = isObject(node.resource) ? node.resource : node;
  if (resource.resourceType === 'Organization') {
    const names = [...strings(resource.name), ...strings(resource.alias)];
    const id = typeof resource.id === 'string' ? resource.id : undefined;
    const references = [
      ...strings(node.fullUrl),
      ...(id === undefined ? [] : [`Organization/${id}`, `#${id}`, `urn:uuid:${id}`]),
    ];
    for (const reference of references) {
      const key = referenceKey(reference);
      if (key !== undefined) c.organizations.set(key, [...(c.organizations.get(key) ?? []), ...names]);
    }
  }
  if (node.resourceType === 'Patient' && Array.isArray(node.contact)) {
    for (const contact of node.contact) {
      if (isObject(contact) && !institutionalContact(contact.relationship)) tie(c, contact.organization);
    }
  }
  if (node.resourceType === 'Coverage') tie(c, node.policyHolder);
  if (typeof node.url === 'string' && /employer/i.test(node.url)) {
    tie(c, node.valueReference);
    for (const name of strings(node.valueString)) c.term(name, 'employer', MIN_ORGANIZATION);
  }
}
