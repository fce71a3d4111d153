/**
 * Free-text scrubbing without a model: patterns for PHI that has a shape (phone, SSN, e-mail, URL, IP,
 * VIN, ZIP, MRN-like numbers, dates in the usual spellings, ages over 89) and the record's own
 * identifiers (Google's "contextual" idea): every name part, address line, city, identifier, telecom
 * value and id the record carries in structured fields is removed from its text, in any case and order.
 */

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORD = '(?:st|nd|rd|th)?';

/** One alternative per kind; the first alternative matching at a position wins. */
const PATTERNS: readonly (readonly [kind: string, source: string])[] = [
  ['URL', String.raw`\b(?:https?|ftp|file)://[^\s<>"']+|\bwww\.[^\s<>"']+`],
  ['EMAIL', String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`],
  [
    'DATE',
    [
      String.raw`\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`,
      String.raw`\b\d{4}[/.]\d{1,2}[/.]\d{1,2}\b`,
      String.raw`\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b`,
      String.raw`\b(?:1[89]|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b`,
      String.raw`\b\d{1,2}-${MONTH}-\d{2,4}\b`,
      String.raw`\b${MONTH}\.?\s+\d{1,2}${ORD}(?:,?\s+\d{4})?\b`,
      String.raw`\b\d{1,2}${ORD}(?:\s+of)?\s+${MONTH}\b\.?(?:,?\s+\d{4})?`,
      String.raw`\b${MONTH}\.?,?\s+\d{4}\b`,
    ].join('|'),
  ],
  ['IP', String.raw`\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b`],
  [
    'IP',
    String.raw`\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?`,
  ],
  ['SSN', String.raw`\b\d{3}[- ]\d{2}[- ]\d{4}\b`],
  [
    'PHONE',
    String.raw`(?:\+?1[-.\s]?)?(?:\(\d{3}\)\s?|\b\d{3}[-.\s])\d{3}[-.\s]\d{4}\b(?:\s*(?:x|ext\.?)\s*\d{1,5})?`,
  ],
  [
    'ID',
    String.raw`\b(?:mrn|mr#|medical\s+record(?:\s+(?:number|no\.?|#))?|account(?:\s+(?:number|no\.?|#))?|acct\.?(?:\s*(?:#|no\.?))?|member\s+id|patient\s+id|chart(?:\s+(?:number|#))?|record\s+(?:number|#)|ssn|license(?:\s+(?:number|no\.?|#))?|serial(?:\s+(?:number|no\.?|#))?|plate)\s*[:#]?\s*(?=[a-z-]*\d)[a-z0-9][a-z0-9-]{2,}\b`,
  ],
  ['VIN', String.raw`\b(?=[a-hj-npr-z0-9]{17}\b)(?=[a-z]*\d)(?=\d*[a-z])[a-hj-npr-z0-9]{17}\b`],
  ['ID', String.raw`\b[a-z]{0,4}-?\d{7,}[a-z0-9]*\b`],
  ['ZIP', String.raw`\b\d{5}(?:-\d{4})?\b`],
  [
    'AGE',
    String.raw`\b(?:9\d|1[0-4]\d)\s*-?\s*(?:years?|yrs?|y/?o)\b(?:[\s-]+old)?|\baged?\s+(?:9\d|1[0-4]\d)\b`,
  ],
];

const KINDS = PATTERNS.map(([kind]) => kind);
const COMBINED = new RegExp(PATTERNS.map(([, source]) => `(${source})`).join('|'), 'giu');
/**
 * The same without ZIP: short numbers in code displays ("10000 UNT/ML") are not worth dropping. Ages
 * over 89 ("age 93", "93 y/o", "93-year-old") stay in: a kept display or text that states one goes.
 */
const CHECK = new RegExp(
  PATTERNS.filter(([kind]) => kind !== 'ZIP')
    .map(([, source]) => `(?:${source})`)
    .join('|'),
  'iu',
);

export const HONORIFICS: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'dr',
  'jr',
  'sr',
  'ii',
  'iii',
  'iv',
  'md',
  'phd',
  'rn',
  'do',
]);

const normalizeQuotes = (s: string): string => s.replace(/[\u2018\u2019\u02bc]/g, "'");

const isLongEnough = (text: string): boolean => text.replace(/[^\p{L}\p{N}]/gu, '').length >= 4;

/** A trailing legal form: "Acme Widgets, Inc." is also written "Acme Widgets". */
const LEGAL_FORM =
  /[\s,]+(?:inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc|gmbh|lp|llp|pc|pllc)\.?$/iu;

