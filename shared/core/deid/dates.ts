/**
 * FHIR date, dateTime and instant handling: year-only generalization (Safe Harbor), keyed shifts
 * (limited data set) and the age-over-89 tests. Pure string arithmetic on the written value: the
 * time zone written is kept, no clock is read, so the same input gives the same output everywhere.
 */
export type DateType = 'date' | 'dateTime' | 'instant';

const FHIR_DATE =
  /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])(?:T(([01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?)(Z|[+-](?:0\d|1[0-3]):[0-5]\d|[+-]14:00))?)?)?$/;

export interface ParsedDate {
  readonly year: number;
  readonly month: number | undefined;
  readonly day: number | undefined;
  /** `hh:mm:ss(.sss)` when a time is written. */
  readonly time: string | undefined;
  readonly zone: string | undefined;
}

export function parseFhirDate(value: string): ParsedDate | undefined {
  const m = FHIR_DATE.exec(value);
  if (m === null) return undefined;
  const year = Number(m[1]);
  if (year < 1) return undefined;
  return {
    year,
    month: m[2] === undefined ? undefined : Number(m[2]),
    day: m[3] === undefined ? undefined : Number(m[3]),
    time: m[4],
    zone: m[6],
  };
}

/** The year as written, when the value starts like a FHIR date; otherwise undefined. */
export function writtenYear(value: string): number | undefined {
  // Called for every date of every resource: character codes, not a regex match object.
  if (value.length < 4) return undefined;
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    year = year * 10 + c;
  }
  const next = value.charCodeAt(4);
  if (value.length > 4 && next !== 45 /* - */ && next !== 84 /* T */) return undefined;
  return year >= 1 ? year : undefined;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * Year only. A `date` or `dateTime` may be just `YYYY`; an `instant` must be complete, so it becomes
 * `YYYY-01-01T00:00:00Z`, which discloses the year and nothing else.
 */
export function toYear(year: number, type: DateType): string {
  const y = pad(year, 4);
  return type === 'instant' ? `${y}-01-01T00:00:00Z` : y;
}

export type TimeOfDay = 'keep' | 'drop';

/**
 * Shifts by whole days on the calendar date as written, keeping the written time and zone (or, with
 * `drop`, the date only; an instant keeps a midnight time since it must have one). Partial dates
 * shift a representative day (the 15th of the month, or 2 July) and keep their precision.
 */
export function shiftDate(
  value: string,
  type: DateType,
  days: number,
  timeOfDay: TimeOfDay,
): string | undefined {
  const p = parseFhirDate(value);
  if (p === undefined) return undefined;
  const month = p.month ?? 7;
  const day = p.day ?? (p.month === undefined ? 2 : 15);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const start = new Date(0);
  start.setUTCFullYear(p.year, month - 1, day);
  const shifted = new Date(start.getTime() + days * 86_400_000);
  const year = shifted.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  const y = pad(year, 4);
  if (p.month === undefined) return y;
  const m = pad(shifted.getUTCMonth() + 1, 2);
  if (p.day === undefined) return `${y}-${m}`;
  const date = `${y}-${m}-${pad(shifted.getUTCDate(), 2)}`;
  if (p.time === undefined) return date;
  if (timeOfDay === 'keep') return `${date}T${p.time}${p.zone ?? ''}`;
  return type === 'instant' ? `${date}T00:00:00${p.zone ?? 'Z'}` : date;
}

/**
 * Whether a birth date written as `value` may belong to someone aged 90 or more on `referenceDate`
 * (YYYY-MM-DD). Partial dates take the earliest possible day, so a birth year that could mean 90 does.
 */
export function mayBeAged90(value: string, referenceDate: string): boolean {
  const year = writtenYear(value);
  if (year === undefined) return true;
  const p = parseFhirDate(value);
  const month = pad(p?.month ?? 1, 2);
  const day = pad(p?.day ?? 1, 2);
  return `${pad(year + 90, 4)}-${month}-${day}` <= referenceDate;
}

/**
 * Whether disclosing `year` for an event in a person's life implies the person is now 90 or older:
 * the event could have happened on 31 December at the latest, and they were alive then.
 */
export function yearImpliesAge90(year: number, referenceDate: string): boolean {
  return `${pad(year + 90, 4)}-12-31` <= referenceDate;
}

export const REFERENCE_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
