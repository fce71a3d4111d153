import { reject } from '../errors.js';

/**
 * The push tokenizer under the loop-aware reader: bytes in, in chunks of any size, segments out as
 * arrays of element strings. A segment may span chunks; only the unfinished segment is carried over,
 * so memory follows the chunk size, never the file size. Each interchange declares its delimiters in
 * its fixed-width ISA; several interchanges may follow one another (ISA..IEA repeated).
 *
 * Lexical faults that make the bytes unreadable throw `invalid-x12` (positions and limits only);
 * everything readable is handed on, and the reader judges it.
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

export interface X12TokenizerOptions {
  /** Segments allowed over the whole stream; unbounded when absent (the door sets its cap). */
  readonly maxSegments?: number;
}

/** Receives each segment split on the element separator: `elements[0]` is the segment id. */
export type RawSegmentHandler = (elements: string[], delimiters: X12Delimiters) => void;

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;
const TILDE = 0x7e;

const invalid = (message: string, details: Record<string, unknown> = {}) =>
  reject('invalid-x12', message, details);

/** Printable, neither a letter nor a digit nor a space (those occur in data). */
const isDelimiterChar = (c: string): boolean => c > ' ' && c <= '~' && !/[A-Za-z0-9]/.test(c);

/** Reads and checks the delimiters of a complete 106-byte ISA. */
export function readIsaDelimiters(isa: Uint8Array): X12Delimiters {
  if (isa.length < 3 || isa[0] !== 0x49 || isa[1] !== 0x53 || isa[2] !== 0x41) {
    throw invalid('An X12 interchange starts with an ISA segment.', { expression: 'ISA' });
  }
  if (isa.length < ISA_LENGTH) throw invalid('The ISA segment is truncated.', { expression: 'ISA' });
  const char = (at: number) => String.fromCharCode(isa[at] ?? 0);
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
  for (let i = 0; i < ISA_LENGTH - 1; i++) {
    const b = isa[i] as number;
    if (b < SPACE || b > TILDE) {
      throw invalid('Control or non-ASCII character in the interchange.', { expression: 'ISA' });
    }
  }
  const text = String.fromCharCode(...isa.subarray(0, ISA_LENGTH - 1));
  if (text.split(element).length !== ISA_ELEMENT_WIDTHS.length + 1 || text.includes(segment)) {
    throw invalid('An ISA element holds a delimiter.', { expression: 'ISA' });
  }
  return { element, repetition, component, segment };
}

/**
 * Where the tokenizer is: before an ISA (`between`), gathering the ISA's 106 bytes (`isa`), or in
 * an interchange's segments (`body`).
 */
type State = 'start' | 'between' | 'isa' | 'body';

/**
 * Push tokenizer: `push` chunks, then `end`. Segments are handed to the handler as soon as their
 * terminator arrives. CR, LF, spaces and tabs right after a terminator are layout, not data.
 */
export class X12Tokenizer {
  private state: State = 'start';
  private readonly isa = new Uint8Array(ISA_LENGTH);
  private isaFill = 0;
  private current: X12Delimiters | undefined;
  private terminator = 0;
  private separator = 0;
  /** The text of the segment begun in an earlier chunk, not yet terminated. */
  private carry = '';
  /** Whether the last byte seen ended a segment (or was layout after one). */
  private afterTerminator = true;
  private repetitionSeen = false;
  private offset = 0;
  private segments = 0;
  private readonly maxSegments: number;
  /** latin1 maps one byte to one UTF-16 unit, so offsets in the decoded chunk are byte offsets. */
  private readonly decoder = new TextDecoder('latin1');
  private decodedChunk: Uint8Array | undefined;
  private decodedText = '';

  constructor(
    private readonly onSegment: RawSegmentHandler,
    options: X12TokenizerOptions = {},
  ) {
    this.maxSegments = options.maxSegments ?? Number.POSITIVE_INFINITY;
  }

  /** The delimiters of the interchange being read. */
  get delimiters(): X12Delimiters | undefined {
    return this.current;
  }

  /**
   * Whether the segment just handed on holds the repetition separator: the element checks need not
   * look for it in each element of the many segments that do not.
   */
  get segmentHasRepetition(): boolean {
    return this.repetitionSeen;
  }

