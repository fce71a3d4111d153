import { Buffer } from 'node:buffer';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { dateRenderings, type MatchMode, type Planted, type PlantedKind } from './phi-planter.js';

/**
 * Checks a de-identified output against what was planted in (or harvested from) its input:
 * leaks of planted values in any common rendering, clinical-code retention, referential integrity
 * and structural validity. Test-only: messages may quote synthetic canary values.
 */

type JsonRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------
// Leaks
// ---------------------------------------------------------------------------------------------

export interface Leak {
  value: string;
  kind: PlantedKind;
  /** Every place the value was planted. */
  places: string[];
  /** The rendering that was found (the value itself, a token, a digits-only form, a date format…). */
  variant: string;
  /** Where in the output: a JSON path, with `(base64)`, `(url-decoded)` or `(html-decoded)` when decoded. */
  at: string;
}

interface Matcher {
  group: Group;
  regex: RegExp;
  /** A maximal letter-digit run (`a:`) or digit run (`d:`) every match contains: the index key. */
  anchor: string;
}

interface Group {
  value: string;
  kind: PlantedKind;
  match: MatchMode;
  places: string[];
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words too common to prove a leak on their own when a planted value is split into tokens. */
const STOP_WORDS = new Set([
  'county',
  'street',
  'avenue',
  'road',
  'lane',
  'drive',
  'court',
  'place',
  'suite',
  'unit',
  'north',
  'south',
  'east',
  'west',
  'industries',
  'city',
  'town',
  'saint',
  'mount',
  'family',
  'junior',
  'senior',
  'with',
  'from',
  'born',
  'home',
  'patient',
  'contact',
  'person',
  'name',
  'test',
  'example',
  'unknown',
  'value',
  'system',
  'code',
]);

const TOKEN_KINDS: ReadonlySet<PlantedKind> = new Set(['name', 'street', 'city', 'district', 'employer']);
const ID_KINDS: ReadonlySet<PlantedKind> = new Set([
  'mrn',
  'member-id',
  'account-number',
  'other-id',
  'license',
  'device-id',
  'vin',
  'license-plate',
]);

/**
 * A literal rendering (lower-case) searched with boundaries: no letter or digit may touch it, or, for
 * `digitBounded`, no digit. The anchor is its longest run, which is then a whole run in any match.
 */
interface Rendering {
  literal: string;
  digitBounded?: boolean;
  /** A regex source to use instead of the escaped literal (same anchor). */
  source?: string;
  /** Extra lookarounds after the left boundary, before the literal. */
  guard?: string;
  /** A run every match contains whole, when the longest run of the literal is not one. */
  anchor?: string;
}

const longestRun = (text: string, pattern: RegExp): string =>
  (text.match(pattern) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');

function renderingMatcher(group: Group, rendering: Rendering): Matcher | undefined {
  const literal = rendering.literal.toLowerCase();
  const anchorRun =
    rendering.anchor ??
    (rendering.digitBounded ? longestRun(literal, /\d+/g) : longestRun(literal, /[a-z0-9]+/g));
  if (anchorRun.length === 0) return undefined;
  const body = rendering.source ?? escapeRegex(literal);
  const left = rendering.digitBounded ? '(?<!\\d)' : '(?<![a-z0-9])';
  const right = rendering.digitBounded ? '(?!\\d)' : '(?![a-z0-9])';
  return {
    group,
    regex: new RegExp(`${left}${rendering.guard ?? ''}${body}${right}`),
    anchor: `${rendering.digitBounded ? 'd' : 'a'}:${anchorRun}`,
  };
}

function textRenderings(group: Group): Rendering[] {
  const { value, kind } = group;
  const renderings: Rendering[] = [{ literal: value }];
  const digits = value.replace(/\D/g, '');
  if (TOKEN_KINDS.has(kind)) {
    // Real street, city and county names are ordinary words ("White", "Common"): only canary tokens count alone.
    const place = kind === 'street' || kind === 'city' || kind === 'district';
    for (const token of value.split(/[^A-Za-z0-9']+/)) {
      if (place && !/zqx/i.test(token)) continue;
      if (token.length >= 4 && !/^\d+$/.test(token) && !STOP_WORDS.has(token.toLowerCase())) {
        renderings.push({ literal: token });
      }
    }
  }
  if ((kind === 'phone' || kind === 'fax') && digits.length >= 10) {
    const d = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits.slice(-10);
    const [a, b, c] = [d.slice(0, 3), d.slice(3, 6), d.slice(6)];
    renderings.push(
      { literal: d, digitBounded: true },
      { literal: `1${d}`, digitBounded: true },
      { literal: `${a}-${b}-${c}`, digitBounded: true },
      { literal: `${a}.${b}.${c}`, digitBounded: true },
      { literal: `${a} ${b} ${c}`, digitBounded: true },
      { literal: `(${a}) ${b}-${c}`, digitBounded: true, source: `\\(${a}\\)\\s*${b}[-. ]?${c}` },
    );
  } else if ((kind === 'phone' || kind === 'fax') && digits.length >= 7) {
    renderings.push({ literal: digits, digitBounded: true });
  }
  if (kind === 'ssn' && digits.length === 9) {
    const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 5), digits.slice(5)];
    renderings.push(
      { literal: digits, digitBounded: true },
      { literal: `${a}-${b}-${c}`, digitBounded: true },
      { literal: `${a} ${b} ${c}`, digitBounded: true },
    );
  }
  if ((kind === 'zip' || kind === 'zip-restricted') && digits.length >= 5) {
    renderings.push({ literal: digits.slice(0, 5) });
  }
  if (ID_KINDS.has(kind)) {
    const longest = longestRun(value, /\d+/g);
    if (longest.length >= 6) renderings.push({ literal: longest, digitBounded: true });
  }
  if (kind === 'email') {
    const local = value.split('@')[0] ?? '';
    if (local.length >= 6) renderings.push({ literal: local });
  }
  if (kind === 'url') {
    const host = /^[a-z]+:\/\/([^/:?#]+)/i.exec(value)?.[1];
    if (host !== undefined && !/(^|\.)(example\.(org|com|net)|hl7\.org|github\.com)$/i.test(host)) {
      renderings.push({ literal: host });
    } else if (host !== undefined) {
      const label = host.split('.').find((part) => /zqx/i.test(part));
      if (label !== undefined) renderings.push({ literal: label });
    }
  }
  if (kind === 'ip') {
    return [
      { literal: value, guard: '(?<![.:])', source: `${escapeRegex(value.toLowerCase())}(?![.:][0-9a-f])` },
    ];
  }
  if (kind === 'geo') {
    const truncated = /^(-?\d+\.\d{4})\d+$/.exec(value)?.[1];
    if (truncated !== undefined) {
      // Rounded to four or more decimals (about 10 m) it still pins a house.
      const integer = /\d+/.exec(truncated)?.[0] ?? '';
      renderings.push({
        literal: truncated,
        digitBounded: true,
        source: `${escapeRegex(truncated)}\\d*`,
        anchor: integer,
      });
    }
  }
  return renderings;
}

function dateRenderingsFor(iso: string): Rendering[] {
  return dateRenderings(iso).map((rendering) => {
    const literal = rendering.toLowerCase();
    const source = escapeRegex(literal).replace(/,/g, ',?').replace(/ /g, '\\s+');
    return /^\d/.test(literal) ? { literal, source, digitBounded: true } : { literal, source };
  });
}

function buildMatchers(planted: readonly Planted[]): { groups: Group[]; index: Map<string, Matcher[]> } {
  const groups = new Map<string, Group>();
  for (const item of planted) {
    const match = item.match ?? 'text';
    const key = `${match}\u0000${item.kind}\u0000${item.value.toLowerCase()}`;
    const group = groups.get(key);
    if (group === undefined)
      groups.set(key, { value: item.value, kind: item.kind, match, places: [item.place] });
    else if (!group.places.includes(item.place)) group.places.push(item.place);
  }
  const index = new Map<string, Matcher[]>();
  for (const group of groups.values()) {
    const renderings: Rendering[] =
      group.match === 'date'
        ? dateRenderingsFor(group.value)
        : group.match === 'year'
          ? // A year as a date part or a free word, not a hex group of a UUID (`…-1928-…`).
            [
              {
                literal: group.value,
                guard: '(?<!-)',
                source: `${escapeRegex(group.value)}(?!-[0-9a-f]{4}-)`,
              },
            ]
          : group.match === 'age-quantity'
            ? []
            : textRenderings(group);
    const seen = new Set<string>();
    for (const rendering of renderings) {
      const matcher = renderingMatcher(group, rendering);
      if (matcher === undefined || seen.has(matcher.regex.source)) continue;
      seen.add(matcher.regex.source);
      const list = index.get(matcher.anchor);
      if (list === undefined) index.set(matcher.anchor, [matcher]);
      else list.push(matcher);
    }
  }
  return { groups: [...groups.values()], index };
}

const AGE_UNITS = new Set(['a', 'yr', 'year', 'years', 'y']);

/**
 * Every leak of a planted value in `outputText` (a JSON document, NDJSON, or plain text): the value
 * case-insensitively, and its normal variants by kind (name tokens of 4+ characters, digits-only and
 * formatted phones/SSNs, other renderings of dates, ZIP5 of ZIP+4, URL hosts), searched in every string
 * and number, in their URL-decoded and HTML-decoded forms and inside base64 (decoded at every
 * alignment). Values are matched as whole words: no letter or digit may touch them.
 */
export function findLeaks(outputText: string, planted: readonly Planted[]): Leak[] {
  const { groups, index } = buildMatchers(planted);
  const leaks: Leak[] = [];
  const seen = new Set<string>();
  const report = (group: Group, variant: string, at: string): void => {
    const key = `${group.kind}\u0000${group.value}\u0000${at}`;
    if (seen.has(key)) return;
    seen.add(key);
    leaks.push({ value: group.value, kind: group.kind, places: group.places, variant, at });
  };
  const zip3Groups = groups.filter((group) => group.match === 'zip3');
  const ageGroups = groups.filter((group) => group.match === 'age-quantity');

  const searchString = (text: string, at: string, depth: number): void => {
    const lower = text.toLowerCase();
    const candidates = new Set<Matcher>();
    for (const [run] of lower.matchAll(/[a-z0-9]+/g)) {
      for (const matcher of index.get(`a:${run}`) ?? []) candidates.add(matcher);
    }
    for (const [run] of lower.matchAll(/\d+/g)) {
      for (const matcher of index.get(`d:${run}`) ?? []) candidates.add(matcher);
    }
    for (const matcher of candidates) {
      const found = matcher.regex.exec(lower);
      if (found !== null) report(matcher.group, text.slice(found.index, found.index + found[0].length), at);
    }
    if (depth >= 2) return;
    if (text.includes('%')) {
      const decoded = percentDecode(text);
      if (decoded !== text) searchString(decoded, `${at} (url-decoded)`, depth + 1);
    }
    if (text.includes('&')) {
      const decoded = htmlDecode(text);
      if (decoded !== text) searchString(decoded, `${at} (html-decoded)`, depth + 1);
    }
    for (const decoded of decodeBase64Runs(text)) searchString(decoded, `${at} (base64)`, depth + 1);
  };

  const visit = (value: unknown, at: string, key: string): void => {
    if (typeof value === 'string') {
      searchString(value, at, 0);
      if (key === 'postalCode') {
        for (const group of zip3Groups) {
          if (value.startsWith(group.value.slice(0, 3))) report(group, `ZIP3 ${group.value.slice(0, 3)}`, at);
        }
      }
      return;
    }
    if (typeof value === 'number') {
      searchString(String(value), at, 2);
      // An age written as a plain number (an age Observation's valueInteger, a questionnaire answer).
      if (key === 'valueInteger' || key === 'valueDecimal') {
        for (const group of ageGroups)
          if (value === Number(group.value)) report(group, `age ${group.value}`, at);
      }
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, `${at}[${i}]`, key);
      });
      return;
    }
    if (!isRecord(value)) return;
    if (typeof value.value === 'number' && ageGroups.length > 0) {
      const units = [value.unit, value.code].filter((u): u is string => typeof u === 'string');
      if (units.some((unit) => AGE_UNITS.has(unit.toLowerCase()))) {
        for (const group of ageGroups) {
          if (value.value === Number(group.value)) report(group, `age ${group.value}`, at);
        }
      }
    }
    for (const [childKey, child] of Object.entries(value)) {
      visit(child, at === '' ? childKey : `${at}.${childKey}`, childKey);
    }
  };

  for (const [document, at] of parseDocuments(outputText)) visit(document, at, '');
  return leaks;
}

/** The whole text as JSON, else each NDJSON line, else the raw text as one string. */
function parseDocuments(text: string): Array<[unknown, string]> {
  try {
    return [[JSON.parse(text), '']];
  } catch {
    const lines = text.split('\n').filter((line) => line.trim().length > 0);
    try {
      return lines.map((line, index) => [JSON.parse(line), `line${index + 1}`]);
    } catch {
      return [[text, 'text']];
    }
  }
}

/** Base64 (standard or URL-safe) runs long enough to hold a value; mixed case rules out hex ids and words. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

function decodeBase64Runs(text: string): string[] {
  const decoded: string[] = [];
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (!/[a-z]/.test(run) || !/[A-Z]/.test(run)) continue;
    const body = run.replace(/=+$/, '');
    // Four starting offsets cover a run that does not begin on a base64 quantum.
    for (let skip = 0; skip < 4; skip++) {
      const chunk = body.slice(skip);
      decoded.push(Buffer.from(chunk, 'base64').toString('latin1'));
    }
  }
  return decoded;
}

function percentDecode(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (sequence) => {
    try {
      return decodeURIComponent(sequence);
    } catch {
      return sequence;
    }
  });
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function htmlDecode(text: string): string {
  return text
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#(\d{1,7});/g, (_, dec: string) => String.fromCodePoint(Number.parseInt(dec, 10) % 0x110000))
    .replace(/&([a-z]+);/gi, (entity, name: string) => NAMED_ENTITIES[name.toLowerCase()] ?? entity);
}

/** One line per leak, for assertion messages. */
export const describeLeaks = (leaks: readonly Leak[], limit = 40): string =>
  leaks
    .slice(0, limit)
    .map(
      (leak) =>
        `${leak.kind} "${leak.value}" (planted at ${leak.places.join(', ')}) found as "${leak.variant}" at ${leak.at}`,
    )
    .join('\n');

// ---------------------------------------------------------------------------------------------
// Harvesting a real input's own identifiers (for corpora nobody planted)
// ---------------------------------------------------------------------------------------------

/** Resource types that describe providers, not the individual: their data is not PHI under Safe Harbor. */
const PROVIDER_TYPES = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
  'Endpoint',
]);
const PERSON_TYPES = new Set(['Patient', 'RelatedPerson', 'Person']);

