import { reject } from '../errors.js';
import { isSegmentId, MAX_X12_SEGMENTS, type X12Delimiters, X12Tokenizer } from './reader-tokenizer.js';

/**
 * X12 lexical layer for the door: the whole body at once, split into segments and elements by the
 * streaming tokenizer (reader-tokenizer.ts), under the door's segment cap. It refuses
 * (invalid-x12) anything it cannot split unambiguously, a malformed segment id included.
 * X12 has no escape mechanism, so a delimiter inside data always splits; the envelope counts are
 * what catch most such injections (see envelope.ts).
 */

export {
  ISA_LENGTH,
  MAX_X12_ELEMENT_LENGTH,
  MAX_X12_ELEMENTS_PER_SEGMENT,
  MAX_X12_SEGMENTS,
  type X12Delimiters,
} from './reader-tokenizer.js';

export interface X12Segment {
  /** Segment id followed by its elements: `elements[1]` is e.g. ISA01 or SE01. */
  readonly elements: readonly string[];
}

export interface X12Interchange {
  /** The delimiters of the first interchange. */
  readonly delimiters: X12Delimiters;
  readonly segments: readonly X12Segment[];
}

export function tokenizeX12(bytes: Uint8Array): X12Interchange {
  const segments: X12Segment[] = [];
  const tokenizer = new X12Tokenizer(
    (elements) => {
      if (!isSegmentId(elements[0] as string)) {
        throw reject('invalid-x12', 'Invalid segment identifier.', { segment: segments.length + 1 });
      }
      segments.push({ elements });
    },
    { maxSegments: MAX_X12_SEGMENTS },
  );
  tokenizer.push(bytes);
  tokenizer.end();
  return { delimiters: tokenizer.delimiters as X12Delimiters, segments };
}