  /** Segments handed on so far. */
  get count(): number {
    return this.segments;
  }

  push(chunk: Uint8Array): void {
    let from = 0;
    while (from < chunk.length) {
      if (this.state === 'body') {
        from = this.readBody(chunk, from);
      } else if (this.state === 'isa') {
        from = this.readIsa(chunk, from);
      } else {
        from = this.seekIsa(chunk, from);
      }
    }
    this.offset += chunk.length;
    this.decodedChunk = undefined;
    this.decodedText = '';
  }

  /** Call once after the last chunk: refuses a truncated interchange. */
  end(): void {
    if (this.state === 'start') {
      throw invalid('An X12 interchange starts with an ISA segment.', { expression: 'ISA' });
    }
    if (this.state === 'isa') throw invalid('The ISA segment is truncated.', { expression: 'ISA' });
    if (this.state === 'body' && !this.afterTerminator) {
      throw invalid('The last segment has no terminator (truncated interchange).', {
        segment: this.segments + 1,
      });
    }
  }

  /** Before an interchange: layout is skipped between interchanges; anything else must be an ISA. */
  private seekIsa(chunk: Uint8Array, from: number): number {
    let i = from;
    if (this.state === 'between') {
      while (i < chunk.length && isLayout(chunk[i] as number)) i++;
      if (i === chunk.length) return i;
    }
    this.state = 'isa';
    this.isaFill = 0;
    return i;
  }

  private readIsa(chunk: Uint8Array, from: number): number {
    const take = Math.min(ISA_LENGTH - this.isaFill, chunk.length - from);
    this.isa.set(chunk.subarray(from, from + take), this.isaFill);
    this.isaFill += take;
    // An early look at the first bytes refuses a non-X12 body without waiting for 106 bytes.
    if (this.isaFill >= 3 && (this.isa[0] !== 0x49 || this.isa[1] !== 0x53 || this.isa[2] !== 0x41)) {
      throw invalid('An X12 interchange starts with an ISA segment.', { expression: 'ISA' });
    }
    if (this.isaFill < ISA_LENGTH) return from + take;
    const delimiters = readIsaDelimiters(this.isa);
    this.current = delimiters;
    this.terminator = delimiters.segment.charCodeAt(0);
    this.separator = delimiters.element.charCodeAt(0);
    const text = String.fromCharCode(...this.isa.subarray(0, ISA_LENGTH - 1));
    this.state = 'body';
    this.carry = '';
    this.afterTerminator = true;
    this.emit(text);
    return from + take;
  }

  /**
   * Cuts the chunk into segments on the terminator and into elements on the separator, checking each
   * segment's bytes (printable ASCII) in the same pass; CR, LF, spaces and tabs after a terminator are
   * skipped as layout. Stops after an IEA: the next interchange may declare other delimiters.
   */
  private readBody(chunk: Uint8Array, from: number): number {
    const terminator = this.terminator;
    const separator = this.separator;
    const limit = MAX_X12_ELEMENTS_PER_SEGMENT + 2;
    const n = chunk.length;
    const text = this.decoded(chunk);
    const repetition = (this.current as X12Delimiters).repetition;
    // Where the next repetition separator is in the chunk (-1: none): found once, not per segment.
    let nextRepetition = repetition === undefined ? -1 : text.indexOf(repetition, from);
    let i = from;
    while (i < n) {
      let start = i;
      if (this.afterTerminator) {
        while (i < n && isLayout(chunk[i] as number)) i++;
        if (i === n) return n;
        this.afterTerminator = false;
        start = i;
      }
      // A segment begun in an earlier chunk is split once it is whole; one within this chunk as it is scanned.
      const elements: string[] | undefined = this.carry.length === 0 ? [] : undefined;
      let elementStart = start;
      let j = i;
      for (; j < n; j++) {
        const b = chunk[j] as number;
        if (b === terminator) break;
        if (b === separator) {
          if (elements !== undefined && elements.length < limit) elements.push(text.slice(elementStart, j));
          elementStart = j + 1;
        } else if (b < SPACE || b > TILDE) this.refuse(b, j);
      }
      if (j === n) {
        this.carry += text.slice(start, n);
        return n;
      }
      this.afterTerminator = true;
      i = j + 1;
      let ended: boolean;
      if (elements === undefined) {
        const whole = this.carry + text.slice(start, j);
        this.carry = '';
        ended = this.emit(whole);
      } else {
        if (elements.length < limit) elements.push(text.slice(elementStart, j));
        if (nextRepetition !== -1 && nextRepetition < start) {
          nextRepetition = text.indexOf(repetition as string, start);
        }
        this.repetitionSeen = nextRepetition !== -1 && nextRepetition < j;
        ended = this.emitElements(elements);
      }
      if (ended) {
        // IEA ends the interchange; what follows is read as layout or a new ISA.
        this.state = 'between';
        return i;
      }
    }
    return n;
  }