const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * The key a reference is matched on: `Type/id` (relative, absolute or versioned), `urn:uuid:…` in
 * lower case, `#id`; undefined for anything else (a conditional reference).
 */
export function referenceKey(reference: string): string | undefined {
  const text = reference.trim();
  if (text.startsWith('#')) return text.length > 1 ? text : undefined;
  if (/^urn:(?:uuid|oid):/i.test(text)) return text.toLowerCase();
  return TYPE_ID.exec(text)?.[1];
}

/**
 * Contact relationships (v2-0131) of organisations that act for the individual without being tied to
 * them: an insurance company, a federal or state agency. A contact whose relationships are all of
 * these does not tie its organisation to the individual; any other contact does (employer `E`,
 * emergency contact, none at all).
 */
const INSTITUTIONAL_CONTACTS: ReadonlySet<string> = new Set(['I', 'F', 'S']);

export function institutionalContact(relationship: unknown): boolean {
  if (!Array.isArray(relationship) || relationship.length === 0) return false;
  return relationship.every((concept: unknown) => {
    const coding =
      typeof concept === 'object' && concept !== null ? (concept as { coding?: unknown }).coding : undefined;
    return (
      Array.isArray(coding) &&
      coding.length > 0 &&
      coding.every(
        (c: unknown) =>
          typeof c === 'object' &&
          c !== null &&
          INSTITUTIONAL_CONTACTS.has(String((c as { code?: unknown }).code)),
      )
    );
  });
}

/** Words: letters and digits, joined by inner apostrophes, dots, hyphens or slashes ("O'Hara248", "999-41-9861"). */
const TOKEN = /[\p{L}\p{N}]+(?:['.\-/][\p{L}\p{N}]+)*/gu;
const MAX_TERM_TOKENS = 8;

interface Token {
  readonly start: number;
  readonly end: number;
  readonly lower: string;
}

function tokenize(text: string): Token[] {
  const ascii = asciiTokens(text);
  if (ascii !== undefined) return ascii;
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    tokens.push({ start: m.index, end: m.index + m[0].length, lower: m[0].toLowerCase() });
  }
  return tokens;
}

/** An ASCII letter or digit: what `[\p{L}\p{N}]` is below U+0080. */
const isWordCode = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
/** `'`, `.`, `-`, `/`: what may join two runs of letters and digits into one token. */
const isJoinerCode = (c: number): boolean => c === 0x27 || c === 0x2e || c === 0x2d || c === 0x2f;

/**
 * `TOKEN` by hand for ASCII text (codes, displays, most notes): the same tokens at the same places;
 * undefined for any other text, which takes the Unicode regex. The profile of an NDJSON line's walk
 * had the Unicode-aware regex and this function among its top items.
 */
function asciiTokens(text: string): Token[] | undefined {
  const n = text.length;
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) > 0x7f) return undefined;
  const tokens: Token[] = [];
  let i = 0;
  while (i < n) {
    if (!isWordCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    i++;
    while (i < n && isWordCode(text.charCodeAt(i))) i++;
    while (i + 1 < n && isJoinerCode(text.charCodeAt(i)) && isWordCode(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < n && isWordCode(text.charCodeAt(i))) i++;
    }
    tokens.push({ start, end: i, lower: text.slice(start, i).toLowerCase() });
  }
  return tokens;
}

/** What a context asks of a set of terms: a `Set`, or a compact one. */
export interface TermSet {
  has(term: string): boolean;
  add(term: string): unknown;
  readonly size: number;
}
export interface TermSets {
  readonly terms: TermSet;
  readonly prefixes: TermSet;
  readonly digitTerms: TermSet;
}

/**
 * The record's own identifiers, collected from its structured fields before they are dropped, as
 * normalized word sequences. Matching looks each run of up to eight words up in a set: linear in the
 * text, whatever the number of terms (a Synthea record carries hundreds of identifiers).
 */
export class PhiContext {
  private readonly terms: TermSet;
  /** Leading word runs of the multi-word terms: a match is extended only while it is one. */
  private readonly prefixes: TermSet;
  private readonly digitTerms: TermSet;
  /** Organization names by reference key, and the keys of organisations tied to the individual. */
  private readonly organizations = new Map<string, string[]>();
  private readonly tied = new Set<string>();
  private maxTokens = 0;

