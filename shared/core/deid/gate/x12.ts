import type { Delimiters, PlacedSegment } from '../../x12/read-model.js';
import { readPlacedX12 } from '../x12/deidentify.js';
import { compositeSeparator } from '../x12/values.js';
import {
  Collector,
  type GatePolicy,
  type IdentifyingValues,
  identifyingValuesOf,
  MIN_NAME,
  MIN_ORGANIZATION,
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

  constructor(readonly delimiters: Delimiters) {}

  /** `person`: a person's loop or a patient location; `claim`: the claim's own data; else not scanned. */
  of(segment: PlacedSegment): 'person' | 'claim' | undefined {
    const at = (n: number) => segment.elements[n] ?? '';
    if (segment.id === 'GS') this.kind = at(8).startsWith('005010X223') ? '837I' : '837P';
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

/** Each date an element holds (D8, both ends of an RD8, the date of a DT), with the format. */
function datesOf(segment: PlacedSegment, delimiters: Delimiters): [number, string, string][] {
  const at = (n: number) => segment.elements[n] ?? '';
  switch (segment.id) {
    case 'DTP':
      return [[3, at(2), at(3)]];
    case 'DMG':
      return [[2, at(1), at(2)]];
    case 'PAT':
      return at(6) === '' ? [] : [[6, at(5), at(6)]];
    case 'FRM':
      return at(4) === '' ? [] : [[4, 'D8', at(4)]];
    case 'HI': {
      const out: [number, string, string][] = [];
      for (let n = 1; n < segment.elements.length; n++) {
        const parts = at(n).split(compositeSeparator(at(n), delimiters.component));
        if (DATE_FORMATS.has(parts[2] ?? '') && (parts[3] ?? '') !== '')
          out.push([n, parts[2] ?? '', parts[3] ?? '']);
      }
      return out;
    }
    default:
      return [];
  }
}

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

/**
 * `collectX12IdentifyingValues` one placed segment at a time, in the input's order: the
 * de-identifier's own read of the input hands each segment here too (deidentifyX12's `onInput`),
 * so the gate's values cost no second read. What is collected is decided here alone, from the input's
 * segments as read, never from what the de-identifier made of them.
 */
export class X12ValuesCollector {
  private readonly c: Collector;
  private places: Places | undefined;

  constructor(private readonly policy: GatePolicy) {
    this.c = new Collector(policy);
  }

  values(): IdentifyingValues {
    return identifyingValuesOf(this.c);
  }

  push(segment: PlacedSegment): void {
    const { c, policy } = this;
    if (segment.id === 'ISA') this.places = new Places(delimitersOfIsa(segment));
    this.places ??= new Places(delimitersOfIsa(segment));
    const places = this.places;
    const where = places.of(segment);
    if (where === undefined) return;
    const at = (n: number) => segment.elements[n] ?? '';
    if (policy.dates) {
      for (const [, format, value] of datesOf(segment, places.delimiters))
        for (const day of isoDays(format, value)) c.dates.add(day);
    }
    switch (segment.id) {
      case 'NM1':
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
        if (policy.cities && at(1) !== '') c.term(at(1), 'city', MIN_NAME);
        if (policy.zip !== 'keep' && at(3) !== '') c.postalCode(zip5(at(3)));
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
    if (where === undefined) return;
    const datePlaces = new Set<number>();
    for (const [n, format, value] of datesOf(segment, places.delimiters)) {
      if (!DATE_FORMATS.has(format)) continue;
      datePlaces.add(n);
      if (policy.dates && (format === 'RD8' ? value.split('-') : [value]).some((d) => !YEAR_ONLY.test(d))) {
        hits.push({ path: expression(n), kind: 'date-precision' });
      }
    }
    const zipPlace = segment.id === 'N4' && where === 'person' && policy.zip !== 'keep';
    if (zipPlace) {
      const zip = segment.elements[3] ?? '';
      const ok =
        policy.zip === 'drop' ? zip === '' || zip === '000' : zip === '' || /^\d{3}(?:00)?$/.test(zip);
      if (!ok) hits.push({ path: expression(3), kind: 'zip-precision' });
    }
    for (let n = 1; n < segment.elements.length; n++) {
      const value = segment.elements[n] ?? '';
      if (value === '') continue;
      // A date place is judged by its precision above; its year-only value may equal 1 January of an input date.
      if (datePlaces.has(n) && policy.dates) continue;
      // A ZIP place is judged by its precision too: ZIP3+00 may equal another person's five-digit ZIP.
      if (zipPlace && n === 3) continue;
      gate.scan(values, value, () => expression(n), hits);
      if (hits.length >= MAX_HITS) return;
    }
  });
  return hits;
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
