import type { Delimiters, PlacedSegment } from '../../x12/read-model.js';
import { readPlacedX12 } from '../x12/deidentify.js';
import {
  type ElementNumbers,
  type NumericElements,
  numericElementsOf,
  X12_NUMBER,
} from '../x12/numeric-elements.js';
import { compositeSeparator } from '../x12/values.js';
import {
  Collector,
  type GatePolicy,
  type IdentifyingValues,
  identifyingValuesOf,
  MIN_NAME,
  MIN_ORGANIZATION,
  term,
} from './collect.js';
import {
  type GateHit,
  type GateResult,
  gateResult,
  MAX_HITS,
  type ReleaseGate,
  refuseOnHits,
} from './gate.js';

/**
 * The release gate for X12 copies. Part one reads the input 837's PHI places on its own (not through
 * the de-identifier, so a rule that lets a value through is caught rather than repeated): person
 * names, member and claim identifiers, street lines, cities and ZIPs of the patient and of ambulance
 * and home locations, the employer (SBR04), and every date of a DTP, DMG, PAT, HI composite or FRM.
 * Part two scans the output's elements that belong to the patient or the claim (providers, payers and
 * the submitter keep their own names and addresses, which are not the individual's), checks the
 * contract's promises on date and ZIP places, and names positions (`2010BA/NM1[16]/NM103`), never values.
 *
 * Each element is judged as what the guide and the contract say it is, so a value the contract keeps
 * is not taken for an identifier because its characters coincide with one: a number in an element
 * the guide types as a number (an amount, a count), a date in a date place, a kept ZIP or a kept city
 * (a limited data set) that is one of the input's. Anything else in those places is scanned as text.
 */

const PERSON_LOOPS: ReadonlySet<string> = new Set(['2010BA', '2010CA', '2330A']);
const CLAIM_LOOPS: ReadonlySet<string> = new Set([
  '2000B',
  '2000C',
  '2300',
  '2320',
  '2400',
  '2410',
  '2430',
  '2440',
]);
const HOME_837P: ReadonlySet<string> = new Set(['12']);
const HOME_837I: ReadonlySet<string> = new Set(['32', '33', '34']);
const DATE_FORMATS: ReadonlySet<string> = new Set(['D8', 'RD8', 'DT']);
const YEAR_ONLY = /^\d{4}0101(?:0000)?$/;

const nn = (n: number): string => String(n).padStart(2, '0');

/** Follows an 837 and says which segments are about the individual. */
class Places {
  private kind: '837P' | '837I' = '837P';
  private claimPos = '';
  private linePos = '';
  private geo = false;
  private personName = false;
  /** The guide's numeric elements for the current functional group (GS08). */
  numbers: NumericElements | undefined;

  constructor(readonly delimiters: Delimiters) {}

  /** `person`: a person's loop or a patient location; `claim`: the claim's own data; else not scanned. */
  of(segment: PlacedSegment): 'person' | 'claim' | undefined {
    const at = (n: number) => segment.elements[n] ?? '';
    if (segment.id === 'GS') {
      this.kind = at(8).startsWith('005010X223') ? '837I' : '837P';
      this.numbers = numericElementsOf(at(8));
    }
    if (segment.id === 'CLM') {
      this.claimPos = at(5).split(this.delimiters.component)[0] ?? '';
      this.linePos = '';
    }
    if (segment.id === 'SV1') this.linePos = at(5);
    if (segment.id === 'HL' || segment.id === 'CLM' || segment.id === 'LX') this.geo = false;
    if (segment.id === 'NM1') {
      const entity = at(1);
      const pos = segment.loop.startsWith('2420') && this.linePos !== '' ? this.linePos : this.claimPos;
      const home = entity === '77' && (this.kind === '837I' ? HOME_837I : HOME_837P).has(pos);
      this.geo = /^(2310|2420)/.test(segment.loop) && (entity === 'PW' || entity === '45' || home);
    }
    if (segment.id === 'NM1') this.personName = at(1) === 'IL' || at(1) === 'QC';
    else if (['HL', 'CLM', 'LX', 'SBR'].includes(segment.id)) this.personName = false;
    if (PERSON_LOOPS.has(segment.loop) || this.personName) return 'person';
    if (this.geo && ['NM1', 'N3', 'N4', 'PER'].includes(segment.id)) return 'person';
    if (CLAIM_LOOPS.has(segment.loop)) return 'claim';
    return undefined;
  }
}

