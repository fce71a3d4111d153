import { DAY_MS } from '../phi-planter/dates.js';
import { Rng } from '../phi-planter/random.js';
import type { KeptCode, PlantedValue, UnplantedValue, X12PlantedKind } from './types.js';

/** Ages are computed against this date; every clinical date falls before it. */
export const X12_REFERENCE_DATE = '2025-01-01';

/** A piece of free text: plain words, or a value planted inside the text. */
export type TextPart = string | readonly [X12PlantedKind, string];

type Extra = Pick<PlantedValue, 'restrictedZip3' | 'over89'>;

/**
 * One interchange's generator state: the seeded stream, unique canaries and the records of what was
 * planted, kept and deliberately left unplanted. Builders draw from it in file order, so the order of
 * calls is part of the output. With `track` off (the bench's 100 MB file) nothing is recorded.
 */
export class X12Planter {
  readonly rng: Rng;
  readonly planted: PlantedValue[] = [];
  readonly kept: KeptCode[] = [];
  readonly unplanted: UnplantedValue[] = [];
  private used = new Set<string>();
  private usedDates = new Set<string>();

  constructor(
    seed: number,
    readonly track = true,
  ) {
    this.rng = new Rng(seed);
  }

  /** Forgets which canaries were handed out, so a long run's memory stays flat. */
  forget(): void {
    this.used = new Set();
    this.usedDates = new Set();
  }

  plant(kind: X12PlantedKind, place: string, value: string, extra: Extra = {}): string {
    if (this.track) {
      const searchable = value.length >= 5;
      this.planted.push({ value, kind, place, searchable, ...extra });
    }
    return value;
  }

  keep(system: KeptCode['system'], place: string, value: string): string {
    if (this.track) this.kept.push({ value, place, system });
    return value;
  }

  unplant(place: string, value: string, why: string): string {
    if (this.track) this.unplanted.push({ value, place, why });
    return value;
  }

  /** Joins `parts` with spaces; records every planted part (in text) and the whole text as free text. */
  text(place: string, parts: readonly TextPart[]): string {
    const words = parts.map((part) => {
      if (typeof part === 'string') return part;
      const [kind, value] = part;
      if (this.track) this.planted.push({ value, kind, place, searchable: value.length >= 5, inText: true });
      return value;
    });
    return this.plant('free-text', place, words.join(' '));
  }

  chance(probability: number): boolean {
    return this.rng.next() < probability;
  }

  int(min: number, max: number): number {
    return this.rng.int(min, max);
  }

  pick<T>(items: readonly T[]): T {
    return this.rng.pick(items);
  }

  /** An upper-case canary word such as `ZQXBALOMI`, unique in the interchange. */
  word(): string {
    return this.unique(() => {
      let word = 'ZQX';
      for (let i = 0; i < 3; i++) word += this.pick(CONSONANTS) + this.pick(VOWELS);
      return word;
    });
  }

  digits(length: number, first = '123456789'): string {
    return this.unique(() => {
      let digits = this.pick([...first]);
      while (digits.length < length) digits += String(this.int(0, 9));
      return digits;
    });
  }

  letters(length: number): string {
    return this.unique(() => {
      let text = '';
      while (text.length < length) text += this.pick(LETTERS);
      return text;
    });
  }

  /**
   * A value not handed out before; after a few collisions (a small space nearly used up) a repeat is
   * accepted rather than looping, so huge files never stall.
   */
  private unique(make: () => string): string {
    let value = make();
    for (let tries = 0; this.used.has(value) && tries < 20; tries++) value = make();
    this.used.add(value);
    return value;
  }

  /** A `CCYYMMDD` date in the given years, never one handed out before, never on 01-01 or 07-01. */
  date(fromYear: number, toYear: number): string {
    for (let tries = 0; ; tries++) {
      const day = Date.UTC(this.int(fromYear, toYear), this.int(0, 11), this.int(1, 28));
      const d8 = toD8(day);
      // Past a few collisions (a long run's dates used up) a repeat is fine, never 01-01 or 07-01.
      if (!/(0101|0701)$/.test(d8) && (!this.usedDates.has(d8) || tries > 20)) {
        this.usedDates.add(d8);
        return d8;
      }
    }
  }

  /** `d8` moved by `days`, nudged off 01-01 and 07-01 (where generalised dates land). */
  addDays(d8: string, days: number): string {
    let moved = toD8(fromD8(d8) + days * DAY_MS);
    if (/(0101|0701)$/.test(moved)) moved = toD8(fromD8(moved) + (days < 0 ? -DAY_MS : DAY_MS));
    return moved;
  }
}

const CONSONANTS = [...'BDFGKLMNPRSTVZ'];
const VOWELS = [...'AEIOU'];
const LETTERS = [...'ABCDEFGHJKLMNPRSTUVWXYZ'];

const fromD8 = (d8: string): number =>
  Date.UTC(Number(d8.slice(0, 4)), Number(d8.slice(4, 6)) - 1, Number(d8.slice(6, 8)));

const toD8 = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
