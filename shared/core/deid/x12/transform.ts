import { PipelineError } from '../../errors.js';
import { guideFor } from '../../x12/guide/index.js';
import type { Delimiters, PlacedSegment } from '../../x12/read-model.js';
import type { CompiledContract } from '../compile.js';
import {
  baseModesOf,
  DROP,
  type Json,
  type Modes,
  type Outcome,
  type Place,
  type PolicyRecord,
  type PolicyServices,
  type Subject,
} from '../policies/policy.js';
import { decide, wholePolicyFor } from '../policies/registry.js';
import type { Pseudonyms } from '../pseudonyms.js';
import { PSEUDONYM_SYSTEM_PREFIX } from '../references.js';
import type { ReportBuilder, Rule } from '../report.js';
import { PhiContext, scrubFreeText } from '../scrubber.js';
import { claimPatientKey, claimPatientShiftKey } from './patient-key.js';
import { KEEP_ALL, type X12Selectors } from './selectors.js';
import {
  compositeSeparator,
  fromFhirDate,
  isDateFormat,
  maxLength,
  safeValue,
  toFhirDate,
  withheldDate,
} from './values.js';

/**
 * De-identifies an 837 in place, segment by segment, with the FHIR policy registry deciding every
 * value: the walker here only knows where an 837 keeps a name, an address, an identifier, a date or
 * free text (shared/notes/deid.md §e) and names each value as the FHIR type that holds the same kind
 * of value (HumanName, Address, Identifier, date, string). Segments of one HL block are held until the
 * block's patient is known (2010BB, the payer id, comes after the subscriber), so memory holds one HL
 * block, never the file.
 */

export interface X12TransformOptions {
  readonly contract: CompiledContract;
  readonly pseudonyms: Pseudonyms;
  readonly keyId: string;
  readonly referenceDate: string;
  readonly report: ReportBuilder;
  readonly delimiters: Delimiters;
  /** The contract's X12 allow-list; every segment when absent. */
  readonly keep?: X12Selectors;
  /** Receives each output segment, elements as written (`[0]` the id), in order. */
  readonly emit: (elements: readonly string[], segment: PlacedSegment) => void;
}

/** Where a person's identity lives: the subscriber, the dependent patient, another payer's subscriber. */
const PERSON_LOOPS: ReadonlySet<string> = new Set(['2010BA', '2010CA', '2330A']);
/** NM101 entity codes of an insured person and of a patient. */
const PERSON_ENTITIES: ReadonlySet<string> = new Set(['IL', 'QC']);
/** Payer loops: their ids are the payer's, except the claim's own numbers there. */
const PAYER_LOOPS: ReadonlySet<string> = new Set(['2010BB', '2330B']);
const PAYER_CLAIM_REFS: ReadonlySet<string> = new Set(['F8', 'G1', '9F', 'T4', 'EA', '9A', '9C', 'D9']);
/** The claim and its lines: every REF there is the claim's or the patient's, except these codes. */
const CLAIM_LOOPS: ReadonlySet<string> = new Set(['2300', '2320', '2400', '2410', '2430', '2440']);
const CLAIM_CODE_REFS: ReadonlySet<string> = new Set(['4N', 'F5']);
/** Places of service where the service facility is the patient's home (837P CLM05-1/SV105; 837I home health). */
const HOME_837P: ReadonlySet<string> = new Set(['12']);
const HOME_837I: ReadonlySet<string> = new Set(['32', '33', '34']);

/** The placeholder written where a required name or address element had to go. */
export const X12_PLACEHOLDER = 'REDACTED';
/** Identifier systems the X12 de-identifier and the 837→FHIR mapper pseudonymize values under. */
export const X12_IDENTIFIER_SYSTEM_PREFIX = 'urn:phi-pipeline:x12:';
const ID_KINDS: Readonly<Record<string, string>> = {
  MI: 'member-id',
  '1W': 'member-id',
  II: 'unique-health-id',
  SY: 'ssn',
  '34': 'ssn',
  EA: 'medical-record-number',
  CLM01: 'patient-control-number',
  D9: 'claim-number',
  F8: 'payer-claim-control-number',
  G1: 'prior-authorization',
  '9F': 'referral-number',
  '6R': 'line-item-control-number',
  XZ: 'prescription-number',
  SBR03: 'group-number',
  PWK06: 'attachment-control-number',
};