/**
 * Each date an element holds (D8, both ends of an RD8, the date of a DT), with the format: element,
 * format, value, and for an HI composite the 0-based component that holds the date.
 */
function datesOf(
  segment: PlacedSegment,
  delimiters: Delimiters,
): [number, string, string, number | undefined][] {
  const at = (n: number) => segment.elements[n] ?? '';
  switch (segment.id) {
    case 'DTP':
      return [[3, at(2), at(3), undefined]];
    case 'DMG':
      return [[2, at(1), at(2), undefined]];
    case 'PAT':
      return at(6) === '' ? [] : [[6, at(5), at(6), undefined]];
    case 'FRM':
      return at(4) === '' ? [] : [[4, 'D8', at(4), undefined]];
    case 'HI': {
      const out: [number, string, string, number | undefined][] = [];
      for (let n = 1; n < segment.elements.length; n++) {
        const parts = at(n).split(compositeSeparator(at(n), delimiters.component));
        if (DATE_FORMATS.has(parts[2] ?? '') && (parts[3] ?? '') !== '')
          out.push([n, parts[2] ?? '', parts[3] ?? '', 3]);
      }
      return out;
    }
    default:
      return [];
  }
}

/** A whole date in its X12 format: what a date place holds when the contract keeps or shifts dates. */
const DATE_SHAPES: Readonly<Record<string, RegExp>> = {
  D8: /^\d{8}$/,
  RD8: /^\d{8}-\d{8}$/,
  DT: /^\d{12}$/,
};
const isDate = (format: string, value: string): boolean => DATE_SHAPES[format]?.test(value) === true;

