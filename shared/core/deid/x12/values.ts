import type { Delimiters } from '../../x12/read-model.js';

/**
 * X12 values to and from the forms the policy registry decides on (FHIR dates), and the rules every
 * replacement obeys: printable ASCII, never a delimiter of the interchange, within the element's
 * maximum length.
 */

/** X12 date formats (DTP02, DMG01, PAT05, an HI composite's third component) the de-identifier rewrites. */
export type X12DateFormat = 'D8' | 'RD8' | 'DT';

export const isDateFormat = (format: string): format is X12DateFormat =>
  format === 'D8' || format === 'RD8' || format === 'DT';

const D8 = /^(\d{4})(\d{2})(\d{2})$/;
const DT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** One date (D8) or date-time (DT) as a FHIR `date` or `dateTime`; undefined when it is not one. */
export function toFhirDate(
  value: string,
  format: 'D8' | 'DT',
): { readonly value: string; readonly type: 'date' | 'dateTime' } | undefined {
  if (format === 'D8') {
    const m = D8.exec(value);
    return m === null ? undefined : { value: `${m[1]}-${m[2]}-${m[3]}`, type: 'date' };
  }
  const m = DT.exec(value);
  // A FHIR dateTime with a time needs a zone; X12 has none, so Z is written and taken off again.
  return m === null ? undefined : { value: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`, type: 'dateTime' };
}

/**
 * A decided FHIR value back in the X12 format. A year alone (Safe Harbor) is written as 1 January of
 * that year, `YYYY0101` (`YYYY01010000` for a date-time): X12 has no partial dates, and this is the
 * documented convention for "year only". A date-time whose time was dropped gets `0000`.
 */
export function fromFhirDate(value: string, format: 'D8' | 'DT'): string | undefined {
  const m = /^(\d{4})(?:-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?)?/.exec(value);
  if (m === null) return undefined;
  const date = m[2] === undefined ? `${m[1]}0101` : `${m[1]}${m[2]}${m[3]}`;
  if (format === 'D8') return date;
  return `${date}${m[4] ?? '00'}${m[5] ?? '00'}`;
}

/** The date written for a value that had to go (an age over 89, an unreadable date): the 90+ floor. */
export function withheldDate(referenceDate: string, format: 'D8' | 'DT'): string {
  const year = String(Number(referenceDate.slice(0, 4)) - 90).padStart(4, '0');
  return format === 'D8' ? `${year}0101` : `${year}01010000`;
}

/** Characters an output value may hold: printable ASCII other than the interchange's delimiters. */
export function safeValue(value: string, delimiters: Delimiters, max: number): string {
  // Most values (pseudonyms, placeholders, dates) hold nothing to replace: kept as they are, cut to fit.
  if (max >= 1 && isPlain(value, delimiters))
    return (value.length > max ? value.slice(0, max) : value).trimEnd();
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    const printable = code >= 0x20 && code <= 0x7e;
    const delimiter =
      c === delimiters.element ||
      c === delimiters.component ||
      c === delimiters.segment ||
      c === delimiters.repetition;
    out += printable && !delimiter ? c : ' ';
    if (out.length >= max) break;
  }
  return out.trimEnd();
}

/** Only printable ASCII, none of it a delimiter (so no surrogate pair either). */
function isPlain(value: string, delimiters: Delimiters): boolean {
  const element = delimiters.element.charCodeAt(0);
  const component = delimiters.component.charCodeAt(0);
  const segment = delimiters.segment.charCodeAt(0);
  const repetition = delimiters.repetition === undefined ? -1 : delimiters.repetition.charCodeAt(0);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
    if (code === element || code === component || code === segment || code === repetition) return false;
  }
  return true;
}

/**
 * Maximum lengths (5010 TR3s) of the elements the de-identifier writes into; a value written there is
 * cut to fit. Keys are `SEGnn` or `SEGnn-c` for a component.
 */
export const MAX_LENGTH: Readonly<Record<string, number>> = {
  CLM01: 38,
  NM103: 60,
  NM104: 35,
  NM109: 80,
  N301: 55,
  N302: 55,
  N401: 30,
  N403: 15,
  REF02: 50,
  SBR03: 50,
  PWK06: 80,
  NTE02: 80,
  K301: 80,
  CR109: 80,
  CR110: 80,
  CR210: 80,
  CR211: 80,
  'SV101-7': 80,
  'SV202-7': 80,
  FRM03: 50,
};

export const maxLength = (key: string): number => MAX_LENGTH[key] ?? 80;

/**
 * The component separator an HI element is written with: the declared one, or, in a file that
 * declares one and writes another (some published samples do), the character after the qualifier,
 * so a date in a mis-separated composite is still found.
 */
export function compositeSeparator(value: string, declared: string): string {
  if (value.includes(declared)) return declared;
  const other = /^[A-Z0-9]{1,3}([^A-Za-z0-9 ])/.exec(value)?.[1];
  return other ?? declared;
}
