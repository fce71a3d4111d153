import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtInProfile, parseContract } from '../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../shared/core/deid/engine.js';
import {
  checkReferentialIntegrity,
  codeRetention,
  describeLeaks,
  findLeaks,
  type Leak,
  referencesIn,
  resourcesOf,
  validityProblems,
} from '../helpers/leak-check.js';
import {
  bundleToNdjsonResources,
  type Planted,
  type PlantedBundle,
  type PlantedKind,
  plantPhiBundle,
} from '../helpers/phi-planter.js';

/**
 * Adversarial de-identification tests: Bundles with canary PHI planted in 150+ places (see
 * test/helpers/phi-planter.ts) go through every built-in profile and every shipped contract; the
 * output must leak nothing the contract's profile forbids, keep clinical codes and references, be
 * valid R4, and be the same on every run, for Bundles and for NDJSON lines alike.
 */

type Contract = ReturnType<typeof builtInProfile>;
type JsonRecord = Record<string, unknown>;

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEEDS = [101, 202, 303, 404, 505, 606];
const SECRET = new Uint8Array(32).map((_, i) => (i * 37 + 11) % 256);
const KEY_ID = 'adversarial-test-key';
const MIN_RETENTION = 0.95;
const DAY_MS = 86_400_000;

/**
 * What each HIPAA profile lets through. Safe Harbor (164.514(b)(2)): nothing planted may survive,
 * dates only as a year. A limited data set (164.514(e)(2)) may keep dates (shifted or not), ages,
 * town or city, state, ZIP code and county; the 16 direct identifiers must still go, for the
 * individual and for relatives, employers and household members. Precise geocodes (lat/long) are
 * street-level location, so they stay forbidden.
 */
const LDS_ALLOWED: ReadonlySet<PlantedKind> = new Set([
  'birth-date',
  'date',
  'free-text-date',
  'age-over-89',
  'birth-year-over-89',
  'city',
  'district',
  'zip',
  'zip-restricted',
  'other-id',
]);

const forbiddenFor = (profile: string, planted: readonly Planted[]): Planted[] =>
  profile === 'safe-harbor' ? [...planted] : planted.filter((item) => !LDS_ALLOWED.has(item.kind));

interface Target {
  name: string;
  contract: Contract;
}

function targets(): Target[] {
  const list: Target[] = [
    { name: 'profile safe-harbor', contract: builtInProfile('safe-harbor') },
    { name: 'profile limited-data-set', contract: builtInProfile('limited-data-set') },
  ];
  for (const file of ['analytics.json', 'research.json', 'billing.json']) {
    const full = path.join(REPO_ROOT, 'contracts', file);
    if (!existsSync(full)) continue;
    list.push({
      name: `contract ${file}`,
      contract: parseContract(JSON.parse(readFileSync(full, 'utf8')), file),
    });
  }
  return list;
}

const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const newEngine = (contract: Contract, referenceDate: string) =>
  createDeidEngine({ contract, secret: SECRET, keyId: KEY_ID, referenceDate });

interface Run {
  planted: PlantedBundle;
  output: JsonRecord;
  outputText: string;
  reportText: string;
  secondRunText: string;
  ndjsonInput: JsonRecord[];
  /** One entry per input line; undefined where the engine dropped the resource. */
  ndjsonOutput: Array<JsonRecord | undefined>;
  ndjsonReportText: string;
  ndjsonSecondRunText: string;
  /** The same lines de-identified one at a time, without the file's context. */
  loneOutput: Array<JsonRecord | undefined>;
}

