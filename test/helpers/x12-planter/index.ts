/**
 * Seeded, deterministic 005010 837P (X222A1) and 837I (X223A2/A3) interchanges with PHI planted in
 * every place an 837 carries it (issue 10 item 4), for de-identification, reader and bench tests.
 *
 *   const g = generateX12('837P', seed);            // { bytes, planted, kept, unplanted, separators, … }
 *   for (const p of g.planted) expect(output).not.toContain(p.value);   // when p.searchable
 *   for (const k of g.kept) expect(output).toContain(k.value);
 *   for (const chunk of generateLarge(100 * 2 ** 20, 1)) stream.write(chunk);   // the bench file
 *
 * Every file reads with zero issues under the 837 guides (test/unit/x12-planter.test.ts).
 */
export { type GenerateLargeOptions, generateLarge, generateLargeBytes, generateX12 } from './generate.js';
export { X12_REFERENCE_DATE } from './planter.js';
export { DEFAULT_SEPARATORS } from './separators.js';
export type * from './types.js';
