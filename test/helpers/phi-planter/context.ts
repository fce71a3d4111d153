import { Buffer } from 'node:buffer';
import { avoidGeneralisedDays, DAY_MS, isoDate } from './dates.js';
import { Canaries, Rng } from './random.js';
import type { JsonObject, MatchMode, Planted, PlantedKind } from './types.js';

export const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64');

export const coding = (system: string, code: string, display: string): JsonObject => ({
  system,
  code,
  display,
});

/**
 * One Bundle's generator state: the seeded random stream, the canary source, the record of every
 * planted value and kept code, and the pool of clinical dates. Every resource builder draws from it in
 * turn, so the order in which they are called is part of the output.
 */
export interface Planter {
  readonly rng: Rng;
  readonly c: Canaries;
  readonly planted: Planted[];
  readonly keepCodes: string[];
  /** Records `value` as planted at `place` and returns it. */
  p(kind: PlantedKind, place: string, value: string, match?: MatchMode): string;
  /** Plants a value that sits inside a larger string (free text, narrative, attachment bytes). */
  inText(place: string, items: ReadonlyArray<readonly [PlantedKind, string, MatchMode?]>): void;
  /** A coding a de-identified copy is expected to keep. */
  keep(system: string, code: string, display: string): JsonObject;
  /** The i-th clinical date of the pool. */
  poolAt(i: number): string;
  /** A dateTime on `iso` at `hour`, with random minutes. */
  dateTime(iso: string, hour: number): string;
  /** A birth date in a year from `from` to `to`. */
  birthIn(from: number, to: number): string;
  /** A fresh `urn:uuid:` fullUrl. */
  urn(): string;
  /** The id part of a `urn:uuid:` fullUrl. */
  idOf(fullUrl: string): string;
}

export function newPlanter(seed: number): Planter {
  const rng = new Rng(seed);
  const c = new Canaries(rng);
  const planted: Planted[] = [];
  const keepCodes: string[] = [];

  const p = (kind: PlantedKind, place: string, value: string, match?: MatchMode): string => {
    planted.push(match === undefined ? { value, kind, place } : { value, kind, place, match });
    return value;
  };
  const inText = (place: string, items: ReadonlyArray<readonly [PlantedKind, string, MatchMode?]>): void => {
    for (const [kind, value, match] of items) p(kind, place, value, match);
  };
  const keep = (system: string, code: string, display: string): JsonObject => {
    keepCodes.push(`${system}|${code}`);
    return coding(system, code, display);
  };

  // Dates: clinical dates at least 400 days apart, so no plausible date shift maps one onto another.
  const pool: string[] = [];
  let day = Date.UTC(1996, 1, 1) + rng.int(0, 60) * DAY_MS;
  for (let i = 0; i < 18; i++) {
    pool.push(isoDate(avoidGeneralisedDays(new Date(day))));
    day += (400 + rng.int(0, 60)) * DAY_MS;
  }
  const poolAt = (i: number): string => pool[i] ?? '2000-01-01';
  const dateTime = (iso: string, hour: number): string =>
    `${iso}T${String(hour).padStart(2, '0')}:${String(rng.int(10, 59))}:00-05:00`;
  const birthIn = (from: number, to: number): string =>
    isoDate(avoidGeneralisedDays(new Date(Date.UTC(rng.int(from, to), rng.int(0, 11), rng.int(1, 28)))));
  const urn = () => `urn:uuid:${c.uuid()}`;
  const idOf = (fullUrl: string): string => fullUrl.slice('urn:uuid:'.length);

  return { rng, c, planted, keepCodes, p, inText, keep, poolAt, dateTime, birthIn, urn, idOf };
}
