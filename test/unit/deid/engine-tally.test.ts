import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeReports } from '../../../shared/core/deid/report.js';
import { isPipelineError } from '../../../shared/core/errors.js';
import { corpusBundles, engineFor, entries, isJson, type Json } from './support/deid-fixtures.js';

/**
 * The engine's report tally (one report for many calls, the NDJSON path of `phi deid`) and the
 * reference map it keeps per submission: both must give exactly what one call at a time gives.
 */
const lines = (file: string, count: number): Json[] => {
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as Json;
  return entries(bundle)
    .map((entry) => entry.resource)
    .filter(isJson)
    .slice(0, count);
};

describe('report tally', () => {
  const files = corpusBundles().filter((f) => f.includes('synthea'));
  // Several corpus patients, each with its own mix of resource types.
  const samples = [files[0], files[Math.floor(files.length / 2)], files[files.length - 1]].filter(
    (f): f is string => f !== undefined,
  );

  it.skipIf(samples.length === 0)(
    'a tally sums the lines as mergeReports of one report per line does, outputs unchanged',
    () => {
      for (const [file, profile] of samples.flatMap((f) =>
        ['safe-harbor', 'limited-data-set'].map((p) => [f, p] as const),
      )) {
        const resources = lines(file, 120);
        expect(resources.length).toBeGreaterThan(10);
        const alone = engineFor(profile);
        const submission = alone.collectSubmission(resources);
        const context = alone.collectContext(resources);
        const one = resources.map((r) => alone.deidentifyResource(r, { context, submission }));

        const tallied = engineFor(profile);
        const tally = tallied.newTally();
        const many = resources.map((r) =>
          tallied.deidentifyResource(r, {
            context: tallied.collectContext(resources),
            submission: tallied.collectSubmission(resources),
            tally,
          }),
        );
        expect(many.map((r) => JSON.stringify(r.output))).toEqual(one.map((r) => JSON.stringify(r.output)));
        const merged = mergeReports(one.map((r) => r.report));
        expect(tally.build()).toEqual(merged);
        // A result read with a tally reports what the tally holds.
        expect(many.at(-1)?.report).toEqual(merged);
      }
    },
  );

  it.skipIf(samples.length === 0)('a Bundle counted into a tally gives the report it gives alone', () => {
    const file = samples[0] ?? '';
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const alone = engineFor('safe-harbor').deidentifyBundle(bundle);
    const engine = engineFor('safe-harbor');
    const tally = engine.newTally();
    const tallied = engine.deidentifyBundle(bundle, { tally });
    expect(JSON.stringify(tallied.output)).toEqual(JSON.stringify(alone.output));
    expect(tally.build()).toEqual(alone.report);
  });

  it('a tally of another engine (or a made-up one) is refused', () => {
    const a = engineFor('safe-harbor');
    const b = engineFor('safe-harbor');
    for (const tally of [a.newTally(), { build: () => a.emptyReport() }]) {
      let code: string | undefined;
      try {
        b.deidentifyResource({ resourceType: 'Observation', id: 'x' }, { tally });
      } catch (error) {
        code = isPipelineError(error) ? error.code : 'other';
      }
      expect(code).toBe('config-invalid');
    }
  });

  it('an empty tally builds the empty report', () => {
    const engine = engineFor('safe-harbor');
    expect(engine.newTally().build()).toEqual(engine.emptyReport());
  });
});

describe('the reference map kept per submission', () => {
  const observation = (id: string, patient: string): Json => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'x' },
    subject: { reference: `Patient/${patient}` },
  });

  it('a submission that grows between lines resolves the new targets (no stale answer)', () => {
    const engine = engineFor('safe-harbor');
    const submission = engine.collectSubmission([observation('o1', 'p1')]);
    const subject = (r: Json | undefined) => (isJson(r?.subject) ? String(r.subject.reference) : '');
    const before = subject(engine.deidentifyResource(observation('o1', 'p1'), { submission }).output);
    expect(before.startsWith('https://external.invalid/Patient/')).toBe(true);
    submission.add({ resourceType: 'Patient', id: 'p1' });
    const after = subject(engine.deidentifyResource(observation('o1', 'p1'), { submission }).output);
    expect(after.startsWith('Patient/')).toBe(true);
    // The same target either way: only where it resolves changed.
    expect(after.slice('Patient/'.length)).toBe(before.slice(before.lastIndexOf('/') + 1));
    // And a fresh engine, given the grown submission from the start, agrees.
    const fresh = engineFor('safe-harbor');
    expect(subject(fresh.deidentifyResource(observation('o1', 'p1'), { submission }).output)).toBe(after);
  });

  it('lines of several patients resolve as they do one engine per line', () => {
    const ids = ['p1', 'p2', 'p3'];
    const resources: Json[] = [
      ...ids.map((id) => ({ resourceType: 'Patient', id })),
      ...ids.flatMap((p, i) => [
        observation(`o${i}a`, p),
        observation(`o${i}b`, p),
        observation(`o${i}c`, 'gone'),
      ]),
    ];
    const shared = engineFor('safe-harbor');
    const submission = shared.collectSubmission(resources);
    const got = resources.map((r) => JSON.stringify(shared.deidentifyResource(r, { submission }).output));
    const want = resources.map((r) => {
      const engine = engineFor('safe-harbor');
      return JSON.stringify(
        engine.deidentifyResource(r, { submission: engine.collectSubmission(resources) }).output,
      );
    });
    expect(got).toEqual(want);
  });
});
