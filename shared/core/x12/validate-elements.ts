import type { X12DataType } from './guide/model.js';
import type { CompiledSegment } from './reader-guide.js';
import type { IssueCollector, SegmentRef } from './reader-issues.js';

/**
 * SNIP 1–2 element checks of one placed segment against its guide definition: usage, count, data
 * type, length, code lists, components, and DTP03 against its DTP02 format. Each defect is an IK4
 * issue with the 999 IK403 code; messages name the rule and the guide's element name, never a value.
 */

/** IK403 codes (X12 element 621). */
export const IK403 = {
  required: '1',
  conditional: '2',
  tooMany: '3',
  tooShort: '4',
  tooLong: '5',
  invalidCharacter: '6',
  invalidCode: '7',
  invalidDate: '8',
  invalidTime: '9',
  notUsed: '10',
  tooManyRepetitions: '12',
  tooManyComponents: '13',
} as const;

/** Checks a segment's elements; returns how many defects it found. */
export function validateElements(
  segment: CompiledSegment,
  elements: readonly string[],
  componentSeparator: string,
  repetitionSeparator: string | undefined,
  ref: SegmentRef,
  issues: IssueCollector,
): number {
  let found = 0;
  const defs = segment.elements;
  const id = segment.id;
  for (let i = 1; i <= defs.length; i++) {
    const compiled = defs[i - 1];
    if (compiled === undefined) continue;
    const def = compiled.def;
    const value = elements[i] ?? '';
    if (value.length === 0) {
      if (def.usage === 'R') found += flag(issues, ref, id, IK403.required, i, undefined, def.name);
      continue;
    }
    if (def.usage === 'N') {
      found += flag(issues, ref, id, IK403.notUsed, i, undefined, def.name);
      continue;
    }
    if (repetitionSeparator !== undefined && (def.repeat ?? 1) <= 1 && value.includes(repetitionSeparator)) {
      found += flag(issues, ref, id, IK403.tooManyRepetitions, i, undefined, def.name);
      continue;
    }
    const components = compiled.components;
    if (components === undefined) {
      const code = checkValue(def.type, def.min, def.max, compiled.codes, value);
      if (code !== undefined) found += flag(issues, ref, id, code, i, undefined, def.name);
      continue;
    }
    // The components are walked by offsets: no array and no substring for an empty or unused one.
    const first = value.indexOf(componentSeparator);
    if (first !== -1 && countParts(value, componentSeparator, first) > components.length) {
      found += flag(issues, ref, id, IK403.tooManyComponents, i, undefined, def.name);
    }
    let from = 0;
    let to = first === -1 ? value.length : first;
    for (let c = 1; c <= components.length; c++) {
      const component = components[c - 1];
      if (component !== undefined) {
        const cdef = component.def;
        if (from < 0 || to === from) {
          if (cdef.usage === 'R') found += flag(issues, ref, id, IK403.required, i, c, cdef.name);
        } else if (cdef.usage === 'N') {
          found += flag(issues, ref, id, IK403.notUsed, i, c, cdef.name);
        } else {
          const part = from === 0 && to === value.length ? value : value.slice(from, to);
          const code = checkValue(cdef.type, cdef.min, cdef.max, component.codes, part);
          if (code !== undefined) found += flag(issues, ref, id, code, i, c, cdef.name);
        }
      }
      // On to the next component; `from` -1 once the value has no more.
      if (from < 0) continue;
      if (to === value.length) from = -1;
      else {
        from = to + 1;
        const next = value.indexOf(componentSeparator, from);
        to = next === -1 ? value.length : next;
      }
    }
  }
  if (elements.length - 1 > defs.length) {
    // Empty trailing elements are tolerated layout; data beyond the definition is not.
    for (let i = defs.length + 1; i < elements.length; i++) {
      if ((elements[i] as string).length > 0) {
        found += flag(issues, ref, id, IK403.tooMany, i, undefined, 'beyond the definition');
        break;
      }
    }
  }
  if (id === 'DTP') found += checkDateByFormat(elements, 2, 3, ref, issues);
  else if (id === 'DMG') found += checkDateByFormat(elements, 1, 2, ref, issues);
  return found;
}

/** How many parts a value has that holds the separator at `first`. */
function countParts(value: string, separator: string, first: number): number {
  let parts = 2;
  for (let at = value.indexOf(separator, first + 1); at !== -1; at = value.indexOf(separator, at + 1))
    parts++;
  return parts;
}

/**
 * Records one element defect; returns 1. Messages are only written for issues that are kept: a
 * hostile file's millionth defect costs a count.
 */
function flag(
  issues: IssueCollector,
  ref: SegmentRef,
  id: string,
  code: string,
  element: number,
  component: number | undefined,
  label: string,
): number {
  if (issues.full) issues.more++;
  else
    issues.segment(
      levelOf(code),
      code,
      ref,
      describe(code, nameOf(id, element, component), label),
      element,
      component,
    );
  return 1;
}

const nameOf = (id: string, element: number, component: number | undefined) =>
  `${id}${pad(element)}${component === undefined ? '' : `-${component}`}`;

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * Syntax (character set, data type, element and component counts, repetition) is SNIP 1; usage,
 * lengths and code lists are the guide's, SNIP 2.
 */
const levelOf = (code: string): 1 | 2 =>
  code === IK403.invalidCharacter ||
  code === IK403.invalidDate ||
  code === IK403.invalidTime ||
  code === IK403.tooMany ||
  code === IK403.tooManyRepetitions ||
  code === IK403.tooManyComponents
    ? 1
    : 2;

