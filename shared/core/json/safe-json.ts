/**
 * JSON parsing for untrusted bodies.
 *
 * `JSON.parse` alone keeps the last of duplicate keys, keeps `__proto__` as an own key (harmless until
 * someone merges the object), accepts escaped lone surrogates, turns `1e400` into Infinity and quotes
 * the input in its error messages. So one iterative pass over the decoded text checks structure and
 * limits first (no recursion: 100 000 nested arrays cost a loop, not a stack), and only then does the
 * native parser build the value. The scanner's tokenizer is exact for every text JSON.parse accepts;
 * for anything else either the scanner or JSON.parse refuses, with a message of our own.
 */
import { PipelineError, reject } from '../errors.js';

export interface JsonLimits {
  /** Size of the UTF-8 input. */
  maxBytes: number;
  /** Nesting of arrays and objects; the outermost container is depth 1. */
  maxDepth: number;
  /** Length of one string (key or value) in source characters, escapes counted as written. */
  maxStringLength: number;
  maxKeysPerObject: number;
  maxArrayLength: number;
}

/**
 * Sized for 5 MiB FHIR bundles. The Synthea corpus nests 11 deep, has up to ~1 900 entries and at most
 * 22 keys per object; base64 attachments of a few hundred KB must fit. Tighter per-element rules (entry
 * count, field lengths) belong to FHIR validation, which can answer with the element's path.
 */
export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxDepth: 64,
  maxStringLength: 4 * 1024 * 1024,
  maxKeysPerObject: 1_000,
  maxArrayLength: 100_000,
});

/** Keys that reach Object.prototype through merges and copies, in any spelling. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes and parses a JSON body. Throws `invalid-json` for invalid UTF-8, a BOM, syntax errors, lone
 * surrogates, non-finite or underflowing numbers, duplicate or forbidden keys, and broken limits.
 */
export function parseSafeJson(bytes: Uint8Array, limits?: Partial<JsonLimits>): unknown {
  const effective = resolveLimits(limits);
  if (bytes.byteLength > effective.maxBytes) {
    throw invalid('JSON body exceeds the size limit', { limit: 'maxBytes' });
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw invalid('JSON body starts with a byte order mark');
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw invalid('JSON body is not valid UTF-8');
  }
  new Scanner(text, effective).scan();
  try {
    return JSON.parse(text);
  } catch {
    // The native message can quote the input: never pass it on.
    throw invalid('JSON body has a syntax error');
  }
}

function resolveLimits(limits: Partial<JsonLimits> | undefined): JsonLimits {
  const resolved: JsonLimits = { ...DEFAULT_JSON_LIMITS };
  for (const name of Object.keys(DEFAULT_JSON_LIMITS) as (keyof JsonLimits)[]) {
    const value = limits?.[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new PipelineError('config-invalid', `JSON limit ${name} must be a positive integer`);
    }
    resolved[name] = value;
  }
  return resolved;
}

const invalid = (message: string, details?: Record<string, unknown>) =>
  reject('invalid-json', message, details);

