import type { Money, Period } from '@medplum/fhirtypes';

/**
 * X12 values as FHIR primitives. A value that does not convert cleanly is dropped (undefined), never
 * passed through: the mapped Bundle must validate whatever the claim holds, and the reader reports
 * the defect with its position.
 */

const CCYYMMDD = /^(\d{4})(\d{2})(\d{2})$/;

/** `20061003` → `2006-10-03`; undefined when it is no calendar date. */
export function x12Date(value: string | undefined): string | undefined {
  const match = value === undefined ? null : CCYYMMDD.exec(value);
  if (match === null) return undefined;
  const [, y, m, d] = match as unknown as [string, string, string, string];
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (year < 1800 || month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day > daysInMonth ? undefined : `${y}-${m}-${d}`;
}

/**
 * A DTP/HI date by its format qualifier: `D8` one day, `RD8` a range, `DT` (CCYYMMDDHHMM) the day only,
 * since FHIR requires a time zone with a time of day and X12 carries none.
 */
export function x12Period(format: string | undefined, value: string | undefined): Period | undefined {
  if (value === undefined) return undefined;
  if (format === 'RD8') {
    const [from, to] = value.split('-');
    const start = x12Date(from);
    const end = x12Date(to);
    if (start === undefined || end === undefined || end < start) return undefined;
    return { start, end };
  }
  const day = format === 'D8' ? x12Date(value) : format === 'DT' ? x12Date(value.slice(0, 8)) : undefined;
  return day === undefined ? undefined : { start: day, end: day };
}

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** X12 `R` (real) as a number; undefined when it is not a plain decimal. */
export function x12Decimal(value: string | undefined): number | undefined {
  if (value === undefined || !DECIMAL.test(value)) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** Money in US dollars: the 837 has no currency element and is a US transaction. */
export function usd(value: string | undefined): Money | undefined {
  const amount = x12Decimal(value);
  return amount === undefined ? undefined : { value: amount, currency: 'USD' };
}

/** The earliest start and latest end of some periods. */
export function spanOf(periods: readonly (Period | undefined)[]): Period | undefined {
  let start: string | undefined;
  let end: string | undefined;
  for (const period of periods) {
    if (period?.start !== undefined && (start === undefined || period.start < start)) start = period.start;
    if (period?.end !== undefined && (end === undefined || period.end > end)) end = period.end;
  }
  return start === undefined || end === undefined ? undefined : { start, end };
}

/** Whether a FHIR `string` value is worth writing: FHIR forbids empty strings. */
export const present = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';