/** The identifier system a qualifier's values are pseudonymized under, in X12 and in mapped FHIR alike. */
export const x12IdentifierSystem = (qualifier: string): string =>
  `${X12_IDENTIFIER_SYSTEM_PREFIX}${ID_KINDS[qualifier] ?? `ref-${qualifier.toLowerCase()}`}`;

interface Hierarchy {
  payerId: string;
  memberId: string;
}

const ignore = (): void => undefined;
const el = (segment: PlacedSegment, n: number): string => segment.elements[n] ?? '';
/** `01`…`99` made once: element numbers are keys of the place cache, read for every value decided. */
const NN: readonly string[] = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const nn = (n: number): string => NN[n] ?? String(n).padStart(2, '0');

export class X12Transform {
  private kind: '837P' | '837I' = '837P';
  private setCount = 0;
  private block: PlacedSegment[] | undefined;
  private blockLevel = '';
  private hierarchy: Hierarchy = { payerId: '', memberId: '' };
  private subject: Subject = { key: 'x12-record' };
  private context = new PhiContext();
  private lastNames = new Set<string>();
  private firstNames = new Set<string>();
  private claimPos = '';
  private linePos = '';
  /** Free text is scrubbed (so the names and ids met are remembered), not dropped. */
  private readonly scrubs: boolean;
  /** The delimiters of the interchange being read (ISA16 and ISA11 may change from one to the next). */
  private delimiters: Delimiters;
  /** The last NM1 named an insured person or a patient (NM101 `IL` or `QC`). */
  private personName = false;
  /** The current 2310/2420/2330 location loop is the patient's home or an ambulance stop. */
  private geo = false;
  private readonly keep: X12Selectors;
  private readonly modes: Modes;
  private readonly record: PolicyRecord = { labels: 0, age90: false, links: undefined };
  private readonly services: PolicyServices;
  /** Places by loop, segment id and element: one is made per kind of place, not per value. */
  private readonly places = new Map<string, Map<string, Map<string, Place>>>();

  constructor(private readonly options: X12TransformOptions) {
    const { contract, pseudonyms, report, keyId, referenceDate } = options;
    this.keep = options.keep ?? KEEP_ALL;
    this.delimiters = options.delimiters;
    this.scrubs = contract.freeText === 'scrub';
    this.modes = baseModesOf(contract);
    const shifts = new Map<string, number>();
    this.services = {
      settings: contract,
      referenceDate,
      pseudonyms,
      pseudonymSystem: `${PSEUDONYM_SYSTEM_PREFIX}${keyId}`,
      // The record's identifiers serve only to scrub free text: where free text is dropped, none are kept.
      identifiers:
        contract.freeText === 'scrub'
          ? {
              addName: (v) => this.context.addName(v),
              addAddressPart: (v) => this.context.addAddressPart(v),
              addIdentifier: (v) => this.context.addIdentifier(v),
            }
          : { addName: ignore, addAddressPart: ignore, addIdentifier: ignore },
      count: (rule: Rule, place: Place) => report.count(rule, place.path),
      shiftDays(patient) {
        let days = shifts.get(patient.key);
        if (days === undefined) {
          days = pseudonyms.shiftDays(patient.key, contract.shift.minDays, contract.shift.maxDays);
          if (shifts.size > 10_000) shifts.clear();
          shifts.set(patient.key, days);
        }
        return days;
      },
      collect: () => undefined,
    };
  }