  /**
   * `parent`: terms found elsewhere (other lines of the same file), consulted but never changed.
   * `sets`: where the terms are kept, Sets of strings by default; a bulk submission's index keeps
   * them compact (shared/app/bulk/hashed-terms.ts).
   */
  constructor(
    private readonly parent?: PhiContext,
    sets: TermSets = { terms: new Set(), prefixes: new Set(), digitTerms: new Set() },
  ) {
    this.maxTokens = parent?.maxTokens ?? 0;
    this.terms = sets.terms;
    this.prefixes = sets.prefixes;
    this.digitTerms = sets.digitTerms;
  }

  private patient = false;

  /** The record includes the patient it is about, whose identifiers were collected. */
  notePatient(): void {
    this.patient = true;
  }

  get knowsPatient(): boolean {
    return this.patient || this.parent?.knowsPatient === true;
  }

  private has(term: string): boolean {
    return this.terms.has(term) || this.parent?.has(term) === true;
  }

  private hasPrefix(run: string): boolean {
    return this.prefixes.has(run) || this.parent?.hasPrefix(run) === true;
  }

  addName(value: string): void {
    for (const part of normalizeQuotes(value).split(/[\s,]+/)) {
      const token = part.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (token.length < 2 || HONORIFICS.has(token.toLowerCase().replace(/\.$/, ''))) continue;
      this.addTerm(token);
      // "Mary-Jane" is also written "Mary Jane" or "Mary".
      if (token.includes('-'))
        for (const piece of token.split('-')) if (piece.length >= 2) this.addTerm(piece);
    }
  }

