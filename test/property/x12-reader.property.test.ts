import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../shared/core/errors.js';
import { acknowledgeInterchange } from '../../shared/core/x12/ack/index.js';
import { validateX12Envelope } from '../../shared/core/x12/envelope.js';
import { guideFor } from '../../shared/core/x12/guide/index.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { generateX12, type X12ClaimKind } from '../helpers/x12-planter/index.js';

/**
 * Hostile bytes never crash the X12 readers: whatever arrives, they either answer or refuse with a
 * coded PipelineError. Runs are bounded (small files, ~200 runs) so the file stays under 20 s on 2 cores.
 */

const RUNS = { numRuns: 200 };
const encode = (text: string) => new TextEncoder().encode(text);

/** Runs `read` and accepts only a normal return or a PipelineError whose code is in `codes`. */
function expectCoded(read: () => unknown, codes: readonly string[]): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    expect(codes).toContain(error.code);
  }
}

type Mutation =
  | { readonly type: 'flip'; readonly at: number; readonly byte: number }
  | { readonly type: 'truncate'; readonly at: number }
  | { readonly type: 'insert'; readonly at: number; readonly which: number }
  | { readonly type: 'delete'; readonly at: number; readonly length: number }
  | { readonly type: 'repeat'; readonly at: number; readonly length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ type: fc.constant('insert' as const), at: fc.nat(), which: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ type: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ type: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 120 }) }),
);

/** A small valid file (one subscriber) with `mutations` applied, each at a position modulo its length. */
function mutatedFile(kind: X12ClaimKind, seed: number, mutations: readonly Mutation[]): Uint8Array {
  const g = generateX12(kind, seed, { subscribers: 1 });
  const { element, component, repetition, segment } = g.separators;
  const delimiters = [element, component, repetition, segment, '\r\n', '\n'];
  let bytes: Uint8Array = encode(g.bytes);
  for (const m of mutations) {
    const at = m.at % Math.max(1, bytes.length);
    if (m.type === 'flip') {
      bytes = bytes.slice();
      bytes[at] = m.byte;
    } else if (m.type === 'truncate') {
      bytes = bytes.slice(0, at);
    } else if (m.type === 'insert') {
      const insert = encode(delimiters[m.which] ?? segment);
      bytes = concat(bytes.slice(0, at), insert, bytes.slice(at));
    } else if (m.type === 'delete') {
      bytes = concat(bytes.slice(0, at), bytes.slice(at + m.length));
    } else {
      bytes = concat(bytes.slice(0, at + m.length), bytes.slice(at));
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const kinds = fc.constantFrom<X12ClaimKind>('837P', '837I');
const seeds = fc.integer({ min: 1, max: 1_000_000 });
/** Arbitrary bytes, and arbitrary bytes behind a valid ISA (so they get past the ISA checks). */
const arbitraryBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc
    .tuple(kinds, seeds, fc.uint8Array({ maxLength: 600 }))
    .map(([kind, seed, tail]) =>
      concat(encode(generateX12(kind, seed, { subscribers: 1 }).bytes).slice(0, 108), tail),
    ),
  fc
    .string({ maxLength: 400 })
    .map((text) =>
      encode(
        `ISA*00*          *00*          *ZZ*A              *ZZ*B              *250101*1200*^*00501*000000001*0*T*:~${text}`,
      ),
    ),
);

describe('X12 door envelope check on hostile bytes', () => {
  it('throws only invalid-x12 or invalid-claim on arbitrary bytes', () => {
    fc.assert(
      fc.property(arbitraryBytes, (bytes) =>
        expectCoded(() => validateX12Envelope(bytes), ['invalid-x12', 'invalid-claim']),
      ),
      RUNS,
    );
  });

  it('throws only invalid-x12 or invalid-claim on mutated valid files', () => {
    fc.assert(
      fc.property(kinds, seeds, fc.array(mutation, { minLength: 1, maxLength: 4 }), (kind, seed, mutations) =>
        expectCoded(
          () => validateX12Envelope(mutatedFile(kind, seed, mutations)),
          ['invalid-x12', 'invalid-claim'],
        ),
      ),
      RUNS,
    );
  });
});

/** The loop-aware reader reports defects as issues; only unreadable bytes throw, as invalid-x12. */
const readAll = (bytes: Uint8Array) => readX12(bytes, () => undefined, { guides: guideFor });

/** The same bytes cut into chunks at arbitrary points, as a stream would deliver them. */
function* chunked(bytes: Uint8Array, cuts: readonly number[]): Generator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)) {
    yield bytes.slice(from, Math.max(from, cut));
    from = Math.max(from, cut);
  }
  yield bytes.slice(from);
}