/** Runs the engine once per seed and target, lazily, so each assertion reuses the same outputs. */
function runner(contract: Contract): (seed: number) => Run {
  const cache = new Map<number, Run>();
  return (seed) => {
    const cached = cache.get(seed);
    if (cached !== undefined) return cached;
    const planted = plantPhiBundle(seed);
    const first = newEngine(contract, planted.referenceDate).deidentifyBundle(
      structuredClone(planted.bundle),
    );
    const second = newEngine(contract, planted.referenceDate).deidentifyBundle(
      structuredClone(planted.bundle),
    );
    const ndjsonInput = bundleToNdjsonResources(planted.bundle);
    // An NDJSON file is read whole: the identifiers of all its lines are the context for each line.
    const lineEngine = newEngine(contract, planted.referenceDate);
    const context = lineEngine.collectContext(ndjsonInput.map((resource) => structuredClone(resource)));
    // …and the resources of all its lines are the submission references resolve in.
    const submission = lineEngine.collectSubmission(ndjsonInput);
    const lines = ndjsonInput.map((resource) =>
      lineEngine.deidentifyResource(structuredClone(resource), { context, submission }),
    );
    const otherLineEngine = newEngine(contract, planted.referenceDate);
    const otherContext = otherLineEngine.collectContext(
      ndjsonInput.map((resource) => structuredClone(resource)),
    );
    const linesAgain = ndjsonInput.map((resource) =>
      otherLineEngine.deidentifyResource(structuredClone(resource), { context: otherContext, submission }),
    );
    // A caller that streams lines one by one has no file context.
    const lone = ndjsonInput.map(
      (resource) => lineEngine.deidentifyResource(structuredClone(resource)).output,
    );
    const run: Run = {
      planted,
      output: first.output,
      outputText: JSON.stringify(first.output),
      reportText: JSON.stringify(first.report),
      secondRunText: JSON.stringify(second.output),
      ndjsonInput,
      ndjsonOutput: lines.map((line) => line.output),
      ndjsonReportText: JSON.stringify(lines.map((line) => line.report)),
      ndjsonSecondRunText: linesAgain.map((line) => JSON.stringify(line.output ?? null)).join('\n'),
      loneOutput: lone,
    };
    cache.set(seed, run);
    return run;
  };
}

const ndjsonText = (lines: ReadonlyArray<JsonRecord | undefined>): string =>
  lines
    .filter(isRecord)
    .map((line) => JSON.stringify(line))
    .join('\n');

const withSeed = (seed: number, leaks: readonly Leak[]): Leak[] =>
  leaks.map((leak) => ({ ...leak, at: `seed ${seed}: ${leak.at}` }));

// ---------------------------------------------------------------------------------------------
// Patient linkage and dates
// ---------------------------------------------------------------------------------------------

/** Which planted patient (if any) a resource belongs to: the Patient itself, or its subject/patient/beneficiary. */
function ownerOf(resource: JsonRecord, planted: PlantedBundle): 'primary' | 'elderly' | undefined {
  const { primary, elderly } = planted.patients;
  if (resource.resourceType === 'Patient') {
    if (resource.id === primary.id) return 'primary';
    if (resource.id === elderly.id) return 'elderly';
  }
  for (const key of ['subject', 'patient', 'beneficiary']) {
    const ref = resource[key];
    const reference = isRecord(ref) && typeof ref.reference === 'string' ? ref.reference : '';
    if (
      reference === `Patient/${primary.id}` ||
      reference === primary.fullUrl ||
      reference.endsWith(`|${primary.id}`)
    ) {
      return 'primary';
    }
    if (reference === `Patient/${elderly.id}` || reference === elderly.fullUrl) return 'elderly';
  }
  return undefined;
}

const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})/;
const FHIR_DATE = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Pairs of (input date, output date) at the same element path, extensions left out (their order may change). */
function datePairs(
  input: unknown,
  output: unknown,
  at: string,
  pairs: Array<[string, string, string]>,
): void {
  if (typeof input === 'string' && typeof output === 'string') {
    if (DATE_PREFIX.test(input) && FHIR_DATE.test(input) && FHIR_DATE.test(output))
      pairs.push([at, input, output]);
    return;
  }
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((item, i) => {
      datePairs(item, output[i], `${at}[${i}]`, pairs);
    });
    return;
  }
  if (isRecord(input) && isRecord(output)) {
    for (const [key, child] of Object.entries(input)) {
      if (key === 'extension' || key === 'modifierExtension' || key.startsWith('_')) continue;
      datePairs(child, output[key], `${at}.${key}`, pairs);
    }
  }
}

const HAS_TIME = /T\d{2}:\d{2}/;
const GENERALISED = /^\d{4}(-01-01(T00:00(:00(\.0+)?)?(Z|[+-]00:00)?)?)?$/;