  addAddressPart(value: string): void {
    const text = normalizeQuotes(value).trim();
    if (text.length < 3) return;
    this.addTerm(text);
    // "123 Main Street Apt 4" is often written "123 Main St": keep the house number and street name.
    const head = /^(\d+[a-z]?\s+[\p{L}\p{N}']{2,})/iu.exec(text)?.[1];
    if (head !== undefined) this.addTerm(head);
  }

  /**
   * The name of an organisation tied to the individual (an employer, a contact's or relative's
   * organisation): matched only as the whole name, a phrase of at least four letters or digits, so a
   * word it shares with clinical text ("General") is not enough. A name ending in a legal form
   * ("Acme Widgets, Inc.") is also matched without it.
   */
  addOrganization(value: string): void {
    const text = normalizeQuotes(value).trim();
    if (!isLongEnough(text)) return;
    this.addTerm(text);
    const core = text.replace(LEGAL_FORM, '').trim();
    if (core !== text && isLongEnough(core)) this.addTerm(core);
  }

  /**
   * An Organization's names under the keys a reference to it may take (`Organization/id`, its
   * fullUrl, `#id` when contained); they become identifiers once something ties it to the individual.
   */
  noteOrganization(keys: readonly string[], names: readonly string[]): void {
    for (const key of keys) {
      const known = this.organizations.get(key);
      if (known === undefined) this.organizations.set(key, [...names]);
      else known.push(...names);
      if (this.isTied(key)) for (const name of names) this.addOrganization(name);
    }
  }

  /** A reference to an organisation tied to the individual (employer, contact's organisation). */
  tieOrganization(reference: string): void {
    const key = referenceKey(reference);
    if (key === undefined || this.tied.has(key)) return;
    this.tied.add(key);
    for (const name of this.organizationNames(key)) this.addOrganization(name);
  }

  private isTied(key: string): boolean {
    return this.tied.has(key) || this.parent?.isTied(key) === true;
  }

  private organizationNames(key: string): readonly string[] {
    const own = this.organizations.get(key) ?? [];
    const inherited = this.parent?.organizationNames(key) ?? [];
    return inherited.length === 0 ? own : [...own, ...inherited];
  }

  /** Identifier values, telecom values, ids used as identifiers. */
  addIdentifier(value: string): void {
    const text = value.trim();
    if (text.length < 3 || !(/\d/.test(text) || text.length >= 6)) return;
    this.addTerm(text);
    const digits = text.replace(/\D/g, '');
    if (digits.length >= 5) {
      this.digitTerms.add(digits);
      if (digits !== text) this.addTerm(digits);
    }
  }

  private addTerm(term: string): void {
    const tokens = tokenize(term);
    if (tokens.length === 0 || tokens.length > MAX_TERM_TOKENS) return;
    let run = tokens[0]?.lower ?? '';
    for (let n = 1; n < tokens.length; n++) {
      this.prefixes.add(run);
      run = `${run} ${tokens[n]?.lower ?? ''}`;
    }
    this.terms.add(run);
    if (tokens.length > this.maxTokens) this.maxTokens = tokens.length;
  }

  get size(): number {
    return this.terms.size + (this.parent?.size ?? 0);
  }

  /** Whether an integer equals one of the record's numeric identifiers. */
  matchesNumber(value: number): boolean {
    if (!Number.isSafeInteger(value) || value < 10_000) return false;
    return this.digitTerms.has(String(value)) || this.parent?.matchesNumber(value) === true;
  }

  /** Spans `[start, end)` of the text that are one of the record's identifiers, left to right. */
  find(text: string, firstOnly = false): [number, number][] {
    const spans: [number, number][] = [];
    if (this.size === 0) return spans;
    const tokens = tokenize(text);
    for (let i = 0; i < tokens.length; ) {
      let matched = 0;
      let key = '';
      const limit = Math.min(this.maxTokens, tokens.length - i);
      const keys: string[] = [];
      for (let n = 0; n < limit; n++) {
        // A longer run can only be a term if this one leads one: most words lead none.
        if (n > 0 && !this.hasPrefix(key)) break;
        key = n === 0 ? (tokens[i]?.lower ?? '') : `${key} ${tokens[i + n]?.lower ?? ''}`;
        keys.push(key);
      }
      for (let n = keys.length; n >= 1; n--) {
        const k = keys[n - 1] ?? '';
        if (this.has(k) || (n === 1 && k.endsWith("'s") && this.has(k.slice(0, -2)))) {
          matched = n;
          break;
        }
      }
      if (matched === 0) {
        i++;
        continue;
      }
      spans.push([tokens[i]?.start ?? 0, tokens[i + matched - 1]?.end ?? 0]);
      if (firstOnly) return spans;
      i += matched;
    }
    return spans;
  }
}

export interface ScrubResult {
  readonly text: string;
  /** Replacements by kind (`CONTEXT`, `DATE`, …); counts only. */
  readonly hits: Readonly<Record<string, number>>;
}

/** Replaces the record's identifiers with `[REDACTED]` and pattern PHI with `[KIND]`. */
export function scrubFreeText(input: string, context: PhiContext): ScrubResult {
  const hits: Record<string, number> = {};
  const count = (kind: string) => {
    hits[kind] = (hits[kind] ?? 0) + 1;
  };
  let text = normalizeQuotes(input);
  const spans = context.find(text);
  if (spans.length > 0) {
    let out = '';
    let at = 0;
    for (const [start, end] of spans) {
      out += `${text.slice(at, start)}[REDACTED]`;
      at = end;
      count('CONTEXT');
    }
    text = out + text.slice(at);
  }
  COMBINED.lastIndex = 0;
  text = text.replace(COMBINED, (...args: unknown[]) => {
    for (let i = 0; i < KINDS.length; i++) {
      if (args[i + 1] !== undefined) {
        const kind = KINDS[i] ?? 'PHI';
        count(kind);
        return kind === 'AGE' ? '[AGE 90+]' : `[${kind}]`;
      }
    }
    return '[REDACTED]';
  });
  return { text, hits };
}

/**
 * Whether a short human-readable string the output would keep (a code display, a unit, a state)
 * carries PHI: one of the record's identifiers, or (with `patterns`) a shaped identifier or full date.
 */
export function carriesPhi(value: string, context: PhiContext, patterns: boolean): boolean {
  const text = normalizeQuotes(value);
  if (context.find(text, true).length > 0) return true;
  return patterns && shapedPhi(text);
}

/**
 * `CHECK` depends on the text alone, and kept displays repeat across every line of a bulk export
 * ("Body Weight", "Encounter for symptom"): each short text is tested once. The profile of `phi deid`
 * over NDJSON had this regex at the top of its self time. Bounded: dropped whole when full.
 */
const SHAPED = new Map<string, boolean>();
const SHAPED_MAX_LENGTH = 128;
const SHAPED_LIMIT = 50_000;

function shapedPhi(text: string): boolean {
  if (text.length > SHAPED_MAX_LENGTH) return CHECK.test(text);
  let shaped = SHAPED.get(text);
  if (shaped === undefined) {
    shaped = CHECK.test(text);
    if (SHAPED.size >= SHAPED_LIMIT) SHAPED.clear();
    SHAPED.set(text, shaped);
  }
  return shaped;
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Narrative XHTML to plain text: tags become spaces, entities are decoded. */
export function xhtmlToText(div: string): string {
  return div
    .replace(/<(?:br|\/p|\/div|\/li|\/tr|\/h\d)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Plain text back into a minimal, valid narrative div. */
export function textToXhtml(text: string): string {
  const body = text.split('\n').map(escapeXml).join('<br/>');
  return `<div xmlns="http://www.w3.org/1999/xhtml"><p>${body}</p></div>`;
}