describe('loop-aware X12 reader on hostile bytes', () => {
  it('throws nothing but invalid-x12 on arbitrary bytes', () => {
    fc.assert(
      fc.property(arbitraryBytes, (bytes) => expectCoded(() => readAll(bytes), ['invalid-x12'])),
      RUNS,
    );
  });

  it('throws nothing but invalid-x12 on mutated valid files (byte flips, truncations, delimiters)', () => {
    fc.assert(
      fc.property(kinds, seeds, fc.array(mutation, { minLength: 1, maxLength: 4 }), (kind, seed, mutations) =>
        expectCoded(() => readAll(mutatedFile(kind, seed, mutations)), ['invalid-x12']),
      ),
      RUNS,
    );
  });

  it('never echoes a planted value in an issue or an error, however the file is broken', () => {
    fc.assert(
      fc.property(
        kinds,
        seeds,
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (kind, seed, mutations) => {
          const planted = generateX12(kind, seed, { subscribers: 1 }).planted.filter((p) => p.searchable);
          let said: string;
          try {
            const result = readAll(mutatedFile(kind, seed, mutations));
            said = JSON.stringify(result.issues);
          } catch (error) {
            if (!(error instanceof PipelineError)) throw error;
            said = JSON.stringify({ message: error.message, details: error.details });
          }
          expect(planted.filter((p) => said.includes(p.value)).map((p) => p.place)).toEqual([]);
        },
      ),
      RUNS,
    );
  });

  it('never echoes a planted value in the TA1 or 999 it answers with, however the file is broken', () => {
    fc.assert(
      fc.property(
        kinds,
        seeds,
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (kind, seed, mutations) => {
          const planted = generateX12(kind, seed, { subscribers: 1 }).planted.filter((p) => p.searchable);
          const bytes = mutatedFile(kind, seed, mutations);
          let result: ReturnType<typeof readAll> | undefined;
          try {
            result = readAll(bytes);
          } catch (error) {
            if (!(error instanceof PipelineError)) throw error;
          }
          const ack = acknowledgeInterchange(result, bytes, {
            interchangeControl: 6,
            functionalControl: 7,
            now: new Date(0),
          });
          const said = `${ack.ta1 ?? ''}${ack.functional ?? ''}`;
          expect(planted.filter((p) => said.includes(p.value)).map((p) => p.place)).toEqual([]);
        },
      ),
      RUNS,
    );
  });

  it('reads every seed of the planter with zero issues', () => {
    fc.assert(
      fc.property(kinds, seeds, (kind, seed) => {
        expect(readAll(encode(generateX12(kind, seed).bytes)).issues).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same answer whatever the chunking of a mutated file', () => {
    fc.assert(
      fc.property(
        kinds,
        seeds,
        fc.array(mutation, { minLength: 0, maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (kind, seed, mutations, cuts) => {
          const bytes = mutatedFile(kind, seed, mutations);
          const outcome = (source: Uint8Array | Iterable<Uint8Array>) => {
            try {
              const result = readX12(source, () => undefined, { guides: guideFor });
              return result.issues.map((i) => i.expression);
            } catch (error) {
              if (!(error instanceof PipelineError)) throw error;
              return error.code;
            }
          };
          expect(outcome(chunked(bytes, cuts))).toEqual(outcome(bytes));
        },
      ),
      { numRuns: 100 },
    );
  });
});