/** Days between two dates: instants when both carry a time (time zones may be rewritten), else calendar days. */
function offsetDays(input: string, output: string): number | undefined {
  if (HAS_TIME.test(input) && HAS_TIME.test(output)) {
    const diff = (Date.parse(output) - Date.parse(input)) / DAY_MS;
    return Number.isNaN(diff) ? undefined : Math.round(diff * 1000) / 1000;
  }
  const a = DATE_PREFIX.exec(input);
  const b = DATE_PREFIX.exec(output);
  if (a === null || b === null) return undefined;
  return (
    (Date.UTC(Number(b[1]), Number(b[2]) - 1, Number(b[3])) -
      Date.UTC(Number(a[1]), Number(a[2]) - 1, Number(a[3]))) /
    DAY_MS
  );
}

/**
 * Per patient, the distinct day offsets applied to its dates, with one example each. Year-only
 * outputs and years padded to 1 January are generalisations, not shifts (canary dates are never 1 January).
 */
function dateOffsets(
  pairs: ReadonlyArray<{ owner: string; at: string; input: string; output: string }>,
): Map<string, Map<number, string>> {
  const offsets = new Map<string, Map<number, string>>();
  for (const { owner, at, input, output } of pairs) {
    if (GENERALISED.test(output)) continue;
    const offset = offsetDays(input, output);
    if (offset === undefined) continue;
    const byOffset = offsets.get(owner) ?? new Map<number, string>();
    if (!byOffset.has(offset)) byOffset.set(offset, `${at} ${input} -> ${output}`);
    offsets.set(owner, byOffset);
  }
  return offsets;
}

/** Input and output resources matched as the integrity check does: in order, by resourceType. */
function pairResources(
  input: readonly JsonRecord[],
  output: readonly JsonRecord[],
): Array<[JsonRecord, JsonRecord]> {
  const pairs: Array<[JsonRecord, JsonRecord]> = [];
  let j = 0;
  for (const resource of input) {
    let match = j;
    while (match < output.length && output[match]?.resourceType !== resource.resourceType) match++;
    const out = output[match];
    if (out === undefined) continue;
    pairs.push([resource, out]);
    j = match + 1;
  }
  return pairs;
}

