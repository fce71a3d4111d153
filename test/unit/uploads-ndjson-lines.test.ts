import { describe, expect, it } from 'vitest';
import { NdjsonLineSplitter } from '../../shared/app/uploads/ndjson-lines.js';

/** Splits `text` into chunks at the given cut points and collects what the splitter reports. */
function split(text: string, cuts: number[], max = 1000): { lines: [number, string][]; overlong: number[] } {
  const lines: [number, string][] = [];
  const overlong: number[] = [];
  const splitter = new NdjsonLineSplitter(
    (bytes, n) => lines.push([n, Buffer.from(bytes).toString('utf8')]),
    (n) => overlong.push(n),
    max,
  );
  const bytes = Buffer.from(text);
  let at = 0;
  for (const cut of [
    ...cuts.filter((c) => c > 0 && c < bytes.byteLength).sort((a, b) => a - b),
    bytes.byteLength,
  ]) {
    splitter.push(bytes.subarray(at, cut));
    at = cut;
  }
  splitter.end();
  return { lines, overlong };
}

describe('Class: NdjsonLineSplitter', () => {
  const text = '{"a":1}\n{"b":"é"}\r\n\n{"c":3}';
  const expected: [number, string][] = [
    [1, '{"a":1}'],
    [2, '{"b":"é"}'],
    [3, ''],
    [4, '{"c":3}'],
  ];

  it('gives the same numbered lines however the bytes are chunked', () => {
    const size = Buffer.byteLength(text);
    for (let cut = 0; cut <= size; cut++) expect(split(text, [cut]).lines).toEqual(expected);
    for (let seed = 1; seed < 200; seed++) {
      const cuts = Array.from({ length: 5 }, (_, i) => ((seed * 7919 + i * 104_729) % size) + 1);
      expect(split(text, cuts).lines).toEqual(expected);
    }
    expect(split(`${text}\n`, []).lines).toEqual(expected);
  });

  it('reports an overlong line by number, keeps none of it, and goes on', () => {
    const long = `${'x'.repeat(50)}\n{"ok":true}\n${'y'.repeat(50)}`;
    for (const cuts of [[], [10, 20, 30, 55], [49, 51]]) {
      const { lines, overlong } = split(long, cuts, 40);
      expect(overlong).toEqual([1, 3]);
      expect(lines).toEqual([[2, '{"ok":true}']]);
    }
  });
});