// Scanner states.
const VALUE = 0;
const VALUE_OR_CLOSE = 1; // just after '['
const KEY = 2;
const KEY_OR_CLOSE = 3; // just after '{'
const COLON = 4;
const AFTER_VALUE = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class Scanner {
  /** Index of the next backslash at or after the current string, or the text length; found lazily. */
  private nextBackslash = -1;
  /** Whether the string just scanned contained an escape. */
  private escaped = false;

  constructor(
    private readonly text: string,
    private readonly limits: JsonLimits,
  ) {}

  scan(): void {
    const { text, limits } = this;
    const length = text.length;
    const isObject = new Uint8Array(limits.maxDepth + 2);
    const counts = new Uint32Array(limits.maxDepth + 2);
    const keySets: Set<string>[] = [];
    let depth = 0;
    let state = VALUE;
    let pos = 0;

    for (;;) {
      let c = text.charCodeAt(pos);
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++pos);
      if (pos >= length) break;

      if (state === AFTER_VALUE) {
        if (depth === 0) throw syntax(pos);
        const inObject = isObject[depth] === 1;
        if (c === 0x2c) {
          state = inObject ? KEY : VALUE;
        } else if (c === (inObject ? 0x7d : 0x5d)) {
          depth--;
        } else {
          throw syntax(pos);
        }
        pos++;
        continue;
      }

      if (state === KEY || state === KEY_OR_CLOSE) {
        if (c === 0x7d && state === KEY_OR_CLOSE) {
          depth--;
          state = AFTER_VALUE;
          pos++;
          continue;
        }
        if (c !== QUOTE) throw syntax(pos);
        const seen = keySets[depth];
        if (seen === undefined) throw syntax(pos);
        const keyCount = (counts[depth] ?? 0) + 1;
        counts[depth] = keyCount;
        if (keyCount > limits.maxKeysPerObject) {
          throw invalid('JSON object exceeds the key limit', { limit: 'maxKeysPerObject', offset: pos });
        }
        const end = this.stringEnd(pos + 1);
        const key = this.escaped ? decodeKey(text, pos, end) : text.slice(pos + 1, end);
        if (FORBIDDEN_KEYS.has(key)) {
          throw invalid('JSON object has a forbidden key (__proto__, constructor or prototype)', {
            offset: pos,
          });
        }
        if (seen.has(key)) throw invalid('JSON object has a duplicate key', { offset: pos });
        seen.add(key);
        pos = end + 1;
        state = COLON;
        continue;
      }

      if (state === COLON) {
        if (c !== 0x3a) throw syntax(pos);
        state = VALUE;
        pos++;
        continue;
      }

      // VALUE or VALUE_OR_CLOSE
      if (c === 0x5d && state === VALUE_OR_CLOSE) {
        depth--;
        state = AFTER_VALUE;
        pos++;
        continue;
      }
      if (depth > 0 && isObject[depth] === 0) {
        const count = (counts[depth] ?? 0) + 1;
        counts[depth] = count;
        if (count > limits.maxArrayLength) {
          throw invalid('JSON array exceeds the length limit', { limit: 'maxArrayLength', offset: pos });
        }
      }
      if (c === 0x7b || c === 0x5b) {
        if (++depth > limits.maxDepth) {
          throw invalid('JSON nesting exceeds the depth limit', { limit: 'maxDepth', offset: pos });
        }
        counts[depth] = 0;
        if (c === 0x7b) {
          isObject[depth] = 1;
          const keys = keySets[depth];
          if (keys === undefined) keySets[depth] = new Set();
          else keys.clear();
          state = KEY_OR_CLOSE;
        } else {
          isObject[depth] = 0;
          state = VALUE_OR_CLOSE;
        }
        pos++;
        continue;
      }
      if (c === QUOTE) {
        pos = this.stringEnd(pos + 1) + 1;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        pos = skipNumber(text, pos);
      } else if (c === 0x74 && text.startsWith('true', pos)) {
        pos += 4;
      } else if (c === 0x66 && text.startsWith('false', pos)) {
        pos += 5;
      } else if (c === 0x6e && text.startsWith('null', pos)) {
        pos += 4;
      } else {
        throw syntax(pos);
      }
      state = AFTER_VALUE;
    }

    if (depth !== 0 || state !== AFTER_VALUE) throw syntax(pos);
  }

  /** Index of the closing quote of the string whose content starts at `start`; checks escapes and length. */
  private stringEnd(start: number): number {
    const { text } = this;
    const end = text.indexOf('"', start);
    if (end === -1) throw syntax(start);
    if (this.nextBackslash < start) {
      const found = text.indexOf('\\', start);
      this.nextBackslash = found === -1 ? text.length : found;
    }
    this.escaped = this.nextBackslash < end;
    const close = this.escaped ? escapedStringEnd(text, this.nextBackslash) : end;
    if (close - start > this.limits.maxStringLength) {
      throw invalid('JSON string exceeds the length limit', { limit: 'maxStringLength', offset: start });
    }
    return close;
  }
}

const syntax = (offset: number): PipelineError => invalid('JSON body has a syntax error', { offset });

function decodeKey(text: string, openQuote: number, closeQuote: number): string {
  try {
    return JSON.parse(text.slice(openQuote, closeQuote + 1)) as string;
  } catch {
    throw syntax(openQuote);
  }
}

/** Slow path from the first backslash of a string: walks escapes, refusing lone surrogates. */
function escapedStringEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c !== BACKSLASH) {
      if (Number.isNaN(c)) throw syntax(i);
      i++;
      continue;
    }
    const e = text.charCodeAt(i + 1);
    if (e !== 0x75) {
      if (!SIMPLE_ESCAPES.has(e)) throw syntax(i);
      i += 2;
      continue;
    }
    const unit = hex4(text, i + 2);
    if (unit < 0) throw syntax(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) throw loneSurrogate(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low =
        text.charCodeAt(i + 6) === BACKSLASH && text.charCodeAt(i + 7) === 0x75 ? hex4(text, i + 8) : -1;
      if (low < 0xdc00 || low > 0xdfff) throw loneSurrogate(i);
      i += 12;
    } else {
      i += 6;
    }
  }
}

/** \" \\ \/ \b \f \n \r \t */
const SIMPLE_ESCAPES: ReadonlySet<number> = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

const loneSurrogate = (offset: number): PipelineError =>
  invalid('JSON string has a lone surrogate escape', { offset });

/** Returns the index after the number at `start`; refuses numbers JSON.parse would make infinite or zero. */
function skipNumber(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 0x2d) i++;
  let c = text.charCodeAt(i);
  if (c === 0x30) {
    c = text.charCodeAt(++i);
  } else if (c >= 0x31 && c <= 0x39) {
    do c = text.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  } else {
    throw syntax(i);
  }
  if (c === 0x2e) {
    c = text.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) throw syntax(i);
    do c = text.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  }
  let exponentAt = -1;
  if (c === 0x65 || c === 0x45) {
    exponentAt = i;
    c = text.charCodeAt(++i);
    if (c === 0x2b || c === 0x2d) c = text.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) throw syntax(i);
    do c = text.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  }
  // Without an exponent only a few hundred digits can leave the double range.
  if (exponentAt === -1 && i - start < 300) return i;
  const value = Number(text.slice(start, i));
  if (!Number.isFinite(value)) {
    throw invalid('JSON number is outside the representable range', { offset: start });
  }
  if (value === 0 && /[1-9]/.test(text.slice(start, exponentAt === -1 ? i : exponentAt))) {
    throw invalid('JSON number underflows to zero', { offset: start });
  }
  return i;
}

/** Value of four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let value = 0;
  for (let k = 0; k < 4; k++) {
    const c = text.charCodeAt(at + k);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}