  private refuse(b: number, at: number): never {
    if (b === CR || b === LF || b === TAB) {
      throw invalid('Line break or tab inside a segment.', { offset: this.offset + at });
    }
    throw invalid('Control or non-ASCII character in the interchange.', { offset: this.offset + at });
  }

  /** The chunk as text (latin1: one unit a byte), decoded once; only checked bytes are handed on. */
  private decoded(chunk: Uint8Array): string {
    if (this.decodedChunk !== chunk) {
      this.decodedChunk = chunk;
      this.decodedText = this.decoder.decode(chunk);
    }
    return this.decodedText;
  }

  /** Splits one segment and hands it on; true when it was an IEA. */
  private emit(text: string): boolean {
    const delimiters = this.current as X12Delimiters;
    this.repetitionSeen = delimiters.repetition !== undefined && text.includes(delimiters.repetition);
    return this.emitElements(splitElements(text, delimiters.element, MAX_X12_ELEMENTS_PER_SEGMENT + 2));
  }

  /** Hands on one segment split into at most 66 elements; true when it was an IEA. */
  private emitElements(elements: string[]): boolean {
    const delimiters = this.current as X12Delimiters;
    if (this.segments === this.maxSegments) {
      throw invalid(`The interchange has more than ${this.maxSegments} segments.`, {
        limit: this.maxSegments,
      });
    }
    this.segments++;
    const id = elements[0] as string;
    if (elements.length > MAX_X12_ELEMENTS_PER_SEGMENT + 1) {
      throw invalid(`A segment has more than ${MAX_X12_ELEMENTS_PER_SEGMENT} elements.`, {
        expression: safeId(id),
        segment: this.segments,
        limit: MAX_X12_ELEMENTS_PER_SEGMENT,
      });
    }
    for (let i = 1; i < elements.length; i++) {
      if ((elements[i] as string).length > MAX_X12_ELEMENT_LENGTH) {
        throw invalid(`An element is longer than ${MAX_X12_ELEMENT_LENGTH} characters.`, {
          expression: `${safeId(id)}${String(i).padStart(2, '0')}`,
          segment: this.segments,
          limit: MAX_X12_ELEMENT_LENGTH,
        });
      }
    }
    this.onSegment(elements, delimiters);
    return id === 'IEA';
  }
}

/**
 * `text.split(separator, limit)` for a one-character separator: an indexOf loop is about 40% faster
 * than the built-in split on short segments, which is most of what the reader costs per byte.
 */
function splitElements(text: string, separator: string, limit: number): string[] {
  const elements: string[] = [];
  let from = 0;
  while (elements.length < limit) {
    const at = text.indexOf(separator, from);
    if (at === -1) {
      elements.push(text.slice(from));
      break;
    }
    elements.push(text.slice(from, at));
    from = at + 1;
  }
  return elements;
}

const isLayout = (b: number): boolean => b === CR || b === LF || b === SPACE || b === TAB;

/** A segment id is X12 syntax: one upper-case letter, then one or two upper-case letters or digits. */
export function isSegmentId(id: string): boolean {
  const n = id.length;
  if (n < 2 || n > 3) return false;
  const first = id.charCodeAt(0);
  if (first < 0x41 || first > 0x5a) return false;
  for (let i = 1; i < n; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39))) return false;
  }
  return true;
}

/** A segment id for a message or expression: only when it is syntactically an id, else `?`. */
export const safeId = (id: string): string => (isSegmentId(id) ? id : '?');