/**
 * The identifiers an input holds about its individuals: names (and their 4+ character tokens),
 * addresses below state level, telecom, identifier values (of every non-provider resource), birth
 * dates and mothers' maiden names. Values that also occur in provider-side resources are left out,
 * because a provider's own name or address may legitimately stay.
 */
export function harvestPhi(input: unknown): Planted[] {
  const harvested: Planted[] = [];
  const providerText: string[] = [];
  const add = (kind: PlantedKind, place: string, value: unknown, match?: MatchMode): void => {
    if (typeof value !== 'string') return;
    const trimmed = value.trim();
    if (trimmed.length < 4) return;
    harvested.push(
      match === undefined ? { value: trimmed, kind, place } : { value: trimmed, kind, place, match },
    );
  };

  const harvestPerson = (resource: JsonRecord, type: string): void => {
    for (const name of arrayOf(resource.name)) {
      add('name', `${type}.name.text`, name.text);
      add('name', `${type}.name.family`, name.family);
      for (const given of Array.isArray(name.given) ? name.given : [])
        add('name', `${type}.name.given`, given);
    }
    for (const address of [
      ...arrayOf(resource.address),
      ...arrayOf(resource.contact).flatMap((c) => arrayOf(c.address)),
    ]) {
      harvestAddress(address, `${type}.address`);
    }
    for (const telecom of [
      ...arrayOf(resource.telecom),
      ...arrayOf(resource.contact).flatMap((c) => arrayOf(c.telecom)),
    ]) {
      const system = telecom.system;
      const kind: PlantedKind =
        system === 'email' ? 'email' : system === 'fax' ? 'fax' : system === 'url' ? 'url' : 'phone';
      add(kind, `${type}.telecom.value`, telecom.value);
    }
    for (const contact of arrayOf(resource.contact)) {
      for (const name of arrayOf(contact.name)) {
        add('name', `${type}.contact.name.family`, name.family);
        for (const given of Array.isArray(name.given) ? name.given : [])
          add('name', `${type}.contact.name.given`, given);
      }
    }
    if (typeof resource.birthDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(resource.birthDate)) {
      add('birth-date', `${type}.birthDate`, resource.birthDate, 'date');
    }
    for (const extension of arrayOf(resource.extension)) {
      if (typeof extension.url === 'string' && extension.url.endsWith('patient-mothersMaidenName')) {
        add('name', `${type}.extension(mothersMaidenName)`, extension.valueString);
      }
    }
  };
  const harvestAddress = (address: JsonRecord, place: string): void => {
    for (const line of Array.isArray(address.line) ? address.line : []) add('street', `${place}.line`, line);
    add('city', `${place}.city`, address.city);
    add('district', `${place}.district`, address.district);
    add('zip', `${place}.postalCode`, address.postalCode);
  };

  const visitResource = (resource: JsonRecord): void => {
    const type = typeof resource.resourceType === 'string' ? resource.resourceType : 'Resource';
    if (PROVIDER_TYPES.has(type)) {
      providerText.push(JSON.stringify(resource).toLowerCase());
      return;
    }
    if (PERSON_TYPES.has(type)) harvestPerson(resource, type);
    for (const identifier of arrayOf(resource.identifier)) {
      // Placeholders such as Synthea's `99999999999` identify nobody.
      const value = typeof identifier.value === 'string' ? identifier.value : '';
      if (value.replace(/\W/g, '').length >= 5 && !/^(.)\1*$/.test(value.replace(/\W/g, ''))) {
        add(identifierKind(identifier), `${type}.identifier.value`, identifier.value);
      }
    }
    for (const contained of arrayOf(resource.contained)) visitResource(contained);
  };
  for (const resource of resourcesOf(input)) visitResource(resource);

  const providerBlob = providerText.join('\n');
  const unique = new Map<string, Planted>();
  for (const item of harvested) {
    if (providerBlob.includes(item.value.toLowerCase())) continue;
    unique.set(`${item.kind}\u0000${item.value}\u0000${item.place}`, item);
  }
  // A name token that also occurs in a provider resource (a shared surname, a city) is not evidence.
  return [...unique.values()].filter(
    (item) =>
      !TOKEN_KINDS.has(item.kind) ||
      item.value
        .split(/[^A-Za-z0-9']+/)
        .filter((token) => token.length >= 4)
        .every(
          (token) =>
            !new RegExp(`(?<![a-z0-9])${escapeRegex(token.toLowerCase())}(?![a-z0-9])`).test(providerBlob),
        ),
  );
}

function identifierKind(identifier: JsonRecord): PlantedKind {
  const system = typeof identifier.system === 'string' ? identifier.system : '';
  const codes = arrayOf(isRecord(identifier.type) ? identifier.type.coding : undefined).map((c) => c.code);
  if (system.endsWith('us-ssn') || codes.includes('SS')) return 'ssn';
  if (codes.includes('MR')) return 'mrn';
  if (codes.includes('DL') || codes.includes('PPN')) return 'license';
  if (codes.includes('MB') || codes.includes('SN')) return 'member-id';
  return 'other-id';
}

const arrayOf = (value: unknown): JsonRecord[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/** Top-level resources of a Bundle (entries), an array of resources (NDJSON) or a single resource. */
export function resourcesOf(value: unknown): JsonRecord[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  if (!isRecord(value)) return [];
  if (value.resourceType === 'Bundle') {
    return arrayOf(value.entry)
      .map((entry) => entry.resource)
      .filter(isRecord);
  }
  return [value];
}

// ---------------------------------------------------------------------------------------------
// Clinical code retention
// ---------------------------------------------------------------------------------------------

export const CLINICAL_SYSTEMS: ReadonlySet<string> = new Set([
  'http://snomed.info/sct',
  'urn:oid:2.16.840.1.113883.6.96',
  'http://loinc.org',
  'urn:oid:2.16.840.1.113883.6.1',
  'http://www.nlm.nih.gov/research/umls/rxnorm',
  'urn:oid:2.16.840.1.113883.6.88',
  'http://hl7.org/fhir/sid/cvx',
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-9-cm',
  'http://www.ama-assn.org/go/cpt',
  'https://bluebutton.cms.gov/resources/codesystem/hcpcs',
  'http://hl7.org/fhir/sid/ndc',
]);

export interface Retention {
  expected: number;
  retained: number;
  ratio: number;
  missing: Array<{ code: string; expected: number; found: number }>;
}

/** `system|code` of every Coding (not Quantity) from a clinical code system, one per occurrence. */
export function clinicalCodes(value: unknown, systems: ReadonlySet<string> = CLINICAL_SYSTEMS): string[] {
  const codes: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!isRecord(node)) return;
    if (
      typeof node.system === 'string' &&
      typeof node.code === 'string' &&
      typeof node.value !== 'number' &&
      systems.has(node.system)
    ) {
      codes.push(`${node.system}|${node.code}`);
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(value);
  return codes;
}

/**
 * Share of clinical code occurrences of `input` still present in `output` (multiset). `input` is a
 * FHIR value (Bundle, resource list) or an explicit list of `system|code` strings to expect.
 */
export function codeRetention(input: unknown, output: unknown): Retention {
  const expectedList =
    Array.isArray(input) && input.every((item) => typeof item === 'string')
      ? (input as string[])
      : clinicalCodes(input);
  const count = (codes: readonly string[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
    return counts;
  };
  const expected = count(expectedList);
  const found = count(
    clinicalCodes(output, new Set(expectedList.map((code) => code.slice(0, code.lastIndexOf('|'))))),
  );
  let retained = 0;
  const missing: Retention['missing'] = [];
  for (const [code, n] of expected) {
    const m = found.get(code) ?? 0;
    retained += Math.min(n, m);
    if (m < n) missing.push({ code, expected: n, found: m });
  }
  return {
    expected: expectedList.length,
    retained,
    ratio: expectedList.length === 0 ? 1 : retained / expectedList.length,
    missing,
  };
}

// ---------------------------------------------------------------------------------------------
// Referential integrity
// ---------------------------------------------------------------------------------------------

export interface IntegrityFailure {
  /**
   * `dangling`: an output reference meant to resolve in the Bundle (`urn:`, `#`) does not;
   * `lost`: a reference that resolved in the input no longer resolves to the same resource;
   * `retargeted`: an output reference resolves to an entry its input counterpart did not name.
   */
  problem: 'dangling' | 'lost' | 'retargeted';
  at: string;
  detail: string;
  /** For `lost`: the resource type that was referenced (or, for a missing entry, its own type). */
  targetType?: string;
}

export interface IntegrityResult {
  /** References of the input that resolved within it. */
  inputResolved: number;
  /** Input entries with no corresponding output entry (dropped resources). */
  droppedEntries: number;
  failures: IntegrityFailure[];
}

interface Entry {
  fullUrl: string | undefined;
  /** `Type/id` of a transaction PUT: the resource's address once the transaction is processed. */
  putUrl: string | undefined;
  resource: JsonRecord;
}

interface BundleIndex {
  fullUrls: Map<string, number>;
  typeIds: Map<string, number>;
  /** Entries whose fullUrl names no server (urn:uuid, none: NDJSON lines), by `Type/id`. */
  unbasedTypeIds: Map<string, number>;
  putUrls: Map<string, number>;
  identifiers: Map<string, number>;
}

function entriesOf(value: unknown): Entry[] {
  if (Array.isArray(value)) {
    return value.filter(isRecord).map((resource) => ({ fullUrl: undefined, putUrl: undefined, resource }));
  }
  if (!isRecord(value)) return [];
  if (value.resourceType !== 'Bundle') return [{ fullUrl: undefined, putUrl: undefined, resource: value }];
  return arrayOf(value.entry)
    .filter((entry) => isRecord(entry.resource))
    .map((entry) => {
      const request = isRecord(entry.request) ? entry.request : {};
      const url = request.method === 'PUT' && typeof request.url === 'string' ? request.url : '';
      return {
        fullUrl: typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined,
        putUrl: RELATIVE.test(url) ? url : undefined,
        resource: entry.resource as JsonRecord,
      };
    });
}

function indexEntries(entries: readonly Entry[]): BundleIndex {
  const index: BundleIndex = {
    fullUrls: new Map(),
    typeIds: new Map(),
    unbasedTypeIds: new Map(),
    putUrls: new Map(),
    identifiers: new Map(),
  };
  const put = (map: Map<string, number>, key: string, i: number): void => {
    if (!map.has(key)) map.set(key, i);
  };
  entries.forEach(({ fullUrl, putUrl, resource }, i) => {
    const type = String(resource.resourceType);
    if (fullUrl !== undefined) put(index.fullUrls, fullUrl, i);
    if (putUrl !== undefined) put(index.putUrls, putUrl, i);
    if (typeof resource.id === 'string') {
      put(index.typeIds, `${type}/${resource.id}`, i);
      if (fullUrl === undefined || RESTFUL.exec(fullUrl) === null) {
        put(index.unbasedTypeIds, `${type}/${resource.id}`, i);
      }
    }
    for (const identifier of arrayOf(resource.identifier)) {
      if (typeof identifier.value !== 'string') continue;
      const system = typeof identifier.system === 'string' ? identifier.system : '';
      put(index.identifiers, `${type}?${system}|${identifier.value}`, i);
      put(index.identifiers, `${type}?|${identifier.value}`, i);
    }
  });
  return index;
}

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const RESTFUL = /^(.*)\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** An entry index, `contained`, or why it does not resolve. */
type Target = number | 'contained' | 'unresolved' | 'outside';

/**
 * FHIR Bundle reference resolution (R4 §3.1.0.8): a relative reference is resolved against the base
 * of its entry's RESTful fullUrl, else names a transaction entry PUT at that `Type/id`; only when the
 * fullUrl is not RESTful (urn:uuid, none) is it matched by type and id. An absolute RESTful reference
 * names the entry with that fullUrl, or by type and id one whose fullUrl is not RESTful. Conditional
 * `Type?identifier=` references are matched against entry identifiers.
 */
function resolve(reference: string, entry: Entry, index: BundleIndex): Target {
  if (reference.startsWith('#')) {
    if (reference === '#') return 'contained';
    const id = reference.slice(1);
    return arrayOf(entry.resource.contained).some((c) => c.id === id) ? 'contained' : 'unresolved';
  }
  if (reference.startsWith('urn:')) return index.fullUrls.get(reference) ?? 'unresolved';
  const question = reference.indexOf('?');
  if (question > 0) {
    const type = reference.slice(0, question);
    const params = reference.slice(question + 1).split('&');
    if (params.length !== 1 || !params[0]?.startsWith('identifier=')) return 'outside';
    const token = percentDecode(params[0].slice('identifier='.length));
    return index.identifiers.get(token.includes('|') ? `${type}?${token}` : `${type}?|${token}`) ?? 'outside';
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const bare = reference.replace(/\/_history\/[^/]+$/, '');
    const exact = index.fullUrls.get(bare) ?? index.fullUrls.get(reference);
    if (exact !== undefined) return exact;
    // A RESTful URL on any base names, by type and id, a resource that names no server of its own
    // (a urn:uuid entry, an NDJSON line); an entry on another server is another resource.
    const restful = RESTFUL.exec(reference);
    return restful === null
      ? 'outside'
      : (index.unbasedTypeIds.get(`${restful[2]}/${restful[3]}`) ?? 'outside');
  }
  const relative = RELATIVE.exec(reference);
  if (relative === null) return 'unresolved';
  const literal = `${relative[1]}/${relative[2]}`;
  const restful = entry.fullUrl === undefined ? null : RESTFUL.exec(entry.fullUrl);
  const sameBase = restful === null ? undefined : index.fullUrls.get(`${restful[1]}/${literal}`);
  if (sameBase !== undefined) return sameBase;
  const put = index.putUrls.get(literal);
  if (put !== undefined) return put;
  return restful === null ? (index.typeIds.get(literal) ?? 'outside') : 'outside';
}

export interface FoundReference {
  /** The element path without indexes (`Encounter.participant.individual`). */
  key: string;
  at: string;
  reference: string;
}

/** Every Reference (`{reference: …}`) of a resource outside its contained resources. */
export function referencesIn(resource: JsonRecord): FoundReference[] {
  const found: FoundReference[] = [];
  const type = String(resource.resourceType);
  const walk = (node: unknown, key: string, at: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, key, `${at}[${i}]`);
      });
      return;
    }
    if (!isRecord(node)) return;
    if (typeof node.reference === 'string') found.push({ key, at, reference: node.reference });
    for (const [name, child] of Object.entries(node)) {
      // Contained resources resolve their own references against the container; skip their bodies.
      if (name === 'contained' || name === 'resource') continue;
      walk(child, `${key}.${name}`, `${at}.${name}`);
    }
  };
  walk(resource, type, type);
  return found;
}