  push(segment: PlacedSegment): void {
    switch (segment.id) {
      case 'ISA':
        // Each interchange declares its own component and repetition separators (ISA16, ISA11); its
        // composites keep them, while elements and segments are written with the output's.
        this.delimiters = {
          ...this.options.delimiters,
          component: el(segment, 16) || this.options.delimiters.component,
          repetition: /^[A-Za-z0-9 ]?$/.test(el(segment, 11)) ? undefined : el(segment, 11),
        };
        this.emit(segment, isaWithoutSecurity(segment));
        return;
      case 'GS': {
        // Only a guide the reader knows places every segment in its loop; anything else could put a
        // name where no rule looks for one. Refused, not guessed at.
        const guide = guideFor(el(segment, 8));
        if (guide === undefined || (guide.name !== '837P' && guide.name !== '837I')) {
          throw new PipelineError(
            'content-invalid',
            'X12 de-identification reads 005010 837P and 837I transaction sets only (GS08)',
            { details: { expression: 'GS08' } },
          );
        }
        this.kind = guide.name;
        this.emit(segment, segment.elements.slice());
        return;
      }
      case 'ST':
        this.setCount = 0;
        this.emitCounted(segment, segment.elements.slice());
        return;
      case 'SE': {
        this.flush();
        const out = segment.elements.slice();
        out[1] = String(this.setCount + 1);
        this.emitCounted(segment, out);
        return;
      }
      case 'GE':
      case 'IEA':
        this.flush();
        this.emit(segment, segment.elements.slice());
        return;
      case 'HL':
        this.flush();
        this.startBlock(el(segment, 3));
        this.block = [segment];
        return;
      case 'CLM':
        this.flush();
        this.process(segment);
        return;
      default:
        if (this.block !== undefined) this.block.push(segment);
        else this.process(segment);
    }
  }

  /** Ends the input: anything still held is written. */
  finish(): void {
    this.flush();
  }

  private startBlock(level: string): void {
    this.blockLevel = level;
    this.geo = false;
    if (level === '22' || level === '20') {
      // A new subscriber: a new person, a new set of names to scrub for.
      this.hierarchy = { payerId: '', memberId: '' };
      this.context = new PhiContext();
      this.lastNames = new Set();
      this.firstNames = new Set();
      this.subject = { key: 'x12-record' };
    }
  }

  /** The HL block is complete (a child HL, a CLM or the SE follows): its patient is known now. */
  private flush(): void {
    const block = this.block;
    if (block === undefined) return;
    this.block = undefined;
    const nm109 = (loop: string): string => {
      const nm1 = block.find((s) => s.id === 'NM1' && s.loop === loop);
      return nm1 === undefined ? '' : el(nm1, 9);
    };
    if (this.blockLevel === '22') {
      this.hierarchy = { payerId: nm109('2010BB'), memberId: nm109('2010BA') };
      this.subject = { key: claimPatientShiftKey(claimPatientKey(this.hierarchy)) };
    } else if (this.blockLevel === '23') {
      const name = block.find((s) => s.id === 'NM1' && s.loop === '2010CA');
      const dmg = block.find((s) => s.id === 'DMG' && s.loop === '2010CA');
      const key = claimPatientKey({
        ...this.hierarchy,
        dependent: {
          lastName: name === undefined ? '' : el(name, 3),
          firstName: name === undefined ? '' : el(name, 4),
          birthDate: dmg === undefined ? '' : el(dmg, 2),
        },
      });
      this.subject = { key: claimPatientShiftKey(key) };
    }
    for (const segment of block) this.process(segment);
  }

  private emit(segment: PlacedSegment, elements: readonly string[]): void {
    this.options.emit(elements, segment);
  }

  private emitCounted(segment: PlacedSegment, elements: readonly string[]): void {
    this.setCount++;
    this.emit(segment, elements);
  }

  private place(segment: PlacedSegment, element: string): Place {
    let byId = this.places.get(segment.loop);
    if (byId === undefined) {
      byId = new Map();
      this.places.set(segment.loop, byId);
    }
    let byElement = byId.get(segment.id);
    if (byElement === undefined) {
      byElement = new Map();
      byId.set(segment.id, byElement);
    }
    let place = byElement.get(element);
    if (place === undefined) {
      place = { path: `${segment.loop}/${segment.id}${element}`, record: this.record };
      byElement.set(element, place);
    }
    return place;
  }

  private count(rule: Rule, segment: PlacedSegment, element: string): void {
    this.options.report.count(rule, this.place(segment, element).path);
  }

  /** One segment of an HL block or a claim: its PHI decided, or the whole segment removed. */
  private process(segment: PlacedSegment): void {
    if (!this.keep.allows(segment)) {
      this.count('deny', segment, '');
      return;
    }
    const out = this.transform(segment);
    if (out === undefined) return;
    this.emitCounted(segment, trimTrailing(out));
  }