const isoDays = (format: string, value: string): string[] =>
  (format === 'RD8' ? value.split('-') : [value.slice(0, 8)])
    .filter((d) => /^\d{8}$/.test(d))
    .map((d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`);

/** The identifying values of an 837's PHI places, as the contract's promise says to look for them. */
export function collectX12IdentifyingValues(input: Uint8Array, policy: GatePolicy): IdentifyingValues {
  const collector = new X12ValuesCollector(policy);
  readPlacedX12(input, (segment) => collector.push(segment));
  return collector.values();
}

/** NM101 codes of an insured person and of a patient. */
const PERSON_ENTITIES: ReadonlySet<string> = new Set(['IL', 'QC']);

/**
 * `collectX12IdentifyingValues` one placed segment at a time, in the input's order: the
 * de-identifier's own read of the input hands each segment here too (deidentifyX12's `onInput`),
 * so the gate's values cost no second read. What is collected is decided here alone, from the input's
 * segments as read, never from what the de-identifier made of them.
 */
export class X12ValuesCollector {
  private readonly c: Collector;
  private places: Places | undefined;
  /** Names of the people of the current subscriber's hierarchy (HL 20/22 starts a new one). */
  private hierarchyNames = new Set<string>();
  /**
   * Kept cities that spell a name of their own person's hierarchy: the contract removes those (as it
   * would a display naming the person), so they are never excused as a kept city.
   */
  private readonly selfNamedCities = new Set<string>();

  constructor(private readonly policy: GatePolicy) {
    this.c = new Collector(policy);
  }

  values(): IdentifyingValues {
    for (const city of this.selfNamedCities) this.c.keptCities.delete(city);
    return identifyingValuesOf(this.c);
  }

  push(segment: PlacedSegment): void {
    const { c, policy } = this;
    if (segment.id === 'ISA') this.places = new Places(delimitersOfIsa(segment));
    this.places ??= new Places(delimitersOfIsa(segment));
    const places = this.places;
    const where = places.of(segment);
    const at = (n: number) => segment.elements[n] ?? '';
    if (segment.id === 'HL' && (at(3) === '20' || at(3) === '22')) this.hierarchyNames = new Set();
    if (where === undefined) return;
    if (policy.dates) {
      for (const [, format, value] of datesOf(segment, places.delimiters))
        for (const day of isoDays(format, value)) c.dates.add(day);
    }
    switch (segment.id) {
      case 'NM1':
        if (PERSON_LOOPS.has(segment.loop) || PERSON_ENTITIES.has(at(1))) {
          for (const n of [3, 4])
            if (at(n).trim() !== '') this.hierarchyNames.add(at(n).trim().toUpperCase());
        }
        // An ambulance stop's NM1 names a place (a hospital), not the person; a home's names the patient.
        if (where === 'person' && at(1) !== 'PW' && at(1) !== '45') {
          for (const n of [3, 4, 5]) if (at(n) !== '') c.name(at(n));
          // A home service facility's NM109 is the facility's NPI, which the copy keeps.
          if (at(9) !== '' && at(1) !== '77') c.identifier(at(9), 'identifier');
        }
        return;
      case 'N3':
        if (where === 'person') for (const n of [1, 2]) if (at(n) !== '') c.term(at(n), 'address', 4);
        return;
      case 'N4':
        if (where !== 'person') return;
        if (at(1) !== '') {
          if (policy.cities) c.term(at(1), 'city', MIN_NAME);
          else if (this.spellsHierarchyName(at(1))) this.selfNamedCities.add(term(at(1)));
          else c.keptCities.add(term(at(1)));
        }
        if (at(3) !== '') {
          if (policy.zip !== 'keep') c.postalCode(zip5(at(3)));
          else c.keptPostalCodes.add(at(3).trim());
        }
        return;
      case 'REF':
        if (at(2) !== '' && !(where === 'claim' && (at(1) === '4N' || at(1) === 'F5')))
          c.identifier(at(2), 'identifier');
        return;
      case 'PER':
        if (where !== 'person') return;
        if (at(2) !== '') c.name(at(2));
        for (const n of [4, 6, 8]) if (at(n) !== '') c.identifier(at(n), 'telecom');
        return;
      case 'CLM':
        c.identifier(at(1), 'identifier');
        return;
      case 'SBR':
        if (at(3) !== '') c.identifier(at(3), 'identifier');
        if (at(4) !== '') c.term(at(4), 'employer', MIN_ORGANIZATION);
        return;
      case 'PWK':
        if (at(6) !== '') c.identifier(at(6), 'identifier');
        return;
      default:
        return;
    }
  }

  /** Whether a word of the text is a name (last or first) of someone of the current hierarchy. */
  private spellsHierarchyName(text: string): boolean {
    for (const word of text.toUpperCase().split(/[^A-Z0-9'-]+/)) {
      if (word.length >= 2 && this.hierarchyNames.has(word)) return true;
    }
    return false;
  }
}

/** A nine-digit ZIP is written without its hyphen in an N403; the gate's collector wants `12345-6789`. */
const zip5 = (value: string): string =>
  /^\d{9}$/.test(value) ? `${value.slice(0, 5)}-${value.slice(5)}` : value;

function delimitersOfIsa(isa: PlacedSegment): Delimiters {
  // The placed ISA keeps ISA16 (the component separator); the others are not needed here.
  return { element: '', component: isa.elements[16] ?? ':', repetition: undefined, segment: '' };
}

/** Scans an X12 copy against the input's values; each hit names `loop/SEG[position]/SEGnn`. */
export function scanX12(
  gate: ReleaseGate,
  values: IdentifyingValues,
  output: Uint8Array,
  hits: GateHit[] = [],
): GateHit[] {
  const policy = gate.policy;
  let places: Places | undefined;
  readPlacedX12(output, (segment) => {
    if (hits.length >= MAX_HITS) return;
    if (segment.id === 'ISA') places = new Places(delimitersOfIsa(segment));
    places ??= new Places(delimitersOfIsa(segment));
    const expression = (n: number) =>
      `${segment.loop}/${segment.id}[${segment.position}]/${segment.id}${nn(n)}`;
    if (segment.id === 'ISA') {
      // ISA02 and ISA04 (authorization and security information) must be blank.
      for (const n of [2, 4])
        if ((segment.elements[n] ?? '').trim() !== '') hits.push({ path: expression(n), kind: 'identifier' });
      return;
    }
    const where = places.of(segment);
    // HL01–HL04 are the hierarchy's own counters and codes, whatever digits they happen to be.
    if (where === undefined || segment.id === 'HL') return;
    const judge = new ElementJudge(segment, places);
    for (const [n, format, value, component] of datesOf(segment, places.delimiters)) {
      if (!DATE_FORMATS.has(format)) continue;
      if (policy.dates && (format === 'RD8' ? value.split('-') : [value]).some((d) => !YEAR_ONLY.test(d))) {
        hits.push({ path: expression(n), kind: 'date-precision' });
      }
      // A date place is judged by its precision above; its year-only value may equal 1 January of an
      // input date. Where the contract keeps or shifts dates, a whole date there is a date.
      if (policy.dates || isDate(format, value)) judge.settle(n, component);
    }
    const zipPlace = segment.id === 'N4' && where === 'person';
    if (zipPlace && policy.zip !== 'keep') {
      const zip = segment.elements[3] ?? '';
      const ok =
        policy.zip === 'drop' ? zip === '' || zip === '000' : zip === '' || /^\d{3}(?:00)?$/.test(zip);
      if (!ok) hits.push({ path: expression(3), kind: 'zip-precision' });
      // A ZIP place is judged by its precision: ZIP3+00 may equal another person's five-digit ZIP.
      judge.settle(3, undefined);
    }
    if (
      zipPlace &&
      policy.zip === 'keep' &&
      values.keptPostalCodes?.has((segment.elements[3] ?? '').trim())
    ) {
      judge.settle(3, undefined);
    }
    if (zipPlace && !policy.cities && values.keptCities?.has(term(segment.elements[1] ?? ''))) {
      judge.settle(1, undefined);
    }
    for (let n = 1; n < segment.elements.length; n++) {
      const text = judge.text(n);
      if (text === undefined) continue;
      gate.scan(values, text, () => expression(n), hits);
      if (hits.length >= MAX_HITS) return;
    }
  });
  return hits;
}

/**
 * What of each element of one output segment is left to scan as text, once the places judged for
 * what they are (dates, kept ZIPs and cities, numbers) are settled.
 */
class ElementJudge {
  /** Settled elements (whole), and settled components of composites by element. */
  private readonly whole = new Set<number>();
  private readonly parts = new Map<number, Set<number>>();
  private readonly numbers: readonly ElementNumbers[];

  constructor(
    private readonly segment: PlacedSegment,
    private readonly places: Places,
  ) {
    this.numbers = places.numbers?.of(segment.loop, segment.id) ?? [];
  }

  /** The element (or one component of it) is judged; it is not scanned as text. */
  settle(n: number, component: number | undefined): void {
    if (component === undefined) {
      this.whole.add(n);
      return;
    }
    let set = this.parts.get(n);
    if (set === undefined) {
      set = new Set();
      this.parts.set(n, set);
    }
    set.add(component);
  }

  /** The text to scan, or undefined when nothing is left (empty, settled, or a number where the guide types one). */
  text(n: number): string | undefined {
    const { segment } = this;
    const value = segment.elements[n] ?? '';
    if (value === '' || this.whole.has(n)) return undefined;
    const numbers = this.numbers[n - 1] ?? false;
    if (numbers === true && X12_NUMBER.test(value)) return undefined;
    const numericParts = typeof numbers === 'boolean' ? undefined : numbers;
    const settled = this.parts.get(n);
    if (numericParts === undefined && settled === undefined) return value;
    const separator = compositeSeparator(value, this.places.delimiters.component);
    const parts = value.split(separator);
    const left = parts.map((part, i) =>
      settled?.has(i) === true || (numericParts?.[i] === true && X12_NUMBER.test(part)) ? '' : part,
    );
    return left.every((part) => part === '') ? undefined : left.join(separator);
  }
}

/** `scanX12` as a verdict. */
export const x12Verdict = (gate: ReleaseGate, values: IdentifyingValues, output: Uint8Array): GateResult =>
  gateResult(scanX12(gate, values, output));

/**
 * Fail-closed release of an X12 copy: throws `residual-phi` naming the first hit's position and kind
 * and how many there were, never a value. `what` names the copy in the message.
 */
export function assertX12Releasable(
  gate: ReleaseGate,
  values: IdentifyingValues,
  output: Uint8Array,
  what: string,
): void {
  refuseOnHits(x12Verdict(gate, values, output), what);
}