function ownedDatePairs(run: Run, resourcePairs: ReadonlyArray<[JsonRecord, JsonRecord]>) {
  const result: Array<{ owner: string; at: string; input: string; output: string }> = [];
  for (const [input, output] of resourcePairs) {
    const owner = ownerOf(input, run.planted);
    if (owner === undefined) continue;
    const pairs: Array<[string, string, string]> = [];
    datePairs(input, output, String(input.resourceType), pairs);
    for (const [at, from, to] of pairs) result.push({ owner, at, input: from, output: to });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The generator itself (so the tests above it can fail)
// ---------------------------------------------------------------------------------------------

describe('phi-planter (the adversary)', () => {
  it('plants canaries in at least 35 distinct places and 25 kinds of PHI', () => {
    const { planted } = plantPhiBundle(SEEDS[0] ?? 1);
    expect(new Set(planted.map((item) => item.place)).size).toBeGreaterThanOrEqual(35);
    expect(new Set(planted.map((item) => item.kind)).size).toBeGreaterThanOrEqual(25);
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(JSON.stringify(plantPhiBundle(7))).toBe(JSON.stringify(plantPhiBundle(7)));
    expect(JSON.stringify(plantPhiBundle(7).bundle)).not.toBe(JSON.stringify(plantPhiBundle(8).bundle));
  });

  it.each(SEEDS)('seed %i: the leak check finds every planted value in the untouched input', (seed) => {
    const { bundle, planted } = plantPhiBundle(seed);
    const found = new Set(
      findLeaks(JSON.stringify(bundle), planted).map((leak) => `${leak.kind}|${leak.value}`),
    );
    const missed = planted.filter((item) => !found.has(`${item.kind}|${item.value}`));
    expect(missed).toEqual([]);
  });

  it.each(SEEDS)('seed %i: input is valid R4 and all its references resolve in the Bundle', (seed) => {
    const { bundle, keepCodes } = plantPhiBundle(seed);
    expect(validityProblems(bundle)).toEqual([]);
    const integrity = checkReferentialIntegrity(bundle, bundle);
    expect(integrity.failures).toEqual([]);
    expect(integrity.inputResolved).toBeGreaterThanOrEqual(35);
    expect(codeRetention(keepCodes, bundle).ratio).toBe(1);
  });

  it('the leak check reports nothing on a copy with every string and number replaced', () => {
    const { bundle, planted } = plantPhiBundle(SEEDS[1] ?? 2);
    const blank = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(blank)
        : isRecord(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v)]))
          : typeof value === 'string'
            ? 'redacted'
            : typeof value === 'number'
              ? 0
              : value;
    expect(findLeaks(JSON.stringify(blank(bundle)), planted)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every profile and shipped contract
// ---------------------------------------------------------------------------------------------

for (const target of targets()) {
  const profile = String(target.contract.profile);
  const run = runner(target.contract);
  const allowedTypes = new Set(
    Object.entries(target.contract.resources ?? {})
      .filter(([, allow]) => allow !== 'drop')
      .map(([type]) => type),
  );

  const restrictive = allowedTypes.size < 100;
  /** Whether the contract lets the element holding a reference through (`Patient.managingOrganization`). */
  const elementAllowed = (referenceKey: string): boolean => {
    const [type = '', ...rest] = referenceKey.split(' ').at(-1)?.split('.') ?? [];
    const allow = target.contract.resources?.[type];
    if (allow === undefined || allow === 'drop') return false;
    const path = rest.join('.');
    return allow.elements.some((e) => path === e || path.startsWith(`${e}.`));
  };

  describe(`${target.name} (profile ${profile})`, () => {
    it(`Bundle output leaks nothing profile ${profile} forbids`, { timeout: 120_000 }, () => {
      const leaks = SEEDS.flatMap((seed) => {
        const r = run(seed);
        return withSeed(seed, findLeaks(r.outputText, forbiddenFor(profile, r.planted.planted)));
      });
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    });

    it('NDJSON output (deidentifyResource per line, with the file context) leaks nothing the profile forbids', {
      timeout: 120_000,
    }, () => {
      const leaks = SEEDS.flatMap((seed) => {
        const r = run(seed);
        return withSeed(
          seed,
          findLeaks(ndjsonText(r.ndjsonOutput), forbiddenFor(profile, r.planted.planted)),
        );
      });
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    });

    it('a lone resource (deidentifyResource without file context) leaks nothing the profile forbids', {
      timeout: 120_000,
    }, () => {
      const leaks = SEEDS.flatMap((seed) => {
        const r = run(seed);
        return withSeed(seed, findLeaks(ndjsonText(r.loneOutput), forbiddenFor(profile, r.planted.planted)));
      });
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    });

    it('transform reports hold no planted value at all (they are logged and audited)', {
      timeout: 120_000,
    }, () => {
      const leaks = SEEDS.flatMap((seed) => {
        const r = run(seed);
        return withSeed(seed, [
          ...findLeaks(r.reportText, r.planted.planted),
          ...findLeaks(r.ndjsonReportText, r.planted.planted),
        ]);
      });
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    });

    it('outputs only resource types the contract allows', { timeout: 120_000 }, () => {
      const extra = SEEDS.flatMap((seed) => {
        const r = run(seed);
        return [...resourcesOf(r.output), ...r.ndjsonOutput.filter(isRecord)]
          .map((resource) => String(resource.resourceType))
          .filter((type) => !allowedTypes.has(type))
          .map((type) => `seed ${seed}: ${type}`);
      });
      expect(extra).toEqual([]);
    });

    it('keeps references intact: every reference that resolved in the input resolves in the output', {
      timeout: 120_000,
    }, () => {
      const failures = SEEDS.flatMap((seed) => {
        const r = run(seed);
        const found = [
          ...checkReferentialIntegrity(r.output, r.planted.bundle).failures.map((f) => ({
            ...f,
            in: 'bundle',
          })),
          ...checkReferentialIntegrity(r.ndjsonOutput.filter(isRecord), r.ndjsonInput).failures.map((f) => ({
            ...f,
            in: 'ndjson',
          })),
        ];
        // Dropping a resource that carries an unknown modifierExtension is correct (FHIR R4 §2.4.1), and
        // references into resource types, or held by elements, the contract does not allow go with
        // them; nothing may dangle or point elsewhere.
        const modifierEntries = new Set(
          resourcesOf(r.planted.bundle).flatMap((res, i) =>
            res.modifierExtension === undefined ? [] : [`entry[${i}]`],
          ),
        );
        return found
          .filter(
            (f) =>
              f.problem !== 'lost' ||
              (!modifierEntries.has(f.at) &&
                (f.targetType === undefined || allowedTypes.has(f.targetType)) &&
                (!f.at.includes(' ') || elementAllowed(f.at))),
          )
          .map((f) => `seed ${seed} ${f.in}: ${f.problem} at ${f.at}: ${f.detail}`);
      });
      expect(failures).toEqual([]);
    });

    it('Bundle output is valid R4 (the ingest validator accepts it)', { timeout: 120_000 }, () => {
      const problems = SEEDS.flatMap((seed) =>
        validityProblems(run(seed).output).map((p) => `seed ${seed}: ${p}`),
      );
      expect(problems).toEqual([]);
    });

    it('NDJSON lines are valid R4 resources', { timeout: 120_000 }, () => {
      const problems = SEEDS.flatMap((seed) =>
        validityProblems(run(seed).ndjsonOutput.filter(isRecord)).map((p) => `seed ${seed}: ${p}`),
      );
      expect(problems).toEqual([]);
    });

    it('is deterministic: two engines, same input, byte-identical output', { timeout: 120_000 }, () => {
      for (const seed of SEEDS) {
        const r = run(seed);
        expect(r.secondRunText, `seed ${seed} bundle`).toBe(r.outputText);
        expect(r.ndjsonSecondRunText, `seed ${seed} ndjson`).toBe(
          r.ndjsonOutput.map((line) => JSON.stringify(line ?? null)).join('\n'),
        );
      }
    });

    if (!restrictive) {
      it(`keeps at least ${MIN_RETENTION * 100}% of clinical codes`, { timeout: 120_000 }, () => {
        for (const seed of SEEDS) {
          const r = run(seed);
          const bundle = codeRetention(r.planted.keepCodes, r.output);
          expect(
            bundle.ratio,
            `seed ${seed} bundle missing ${JSON.stringify(bundle.missing)}`,
          ).toBeGreaterThanOrEqual(MIN_RETENTION);
          const lines = codeRetention(r.planted.keepCodes, r.ndjsonOutput.filter(isRecord));
          expect(
            lines.ratio,
            `seed ${seed} ndjson missing ${JSON.stringify(lines.missing)}`,
          ).toBeGreaterThanOrEqual(MIN_RETENTION);
        }
      });
    } else {
      it('keeps the clinical codes of the resource types it allows', { timeout: 120_000 }, () => {
        for (const seed of SEEDS) {
          const r = run(seed);
          const allowedInput = resourcesOf(r.planted.bundle).filter((res) =>
            allowedTypes.has(String(res.resourceType)),
          );
          const retention = codeRetention(allowedInput, r.output);
          expect(
            retention.ratio,
            `seed ${seed} missing ${JSON.stringify(retention.missing)}`,
          ).toBeGreaterThanOrEqual(MIN_RETENTION);
        }
      });
    }

    it('NDJSON: every line of the same patient points at the same pseudonymous Patient', {
      timeout: 120_000,
    }, () => {
      const problems: string[] = [];
      for (const seed of SEEDS) {
        const r = run(seed);
        for (const which of ['primary', 'elderly'] as const) {
          const inputId = r.planted.patients[which].id;
          const index = r.ndjsonInput.findIndex(
            (res) => res.resourceType === 'Patient' && res.id === inputId,
          );
          const outPatient = r.ndjsonOutput[index];
          if (!isRecord(outPatient) || typeof outPatient.id !== 'string') {
            problems.push(`seed ${seed}: ${which} Patient line has no output id`);
            continue;
          }
          const expected = `Patient/${outPatient.id}`;
          r.ndjsonInput.forEach((input, i) => {
            const output = r.ndjsonOutput[i];
            if (!isRecord(output)) return;
            const keys = new Set(
              referencesIn(input)
                .filter((ref) => ref.reference === `Patient/${inputId}`)
                .map((ref) => ref.key),
            );
            for (const ref of referencesIn(output)) {
              if (keys.has(ref.key) && ref.reference.startsWith('Patient/') && ref.reference !== expected) {
                problems.push(
                  `seed ${seed}: line ${i} ${ref.at} = ${ref.reference}, Patient line is ${expected}`,
                );
              }
            }
          });
        }
      }
      expect(problems).toEqual([]);
    });

    it('the same patient gets one date shift across all its resources (Bundle and NDJSON)', {
      timeout: 120_000,
    }, () => {
      const problems: string[] = [];
      for (const seed of SEEDS) {
        const r = run(seed);
        const bundlePairs = ownedDatePairs(
          r,
          pairResources(resourcesOf(r.planted.bundle), resourcesOf(r.output)),
        );
        const linePairs = ownedDatePairs(
          r,
          r.ndjsonInput.flatMap((input, i): Array<[JsonRecord, JsonRecord]> => {
            const output = r.ndjsonOutput[i];
            return isRecord(output) ? [[input, output]] : [];
          }),
        );
        for (const [label, pairs] of [
          ['bundle', bundlePairs],
          ['ndjson', linePairs],
        ] as const) {
          for (const [owner, offsets] of dateOffsets(pairs)) {
            if (offsets.size > 1) {
              problems.push(`seed ${seed} ${label} ${owner}: offsets ${[...offsets.values()].join(' | ')}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    if (profile === 'safe-harbor') {
      it('Safe Harbor: patient-linked dates keep the year only (164.514(b)(2)(i)(C))', {
        timeout: 120_000,
      }, () => {
        const problems: string[] = [];
        for (const seed of SEEDS) {
          const r = run(seed);
          const pairs = [
            ...ownedDatePairs(r, pairResources(resourcesOf(r.planted.bundle), resourcesOf(r.output))),
            ...ownedDatePairs(
              r,
              r.ndjsonInput.flatMap((input, i): Array<[JsonRecord, JsonRecord]> => {
                const output = r.ndjsonOutput[i];
                return isRecord(output) ? [[input, output]] : [];
              }),
            ),
          ];
          for (const { at, output } of pairs) {
            // A year, or a year padded to a full date or instant on 1 January, carries no month or day.
            if (!GENERALISED.test(output)) {
              problems.push(`seed ${seed}: ${at} = ${output}`);
            }
          }
        }
        expect(problems).toEqual([]);
      });
    }

    if (profile === 'limited-data-set') {
      it('limited data set: the same patient gets the same pseudonym and date shift in Bundle and NDJSON', {
        timeout: 120_000,
      }, () => {
        const problems: string[] = [];
        for (const seed of SEEDS) {
          const r = run(seed);
          const bundlePatients = resourcesOf(r.output).filter((res) => res.resourceType === 'Patient');
          const linePatients = r.ndjsonOutput
            .filter(isRecord)
            .filter((res) => res.resourceType === 'Patient');
          const ids = (list: JsonRecord[]) => list.map((res) => String(res.id)).sort();
          if (JSON.stringify(ids(bundlePatients)) !== JSON.stringify(ids(linePatients))) {
            problems.push(
              `seed ${seed}: Patient ids ${ids(bundlePatients).join(',')} vs ${ids(linePatients).join(',')}`,
            );
          }
          const bundleOffsets = dateOffsets(
            ownedDatePairs(r, pairResources(resourcesOf(r.planted.bundle), resourcesOf(r.output))),
          );
          const lineOffsets = dateOffsets(
            ownedDatePairs(
              r,
              r.ndjsonInput.flatMap((input, i): Array<[JsonRecord, JsonRecord]> => {
                const output = r.ndjsonOutput[i];
                return isRecord(output) ? [[input, output]] : [];
              }),
            ),
          );
          for (const [owner, offsets] of bundleOffsets) {
            const a = [...offsets.keys()].join(',');
            const b = [...(lineOffsets.get(owner)?.keys() ?? [])].join(',');
            if (a !== b)
              problems.push(`seed ${seed} ${owner}: bundle shift ${a} days, ndjson shift ${b} days`);
          }
        }
        expect(problems).toEqual([]);
      });
    }
  });
}