  private transform(segment: PlacedSegment): string[] | undefined {
    const out = segment.elements.slice();
    const loop = segment.loop;
    if (segment.id === 'NM1') this.personName = PERSON_ENTITIES.has(el(segment, 1));
    else if (segment.id === 'HL' || segment.id === 'CLM' || segment.id === 'LX' || segment.id === 'SBR') {
      this.personName = false;
    }
    // A person's loop, or the segments after a subscriber's or patient's NM1 wherever the reader put it.
    const person = PERSON_LOOPS.has(loop) || this.personName;
    switch (segment.id) {
      case 'NM1':
        return this.name(segment, out, person);
      case 'N3':
        if (person || this.geo) this.street(segment, out);
        return out;
      case 'N4':
        if (person || this.geo) this.cityZip(segment, out);
        return out;
      case 'DMG':
        this.date(segment, out, 2, el(segment, 1), 'birthDate');
        return out;
      case 'PER':
        // A person's contact, or the contact at the patient's home or an ambulance stop: the patient's.
        if (!person && !this.geo) return out;
        this.count('backstop-drop', segment, '');
        return undefined;
      case 'REF':
        return this.reference(segment, out, person);
      case 'SBR':
        this.identifier(segment, out, 3, 'SBR03', false);
        if (out[4] !== undefined && out[4] !== '') {
          if (this.scrubs) this.context.addOrganization(out[4]);
          this.decideBlank(segment, out, 4, 'X12.SBR', 'SBR04');
        }
        return out;
      case 'PAT':
        this.date(segment, out, 6, el(segment, 5), 'deceasedDateTime');
        return out;
      case 'CLM':
        this.claimPos = firstComponent(el(segment, 5), this.delimiters.component).trim();
        this.linePos = '';
        this.geo = false;
        this.identifier(segment, out, 1, 'CLM01', true);
        return out;
      case 'LX':
        this.linePos = '';
        this.geo = false;
        return out;
      case 'DTP':
        this.date(segment, out, 3, el(segment, 2), 'date');
        return out;
      case 'HI':
        this.compositeDates(segment, out);
        return out;
      case 'PWK':
        if (el(segment, 6) !== '' && !this.identifier(segment, out, 6, 'PWK06', false)) out[5] = '';
        return out;
      case 'NTE':
        return this.text(segment, out, 2, true);
      case 'K3':
        return this.text(segment, out, 1, true);
      case 'CR1':
        this.text(segment, out, 9, false);
        this.text(segment, out, 10, false);
        return out;
      case 'CR2':
        this.text(segment, out, 10, false);
        this.text(segment, out, 11, false);
        return out;
      case 'SV1':
        this.linePos = el(segment, 5);
        this.componentText(segment, out, 1, 7);
        return out;
      case 'SV2':
        this.componentText(segment, out, 2, 7);
        return out;
      case 'FRM': {
        this.date(segment, out, 4, 'D8', 'date');
        this.text(segment, out, 3, false);
        // FRM needs one answer: a text answer that had to go leaves a placeholder.
        if ([2, 3, 4, 5].every((n) => (out[n] ?? '') === '')) out[3] = X12_PLACEHOLDER;
        return out;
      }
      default:
        if (person) {
          // Default deny: a segment of a person's loop that no rule knows goes.
          this.count('backstop-drop', segment, '');
          return undefined;
        }
        return out;
    }
  }

  // --- names and places ------------------------------------------------------------------------

  private name(segment: PlacedSegment, out: string[], person: boolean): string[] {
    const entity = el(segment, 1);
    const loop = segment.loop;
    this.geo = false;
    if (person) {
      this.geo = true;
      const last = el(segment, 3);
      const first = el(segment, 4);
      if (last !== '') this.lastNames.add(last.trim().toUpperCase());
      if (first !== '') this.firstNames.add(first.trim().toUpperCase());
      this.redactName(segment, out);
      const qualifier = el(segment, 8);
      if (el(segment, 9) !== '') this.identifier(segment, out, 9, qualifier, true);
      return out;
    }
    const location = /^(2310|2420|2330[C-G])/.test(loop);
    if (!location) return out;
    const home = entity === '77' && this.isHome(loop);
    this.geo = entity === 'PW' || entity === '45' || home;
    if (home || this.namesPatient(segment)) this.redactName(segment, out);
    return out;
  }

