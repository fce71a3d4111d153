import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInProfile } from '../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../shared/core/deid/engine.js';
import {
  checkReferentialIntegrity,
  codeRetention,
  describeLeaks,
  findLeaks,
  harvestPhi,
  type Leak,
  type Retention,
  validityProblems,
} from '../helpers/leak-check.js';

/**
 * Safe Harbor over the real corpus (Synthea patients and HL7 R4 examples, ../shared/corpus/fhir):
 * nobody planted anything here, so each input's own identifiers are harvested first (names and
 * their tokens, addresses, telecom, identifier values, birth dates) and must be gone from its output.
 * Each file is de-identified once (plus once more for determinism) and the results are shared by
 * its assertions.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/fhir');
const SECRET = new Uint8Array(32).map((_, i) => (i * 53 + 7) % 256);
const REFERENCE_DATE = '2025-01-01';
const MIN_RETENTION = 0.95;
/** Per-file retention is only meaningful with enough codes; the aggregate covers the rest. */
const MIN_CODES_PER_FILE = 20;
const FILE_TIMEOUT = 180_000;

function listBundles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? listBundles(full) : name.endsWith('.json') ? [full] : [];
    })
    .sort();
}

interface FileResult {
  /** The input passes the ingest validator (searchsets and responses do not: the engine may refuse them). */
  inputValid: boolean;
  /** Error code when the engine refused the input. */
  refused: string | undefined;
  harvested: number;
  leaks: Leak[];
  retention: Retention;
  integrityFailures: string[];
  inputResolved: number;
  deterministic: boolean;
  validity: string[];
}

const files = listBundles(CORPUS);
const results = new Map<string, FileResult>();

const errorCode = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : String(error);

function deidentify(input: unknown): { text: string; output: Record<string, unknown> } {
  const engine = createDeidEngine({
    contract: builtInProfile('safe-harbor'),
    secret: SECRET,
    keyId: 'corpus-test-key',
    referenceDate: REFERENCE_DATE,
  });
  const { output } = engine.deidentifyBundle(structuredClone(input));
  return { text: JSON.stringify(output), output };
}

function runFile(file: string): FileResult {
  const input: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const inputValid = validityProblems(input).length === 0;
  const harvested = harvestPhi(input);
  let first: { text: string; output: Record<string, unknown> };
  try {
    first = deidentify(input);
  } catch (error) {
    if (inputValid) throw error;
    return {
      inputValid,
      refused: errorCode(error),
      harvested: harvested.length,
      leaks: [],
      retention: { expected: 0, retained: 0, ratio: 1, missing: [] },
      integrityFailures: [],
      inputResolved: 0,
      deterministic: true,
      validity: [],
    };
  }
  const second = deidentify(input);
  const integrity = checkReferentialIntegrity(first.output, input);
  return {
    inputValid,
    refused: undefined,
    harvested: harvested.length,
    leaks: findLeaks(first.text, harvested),
    retention: codeRetention(input, first.output),
    integrityFailures: integrity.failures.map((f) => `${f.problem} at ${f.at}: ${f.detail}`),
    inputResolved: integrity.inputResolved,
    deterministic: first.text === second.text,
    validity: inputValid ? validityProblems(first.output) : [],
  };
}

describe.skipIf(files.length === 0)('safe-harbor over the FHIR corpus', () => {
  for (const file of files) {
    const name = path.relative(CORPUS, file);
    describe(name, () => {
      let result: FileResult | undefined;
      const get = (): FileResult => {
        if (result === undefined) throw new Error(`no result for ${name}`);
        return result;
      };
      beforeAll(() => {
        result = runFile(file);
        results.set(name, result);
      }, FILE_TIMEOUT);

      it('leaks none of its own identifiers', { timeout: FILE_TIMEOUT }, () => {
        const { leaks } = get();
        expect(leaks, describeLeaks(leaks)).toEqual([]);
      });

      it(`keeps at least ${MIN_RETENTION * 100}% of clinical codes`, { timeout: FILE_TIMEOUT }, () => {
        const { retention } = get();
        if (retention.expected < MIN_CODES_PER_FILE) return;
        expect(retention.ratio, JSON.stringify(retention.missing.slice(0, 20))).toBeGreaterThanOrEqual(
          MIN_RETENTION,
        );
      });

      it('keeps every reference that resolved in the input resolving', { timeout: FILE_TIMEOUT }, () => {
        expect(get().integrityFailures.slice(0, 30)).toEqual([]);
      });

      it('is deterministic', { timeout: FILE_TIMEOUT }, () => {
        expect(get().deterministic).toBe(true);
      });

      it('is valid R4 when the input was', { timeout: FILE_TIMEOUT }, () => {
        expect(get().validity).toEqual([]);
      });

      it('refuses only inputs the ingest validator refuses too', { timeout: FILE_TIMEOUT }, () => {
        const { inputValid, refused } = get();
        if (inputValid) expect(refused).toBeUndefined();
      });
    });
  }

  it(`keeps at least ${MIN_RETENTION * 100}% of clinical codes over the whole corpus`, () => {
    const all = [...results.values()];
    const expected = all.reduce((sum, r) => sum + r.retention.expected, 0);
    const retained = all.reduce((sum, r) => sum + r.retention.retained, 0);
    expect(results.size).toBe(files.length);
    expect(expected).toBeGreaterThan(0);
    expect(retained / expected).toBeGreaterThanOrEqual(MIN_RETENTION);
  });

  afterAll(() => {
    const all = [...results.values()];
    const expected = all.reduce((sum, r) => sum + r.retention.expected, 0);
    const retained = all.reduce((sum, r) => sum + r.retention.retained, 0);
    const leaks = all.reduce((sum, r) => sum + r.leaks.length, 0);
    const integrity = all.reduce((sum, r) => sum + r.integrityFailures.length, 0);
    const refused = all.filter((r) => r.refused !== undefined).length;
    // One summary line for the run log: counts only.
    process.stdout.write(
      `deid-corpus: ${results.size} files, ${leaks} leaks, retention ${((100 * retained) / Math.max(expected, 1)).toFixed(2)}% of ${expected} codes, ${integrity} integrity failures, ${refused} refused\n`,
    );
  });
});