/** Input entries matched to output entries in order by resourceType (the output may drop entries, not reorder). */
function matchEntries(input: readonly Entry[], output: readonly Entry[]): Array<number | undefined> {
  const mapping: Array<number | undefined> = [];
  let j = 0;
  for (const entry of input) {
    let match = j;
    while (match < output.length && output[match]?.resource.resourceType !== entry.resource.resourceType)
      match++;
    if (match < output.length) {
      mapping.push(match);
      j = match + 1;
    } else mapping.push(undefined);
  }
  return mapping;
}

const describeTarget = (target: Target): string => (typeof target === 'number' ? `entry[${target}]` : target);

/**
 * Without `input`: every output reference that can only mean "in this Bundle" (`urn:`, `#`) resolves.
 * With `input`: every input reference that resolved within the input resolves in the output to the
 * corresponding resource, and no output reference resolves to an entry its input reference did not
 * name. References inside extensions may disappear with their extension (extensions are allow-listed),
 * but never dangle. Accepts Bundles or arrays of resources (NDJSON lines).
 */
export function checkReferentialIntegrity(output: unknown, input?: unknown): IntegrityResult {
  const outEntries = entriesOf(output);
  const outIndex = indexEntries(outEntries);
  const failures: IntegrityFailure[] = [];
  const isLocal = (reference: string): boolean => reference.startsWith('#') || reference.startsWith('urn:');

  if (input === undefined) {
    outEntries.forEach((entry, i) => {
      for (const found of referencesIn(entry.resource)) {
        const target = resolve(found.reference, entry, outIndex);
        if (isLocal(found.reference) && (target === 'unresolved' || target === 'outside')) {
          failures.push({ problem: 'dangling', at: `entry[${i}].${found.at}`, detail: found.reference });
        }
      }
    });
    return { inputResolved: 0, droppedEntries: 0, failures };
  }

  const inEntries = entriesOf(input);
  const inIndex = indexEntries(inEntries);
  const mapping = matchEntries(inEntries, outEntries);
  let inputResolved = 0;
  let droppedEntries = 0;
  inEntries.forEach((inEntry, i) => {
    const o = mapping[i];
    const expected = new Map<string, Array<{ target: number | 'contained' | 'dropped'; type: string }>>();
    /** Local references that already dangle in the input, per element: the engine cannot mend them. */
    const danglingIn = new Map<string, number>();
    for (const found of referencesIn(inEntry.resource)) {
      const target = resolve(found.reference, inEntry, inIndex);
      if (target === 'unresolved' || target === 'outside') {
        if (isLocal(found.reference)) danglingIn.set(found.key, (danglingIn.get(found.key) ?? 0) + 1);
        continue;
      }
      inputResolved++;
      const mapped = target === 'contained' ? 'contained' : (mapping[target] ?? 'dropped');
      const type =
        target === 'contained'
          ? arrayOf(inEntry.resource.contained).find((c) => `#${String(c.id)}` === found.reference)
              ?.resourceType
          : inEntries[target]?.resource.resourceType;
      expected.set(found.key, [...(expected.get(found.key) ?? []), { target: mapped, type: String(type) }]);
    }
    const outEntry = o === undefined ? undefined : outEntries[o];
    if (outEntry === undefined) {
      droppedEntries++;
      if (expected.size > 0) {
        failures.push({
          problem: 'lost',
          at: `entry[${i}]`,
          detail: `${String(inEntry.resource.resourceType)} entry with resolving references is missing`,
          targetType: String(inEntry.resource.resourceType),
        });
      }
      return;
    }
    const actual = new Map<string, Target[]>();
    for (const found of referencesIn(outEntry.resource)) {
      const target = resolve(found.reference, outEntry, outIndex);
      if (isLocal(found.reference) && (target === 'unresolved' || target === 'outside')) {
        const excused = danglingIn.get(found.key) ?? 0;
        if (excused > 0) danglingIn.set(found.key, excused - 1);
        else failures.push({ problem: 'dangling', at: `entry[${o}].${found.at}`, detail: found.reference });
        continue;
      }
      actual.set(found.key, [...(actual.get(found.key) ?? []), target]);
    }
    const keys = new Set([...expected.keys(), ...actual.keys()]);
    for (const key of keys) {
      const want = [...(expected.get(key) ?? [])];
      const got = (actual.get(key) ?? []).filter((t) => typeof t === 'number' || t === 'contained');
      for (const target of got) {
        const k = want.findIndex((w) => w.target === target);
        if (k >= 0) want.splice(k, 1);
        else {
          failures.push({
            problem: 'retargeted',
            at: `entry[${i}] ${key}`,
            detail: `output resolves to ${describeTarget(target)}, input did not`,
          });
        }
      }
      if (key.includes('.extension') || key.includes('.modifierExtension')) continue;
      for (const { target, type } of want) {
        const detail =
          target === 'dropped'
            ? `its ${type} target entry was dropped`
            : `resolved to ${target === 'contained' ? `a contained ${type}` : `output entry[${target}]`} in the input, not in the output`;
        failures.push({ problem: 'lost', at: `entry[${i}] ${key}`, detail, targetType: type });
      }
    }
  });
  return { inputResolved, droppedEntries, failures };
}

// ---------------------------------------------------------------------------------------------
// Structural validity
// ---------------------------------------------------------------------------------------------

/**
 * Problems the project's FHIR door (`validateBundle`: Bundle rules, R4 structure, urn:uuid resolution,
 * narrative safety) finds in `value`; an array of resources is checked as a collection Bundle.
 * Empty when valid.
 */
export function validityProblems(value: unknown): string[] {
  const bundle = Array.isArray(value)
    ? { resourceType: 'Bundle', type: 'collection', entry: value.map((resource: unknown) => ({ resource })) }
    : value;
  try {
    validateBundle(bundle);
    return [];
  } catch (error) {
    if (isRecord(error) && typeof error.code === 'string') {
      const details = isRecord(error.details) ? JSON.stringify(error.details) : '';
      return [`${error.code} ${typeof error.message === 'string' ? error.message : ''} ${details}`.trim()];
    }
    return [String(error)];
  }
}