  private isHome(loop: string): boolean {
    const pos = loop.startsWith('2420') && this.linePos !== '' ? this.linePos : this.claimPos;
    return (this.kind === '837I' ? HOME_837I : HOME_837P).has(pos);
  }

  /**
   * A provider or location NM1 that holds a name of the patient, the subscriber or another insured
   * (a "ZQXSTONE RESIDENCE" facility, the patient written as a provider): any word of NM103 or NM104.
   */
  private namesPatient(segment: PlacedSegment): boolean {
    return this.spellsName(el(segment, 3)) || this.spellsName(el(segment, 4));
  }

  /** Whether a text holds, as a word, a name of a person of this subscriber's hierarchy. */
  private spellsName(text: string): boolean {
    for (const word of text.toUpperCase().split(/[^A-Z0-9'-]+/)) {
      if (word.length >= 2 && (this.lastNames.has(word) || this.firstNames.has(word))) return true;
    }
    return false;
  }

  private redactName(segment: PlacedSegment, out: string[]): void {
    const family = el(segment, 3);
    const given = [el(segment, 4), el(segment, 5)].filter((v) => v !== '');
    if (family === '' && given.length === 0) return;
    const human: Json = { family, given, ...(el(segment, 7) === '' ? {} : { suffix: [el(segment, 7)] }) };
    wholePolicyFor('HumanName')?.(
      { value: human, place: this.place(segment, '03'), modes: this.modes },
      this.services,
    );
    // NM103 is required wherever NM1 is: a placeholder; the other parts of the name go.
    if (family !== '') out[3] = X12_PLACEHOLDER;
    for (const n of [4, 5, 6, 7]) if ((out[n] ?? '') !== '') out[n] = '';
  }

  private street(segment: PlacedSegment, out: string[]): void {
    const lines = [el(segment, 1), el(segment, 2)].filter((v) => v !== '');
    wholePolicyFor('Address')?.(
      { value: { line: lines }, place: this.place(segment, '01'), modes: this.modes },
      this.services,
    );
    for (const n of [1, 2]) {
      const value = el(segment, n);
      if (value === '') continue;
      const outcome = this.decideValue(segment, n, 'Address', 'line', 'line', 'string', value, {});
      // N301 is required: a placeholder where the line goes (it always goes: a street locates a person).
      out[n] =
        outcome === DROP ? (n === 1 ? X12_PLACEHOLDER : '') : this.safe(String(outcome.value), `N3${nn(n)}`);
    }
  }

  private cityZip(segment: PlacedSegment, out: string[]): void {
    const city = el(segment, 1);
    const zip = el(segment, 3);
    wholePolicyFor('Address')?.(
      { value: { city, postalCode: zip }, place: this.place(segment, '01'), modes: this.modes },
      this.services,
    );
    if (city !== '') {
      const outcome = this.decideValue(segment, 1, 'Address', 'city', 'city', 'string', city, {});
      // A kept city (a limited data set) that spells the person's name goes too, as a display would.
      const kept = outcome === DROP || this.spellsName(city) ? undefined : String(outcome.value);
      if (kept === undefined && outcome !== DROP) this.count('phi-check-drop', segment, '01');
      out[1] = kept === undefined ? X12_PLACEHOLDER : this.safe(kept, 'N401');
    }
    if (zip !== '') {
      const outcome = this.decideValue(segment, 3, 'X12.N4', 'N403', 'postalCode', 'string', zip, {});
      out[3] = outcome === DROP ? '000' : this.safe(String(outcome.value), 'N403');
    }
  }

  // --- identifiers -------------------------------------------------------------------------------

  private reference(segment: PlacedSegment, out: string[], person: boolean): string[] | undefined {
    const qualifier = el(segment, 1);
    const loop = segment.loop;
    let pseudonymize: boolean;
    if (person) {
      if (qualifier === 'SY' || qualifier === '34') {
        if (this.scrubs) this.context.addIdentifier(el(segment, 2));
        this.count('backstop-drop', segment, '');
        return undefined;
      }
      pseudonymize = true;
    } else if (PAYER_LOOPS.has(loop)) pseudonymize = PAYER_CLAIM_REFS.has(qualifier);
    else if (CLAIM_LOOPS.has(loop)) pseudonymize = !CLAIM_CODE_REFS.has(qualifier);
    // A provider's own SSN (a sole proprietor's REF*SY) is a secret too.
    else pseudonymize = qualifier === 'SY';
    if (!pseudonymize || el(segment, 2) === '') return out;
    const required = loop === '2010AA';
    if (!this.identifier(segment, out, 2, qualifier, required)) {
      // An optional REF whose only value had to go is removed (SE01 is recomputed).
      this.count('backstop-drop', segment, '');
      return undefined;
    }
    return out;
  }

  /**
   * A patient-specific identifier: the keyed pseudonym FHIR gives an Identifier of the same system and
   * value, where the contract pseudonymizes identifiers; where it drops them, a required element gets
   * a surrogate keyed on its place in the file (not on its value) and an optional one is emptied.
   * Returns whether the element still holds a value.
   */
  private identifier(
    segment: PlacedSegment,
    out: string[],
    n: number,
    qualifier: string,
    required: boolean,
  ): boolean {
    const value = el(segment, n);
    if (value === '') return false;
    const system = x12IdentifierSystem(qualifier);
    const place = this.place(segment, nn(n));
    wholePolicyFor('Identifier')?.({ value: { system, value }, place, modes: this.modes }, this.services);
    const outcome = this.decideValue(segment, n, 'Identifier', 'value', 'value', 'string', value, {
      system,
      value,
    });
    const key = `${segment.id}${nn(n)}`;
    if (outcome !== DROP) {
      out[n] = this.safe(String(outcome.value), key);
      return true;
    }
    if (!required) {
      out[n] = '';
      return false;
    }
    const surrogate = this.options.pseudonyms.token(`x12-place|${segment.ordinal}|${n}`);
    out[n] = this.safe(surrogate, key);
    return true;
  }

  // --- dates -------------------------------------------------------------------------------------

  private date(segment: PlacedSegment, out: string[], n: number, format: string, name: string): void {
    const value = el(segment, n);
    if (value === '' || !isDateFormat(format)) return;
    out[n] = this.dateValue(segment, nn(n), value, format, name);
  }

  private dateValue(
    segment: PlacedSegment,
    element: string,
    value: string,
    format: 'D8' | 'RD8' | 'DT',
    name: string,
  ): string {
    if (format === 'RD8') {
      const [from = '', to = ''] = value.split('-');
      return `${this.dateValue(segment, element, from, 'D8', name)}-${this.dateValue(segment, element, to, 'D8', name)}`;
    }
    const fhir = toFhirDate(value.trim(), format);
    const place = this.place(segment, element);
    if (fhir === undefined) {
      this.services.count('invalid-drop', place);
      return withheldDate(this.options.referenceDate, format);
    }
    const outcome = decide(
      {
        value: fhir.value,
        type: `X12.${segment.id}`,
        element: `${segment.id}${element}`,
        elementName: name,
        valueType: fhir.type,
        place,
        patient: this.subject,
        siblings: {},
        neighbourDisplays: undefined,
        modes: this.modes,
      },
      this.services,
    );
    if (outcome === DROP) return withheldDate(this.options.referenceDate, format);
    return fromFhirDate(String(outcome.value), format) ?? withheldDate(this.options.referenceDate, format);
  }

  /** HI composites whose third component names a date format (837I BH, BI, BBR, BBQ…) carry a date in the fourth. */
  private compositeDates(segment: PlacedSegment, out: string[]): void {
    for (let n = 1; n < out.length; n++) {
      const c = compositeSeparator(out[n] ?? '', this.delimiters.component);
      const parts = (out[n] ?? '').split(c);
      const format = parts[2] ?? '';
      const value = parts[3] ?? '';
      if (!isDateFormat(format) || value === '') continue;
      parts[3] = this.dateValue(segment, `${nn(n)}-4`, value, format, 'date');
      out[n] = parts.join(c);
    }
  }

  // --- free text ---------------------------------------------------------------------------------

  /** Free text: scrubbed where the contract scrubs, else dropped (the segment, when it is its point). */
  private text(
    segment: PlacedSegment,
    out: string[],
    n: number,
    wholeSegment: boolean,
  ): string[] | undefined {
    const value = el(segment, n);
    if (value === '') return out;
    const kept = this.freeText(segment, nn(n), value, `${segment.id}${nn(n)}`);
    if (kept !== undefined) {
      out[n] = kept;
      return out;
    }
    if (wholeSegment) return undefined;
    out[n] = '';
    return out;
  }

  private componentText(segment: PlacedSegment, out: string[], n: number, component: number): void {
    const c = this.delimiters.component;
    // Most composites (SV101 `HC:99213`) stop before the text component: nothing to split then.
    if (!hasComponent(out[n] ?? '', c, component)) return;
    const parts = (out[n] ?? '').split(c);
    const value = parts[component - 1] ?? '';
    if (value === '') return;
    const key = `${segment.id}${nn(n)}-${component}`;
    parts[component - 1] = this.freeText(segment, `${nn(n)}-${component}`, value, key) ?? '';
    while (parts.length > 1 && parts.at(-1) === '') parts.pop();
    out[n] = parts.join(c);
  }

  private freeText(segment: PlacedSegment, element: string, value: string, key: string): string | undefined {
    const outcome = this.decideValue(segment, element, `X12.${segment.id}`, key, 'text', 'string', value, {});
    if (outcome === DROP) return undefined;
    if (outcome.defer === 'scrub') {
      const scrubbed = scrubFreeText(value, this.context).text;
      if (scrubbed !== value) this.count('scrub', segment, element);
      return this.safe(scrubbed, key);
    }
    return this.safe(String(outcome.value), key);
  }

  // --- the registry ------------------------------------------------------------------------------

  private decideValue(
    segment: PlacedSegment,
    n: number | string,
    type: string,
    element: string,
    elementName: string,
    valueType: string,
    value: string,
    siblings: Json,
  ): Outcome {
    return decide(
      {
        value,
        type,
        element,
        elementName,
        valueType,
        place: this.place(segment, typeof n === 'number' ? nn(n) : n),
        patient: this.subject,
        siblings,
        neighbourDisplays: undefined,
        modes: this.modes,
      },
      this.services,
    );
  }

  /** An element the registry always withholds here (SBR04): emptied. */
  private decideBlank(segment: PlacedSegment, out: string[], n: number, type: string, element: string): void {
    const outcome = this.decideValue(segment, n, type, element, element, 'string', el(segment, n), {});
    out[n] = outcome === DROP ? '' : this.safe(String(outcome.value), element);
  }

  private safe(value: string, key: string): string {
    return safeValue(value, this.delimiters, maxLength(key));
  }
}

/** The first component of a composite (all of it when it has one). */
function firstComponent(value: string, separator: string): string {
  const end = value.indexOf(separator);
  return end === -1 ? value : value.slice(0, end);
}

/** Whether a composite has a non-empty component `component` (1-based). */
function hasComponent(value: string, separator: string, component: number): boolean {
  let from = 0;
  for (let c = 1; c < component; c++) {
    const at = value.indexOf(separator, from);
    if (at === -1) return false;
    from = at + 1;
  }
  return from < value.length && value.startsWith(separator, from) === false;
}

/** ISA01–04 (authorization and security information) blanked at their fixed widths. */
function isaWithoutSecurity(segment: PlacedSegment): string[] {
  const out = segment.elements.slice();
  out[1] = '00';
  out[2] = ' '.repeat(10);
  out[3] = '00';
  out[4] = ' '.repeat(10);
  return out;
}

/** Trailing empty elements are not written (X12 syntax: no trailing separators). */
function trimTrailing(elements: string[]): string[] {
  let end = elements.length;
  while (end > 1 && elements[end - 1] === '') end--;
  return end === elements.length ? elements : elements.slice(0, end);
}
