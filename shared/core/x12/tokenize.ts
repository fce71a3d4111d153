import { reject } from '../errors.js';

/**
 * X12 lexical layer: finds the delimiters in the fixed-width ISA segment and splits the interchange
 * into segments and elements. It refuses (invalid-x12) anything it cannot split unambiguously.
 * X12 has no escape mechanism, so a delimiter inside data always splits; the envelope counts are
 * what catch most such injections (see envelope.ts).
 */

/** 5 MiB of the shortest useful segments is about 1 M; real 837s average over 25 bytes a segment. */
export const MAX_X12_SEGMENTS = 200_000;
/** 264 is the longest X12 005010 data element (e.g. MSG01); 837 elements stay far below it. */
export const MAX_X12_ELEMENT_LENGTH = 264;
/** The widest 837 segments (CLM, SV1, SV2, CLP) have under 25 elements. */
export const MAX_X12_ELEMENTS_PER_SEGMENT = 64;

export const ISA_LENGTH = 106;
/** Widths of ISA01..ISA16; the ISA is the only fixed-width segment and carries the delimiters. */
const ISA_ELEMENT_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;

export interface X12Delimiters {
  readonly element: string;
  /** ISA11 from 00402 on; absent when ISA11 is the legacy standards identifier (`U`). */
  readonly repetition: string | undefined;
  readonly component: string;
  readonly segment: string;
}

export interface X12Segment {
  /** Segment id followed by its elements: `elements[1]` is e.g. ISA01 or SE01. */
  readonly elements: readonly string[];
}

export interface X12Interchange {
  readonly delimiters: X12Delimiters;
  readonly segments: readonly X12Segment[];
}

const CR = 0x0d;
const LF = 0x0a;
const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;

const invalid = (message: string, details: Record<string, unknown> = {}) =>
  reject('invalid-x12', message, details);

export function tokenizeX12(bytes: Uint8Array): X12Interchange {
  const delimiters = readDelimiters(bytes);
  const text = checkCharacters(bytes, delimiters.segment.charCodeAt(0));
  return { delimiters, segments: splitSegments(text, delimiters) };
}

function readDelimiters(bytes: Uint8Array): X12Delimiters {
  if (bytes.length < 3 || bytes[0] !== 0x49 || bytes[1] !== 0x53 || bytes[2] !== 0x41) {
    throw invalid('An X12 interchange starts with an ISA segment.', { expression: 'ISA' });
  }
  if (bytes.length < ISA_LENGTH) {
    throw invalid('The ISA segment is truncated.', { expression: 'ISA' });
  }
  const char = (at: number) => String.fromCharCode(bytes[at] ?? 0);
  const element = char(3);
  let at = 3;
  ISA_ELEMENT_WIDTHS.forEach((width, i) => {
    if (char(at) !== element) {
      throw invalid('The ISA segment is not 106 characters with a consistent element separator.', {
        expression: `ISA${String(i + 1).padStart(2, '0')}`,
      });
    }
    at += width + 1;
  });
  const isa11 = char(82);
  const component = char(104);
  const segment = char(105);
  const repetition = isDelimiterChar(isa11) ? isa11 : undefined;
  if (!isDelimiterChar(element)) throw invalid('Invalid element separator.', { expression: 'ISA' });
  if (!isDelimiterChar(component)) throw invalid('Invalid component separator.', { expression: 'ISA16' });
  if (!isDelimiterChar(segment) && segment !== '\r' && segment !== '\n') {
    throw invalid('Invalid segment terminator.', { expression: 'ISA' });
  }
  const used = [element, component, segment, ...(repetition === undefined ? [] : [repetition])];
  if (new Set(used).size !== used.length) {
    throw invalid('The same character is used for two delimiters.', { expression: 'ISA' });
  }
  // The separators sit at the right offsets; now no ISA element may hold a delimiter itself.
  const isa = String.fromCharCode(...bytes.subarray(0, ISA_LENGTH - 1));
  if (isa.split(element).length !== ISA_ELEMENT_WIDTHS.length + 1 || isa.includes(segment)) {
    throw invalid('An ISA element holds a delimiter.', { expression: 'ISA' });
  }
  return { element, repetition, component, segment };
}

/** Printable, neither a letter nor a digit nor a space (those occur in data). */
const isDelimiterChar = (c: string): boolean => c > ' ' && c <= '~' && !/[A-Za-z0-9]/.test(c);

/**
 * Only printable ASCII is data (the X12 basic and extended sets). CR and LF are tolerated only as
 * line breaks right after a segment terminator, which is how most files are laid out.
 */
function checkCharacters(bytes: Uint8Array, terminator: number): string {
  let afterTerminator = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === terminator) {
      afterTerminator = true;
    } else if (b === CR || b === LF) {
      if (!afterTerminator) throw invalid('Line break inside a segment.', { offset: i });
    } else if (b < 0x20 || b > 0x7e) {
      throw invalid('Control or non-ASCII character in the interchange.', { offset: i });
    } else {
      afterTerminator = false;
    }
  }
  // Every byte is ASCII now, so one byte is one UTF-16 code unit.
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

function splitSegments(text: string, delimiters: X12Delimiters): X12Segment[] {
  const segments: X12Segment[] = [];
  let start = 0;
  while (start < text.length) {
    start = skipLineBreaks(text, start);
    if (start >= text.length) break;
    const end = text.indexOf(delimiters.segment, start);
    if (end === -1) {
      throw invalid('The last segment has no terminator (truncated interchange).', {
        segment: segments.length + 1,
      });
    }
    if (segments.length === MAX_X12_SEGMENTS) {
      throw invalid(`The interchange has more than ${MAX_X12_SEGMENTS} segments.`, {
        limit: MAX_X12_SEGMENTS,
      });
    }
    segments.push(splitElements(text.slice(start, end), delimiters.element, segments.length + 1));
    start = end + 1;
  }
  return segments;
}

function skipLineBreaks(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text[i] === '\r' || text[i] === '\n')) i++;
  return i;
}

function splitElements(raw: string, separator: string, position: number): X12Segment {
  const elements = raw.split(separator, MAX_X12_ELEMENTS_PER_SEGMENT + 2);
  const id = elements[0] ?? '';
  if (!SEGMENT_ID.test(id)) throw invalid('Invalid segment identifier.', { segment: position });
  if (elements.length > MAX_X12_ELEMENTS_PER_SEGMENT + 1) {
    throw invalid(`A segment has more than ${MAX_X12_ELEMENTS_PER_SEGMENT} elements.`, {
      expression: id,
      segment: position,
      limit: MAX_X12_ELEMENTS_PER_SEGMENT,
    });
  }
  for (let i = 1; i < elements.length; i++) {
    if ((elements[i] as string).length > MAX_X12_ELEMENT_LENGTH) {
      throw invalid(`An element is longer than ${MAX_X12_ELEMENT_LENGTH} characters.`, {
        expression: `${id}${String(i).padStart(2, '0')}`,
        segment: position,
        limit: MAX_X12_ELEMENT_LENGTH,
      });
    }
  }
  return { elements };
}