function describe(code: string, name: string, label: string): string {
  switch (code) {
    case IK403.required:
      return `Required element ${name} (${label}) is missing.`;
    case IK403.notUsed:
      return `Element ${name} (${label}) is not used by the guide.`;
    case IK403.tooManyRepetitions:
      return `Element ${name} (${label}) may not repeat.`;
    case IK403.tooManyComponents:
      return `Element ${name} (${label}) has too many components.`;
    case IK403.tooMany:
      return `Segment ${name.slice(0, -2)} has more elements than its definition.`;
    case IK403.tooShort:
      return `Element ${name} (${label}) is shorter than the guide's minimum length.`;
    case IK403.tooLong:
      return `Element ${name} (${label}) is longer than the guide's maximum length.`;
    case IK403.invalidCharacter:
      return `Element ${name} (${label}) holds characters its data type does not allow.`;
    case IK403.invalidCode:
      return `Element ${name} (${label}) is not one of the guide's codes.`;
    case IK403.invalidDate:
      return `Element ${name} (${label}) is not a valid date.`;
    case IK403.invalidTime:
      return `Element ${name} (${label}) is not a valid time.`;
    default:
      return `Element ${name} (${label}) is invalid.`;
  }
}

/** The IK403 code of a value's defect against its type, length and codes; undefined when fine. */
export function checkValue(
  type: X12DataType,
  min: number,
  max: number,
  codes: ReadonlySet<string> | undefined,
  value: string,
): string | undefined {
  switch (type) {
    case 'ID':
      if (codes !== undefined) return codes.has(value) ? undefined : IK403.invalidCode;
      return lengthCode(value.length, min, max);
    case 'N0':
    case 'N1':
    case 'N2':
    case 'R': {
      const digits = numericDigits(value, type === 'R');
      if (digits < 0) return IK403.invalidCharacter;
      return lengthCode(digits, min, max);
    }
    case 'DT': {
      const length = lengthCode(value.length, min, max);
      if (length !== undefined) return length;
      return isDate(value) ? undefined : IK403.invalidDate;
    }
    case 'TM': {
      const length = lengthCode(value.length, min, max);
      if (length !== undefined) return length;
      return isTime(value) ? undefined : IK403.invalidTime;
    }
    case 'B':
      return undefined;
    default:
      return lengthCode(value.length, min, max);
  }
}

const lengthCode = (length: number, min: number, max: number): string | undefined =>
  length < min ? IK403.tooShort : length > max ? IK403.tooLong : undefined;

/**
 * Digits of a numeric (N0/N2) or decimal (R): an optional leading minus, digits, and for R at most
 * one decimal point. Returns the digit count (what X12 lengths count) or -1 when malformed.
 */
function numericDigits(value: string, decimal: boolean): number {
  let digits = 0;
  let point = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2d && i === 0) continue;
    else if (c === 0x2e && decimal && !point) point = true;
    else return -1;
  }
  return digits === 0 ? -1 : digits;
}

function allDigits(value: string, from = 0, to = value.length): boolean {
  if (to > value.length || from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** The number the digits `from`..`to` spell (already checked to be digits): no substring made. */
function num(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (value.charCodeAt(i) - 0x30);
  return n;
}

/** CCYYMMDD (8) or YYMMDD (6), a real calendar day. */
export function isDate(value: string): boolean {
  if (value.length !== 8 && value.length !== 6) return false;
  if (!allDigits(value)) return false;
  const century = value.length === 8;
  const year = century ? num(value, 0, 4) : 2000 + num(value, 0, 2);
  const at = century ? 4 : 2;
  const month = num(value, at, at + 2);
  const day = num(value, at + 2, at + 4);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysIn(year, month);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** HHMM, HHMMSS or HHMMSS with decimal seconds (up to 8 digits). */
export function isTime(value: string): boolean {
  const n = value.length;
  if (n !== 4 && (n < 6 || n > 8)) return false;
  if (!allDigits(value)) return false;
  if (num(value, 0, 2) > 23 || num(value, 2, 4) > 59) return false;
  return n === 4 || num(value, 4, 6) <= 59;
}

/** DTP03 (or DMG02) in the format its qualifier names: D8 a date, RD8 a range, DT a date and time. */
function checkDateByFormat(
  elements: readonly string[],
  formatAt: number,
  valueAt: number,
  ref: SegmentRef,
  issues: IssueCollector,
): number {
  const format = elements[formatAt];
  const value = elements[valueAt];
  if (format === undefined || value === undefined || value.length === 0) return 0;
  if (isDateInFormat(format, value)) return 0;
  if (format !== 'D8' && format !== 'RD8' && format !== 'DT') return 0; // the code check reports it
  issues.segment(
    1,
    IK403.invalidDate,
    ref,
    `Element ${ref.segment}${pad(valueAt)} is not a valid date in the format ${ref.segment}${pad(formatAt)} names.`,
    valueAt,
  );
  return 1;
}

export function isDateInFormat(format: string, value: string): boolean {
  switch (format) {
    case 'D8':
      return value.length === 8 && isDate(value);
    case 'RD8': {
      if (value.length !== 17 || value.charCodeAt(8) !== 0x2d) return false;
      const from = value.slice(0, 8);
      const to = value.slice(9);
      return isDate(from) && isDate(to) && from <= to;
    }
    case 'DT':
      return value.length === 12 && isDate(value.slice(0, 8)) && isTime(value.slice(8));
    default:
      return false;
  }
}
