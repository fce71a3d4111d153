import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSelectors } from '../../../shared/core/deid/compile.js';
import { builtInProfile, ConsumerContractSchema, parseContract } from '../../../shared/core/deid/contract.js';
import { isPipelineError } from '../../../shared/core/errors.js';
import { contractFile, REPO } from './support/deid-fixtures.js';

const FIXTURES = join(REPO, 'test/fixtures/contracts');

/** Each invalid fixture and the contract field its error must name. */
const EXPECTED_FIELD: readonly (readonly [string, string])[] = [
  ['unknown-field', 'frobnicate'],
  ['missing-schema-version', 'schemaVersion'],
  ['wrong-schema-version', 'schemaVersion'],
  ['bad-name', 'name'],
  ['bad-version', 'version'],
  ['unknown-profile', 'profile'],
  ['no-profile', 'profile'],
  ['extends-profile-mismatch', 'profile'],
  ['unknown-resource-type', 'resources.Patien'],
  ['bundle-listed', 'resources.Bundle'],
  ['unknown-element', 'resources.Patient.elements[1]'],
  ['element-path-syntax', 'resources.Patient.elements[0]'],
  ['choice-without-type', 'resources.Observation.elements[5]'],
  ['primitive-subpath', 'resources.Patient.elements[2]'],
  ['elements-not-array', 'resources.Patient.elements'],
  ['missing-required', 'resources.Observation.elements'],
  ['unknown-method', 'rules[0].method'],
  ['rule-missing-path', 'rules[0].path'],
  ['rule-type-not-allowed', 'rules[0].path'],
  ['rule-unknown-element', 'rules[0].path'],
  ['rule-generalize-unknown-target', 'rules[0].to'],
  ['rule-generalize-incompatible', 'rules[0].method'],
  ['rule-duplicate-path', 'rules[1].path'],
  ['rule-extra-field', 'rules[0].to'],
  ['substitute-type-mismatch', 'rules[0].value'],
  ['scrub-incompatible', 'rules[0].method'],
  ['safe-harbor-date-shift', 'dates.method'],
  ['safe-harbor-keep-dates', 'dates.method'],
  ['safe-harbor-date-shift-rule', 'rules[0].method'],
  ['safe-harbor-pseudonymize-rule', 'rules[0].method'],
  ['safe-harbor-zip-keep', 'zip.method'],
  ['safe-harbor-ages-keep', 'ages.over89'],
  ['safe-harbor-identifiers', 'identifiers'],
  ['shift-without-range', 'dates.shift'],
  ['shift-min-above-max', 'dates.shift.minDays'],
  ['shift-range-too-wide', 'dates.shift.maxDays'],
  ['shift-fractional-days', 'dates.shift.minDays'],
  ['shift-range-only-zero', 'dates.shift.maxDays'],
  ['shift-rule-without-range', 'dates.shift'],
  ['bad-time-of-day', 'dates.shift.timeOfDay'],
  ['bad-extension-url', 'extensions[0]'],
  ['duplicate-extension', 'extensions[1]'],
  ['bad-restricted-list', 'zip.restrictedPrefixes'],
  ['bad-free-text', 'freeText'],
  ['bad-output-format', 'output.format'],
  ['kinds-unknown', 'kinds[1]'],
  ['kinds-duplicate', 'kinds'],
  ['claim-without-output', 'claims'],
  ['claims-without-kind', 'claims'],
  ['claims-bad-output', 'claims.output'],
  ['claims-x12-to-fhir-server', 'claims.output'],
  ['claims-keep-for-fhir', 'claims.keep'],
  ['claims-keep-bad-selector', 'claims.keep[1]'],
  ['not-an-object', '(root)'],
];

function contractError(
  json: unknown,
  source: string,
): { code: string; source: unknown; field: unknown; message: string } {
  try {
    parseContract(json, source);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    return {
      code: error.code,
      source: error.details?.source,
      field: error.details?.field,
      message: error.message,
    };
  }
  throw new Error(`${source} was accepted`);
}

describe('shipped contracts', () => {
  it.each(['analytics', 'research', 'billing'])('contracts/%s.json is valid and resolved', (name) => {
    const contract = contractFile(name);
    expect(contract.name).toBe(name);
    expect(contract.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(contract.profile).toBeDefined();
    expect(contract.extends).toBeUndefined();
    expect(ConsumerContractSchema.safeParse(contract).success).toBe(true);
  });

  it('all take bundles and claims: billing as X12, analytics and research as FHIR', () => {
    expect(contractFile('billing')).toMatchObject({ kinds: ['bundle', 'claim'], claims: { output: 'x12' } });
    expect(contractFile('billing').claims?.keep).toContain('2400/SV1');
    for (const name of ['analytics', 'research']) {
      expect(contractFile(name)).toMatchObject({ kinds: ['bundle', 'claim'], claims: { output: 'fhir' } });
    }
  });

  it('a contract that names no kinds takes bundles only', () => {
    const contract = parseContract(
      { schemaVersion: 1, name: 'bundles-only', version: '1.0.0', extends: 'safe-harbor' },
      'bundles-only.json',
    );
    expect(contract.kinds).toEqual(['bundle']);
    expect(contract.claims).toBeUndefined();
  });

  it('analytics is Safe Harbor delivered as NDJSON; research and billing are limited data sets', () => {
    expect(contractFile('analytics')).toMatchObject({ profile: 'safe-harbor', output: { format: 'ndjson' } });
    expect(contractFile('research')).toMatchObject({
      profile: 'limited-data-set',
      dates: { method: 'shift' },
    });
    expect(Object.keys(contractFile('billing').resources ?? {}).sort()).toEqual([
      'Claim',
      'Coverage',
      'ExplanationOfBenefit',
      'Organization',
      'Patient',
    ]);
  });

  it('research drops the resource types it names and keeps the rest of its profile', () => {
    const research = contractFile('research');
    const profile = builtInProfile('limited-data-set');
    expect(research.resources?.RelatedPerson).toBeUndefined();
    expect(research.resources?.Observation).toEqual(profile.resources?.Observation);
  });

  it.each(['safe-harbor', 'limited-data-set'] as const)('built-in profile %s is a valid contract', (name) => {
    const profile = builtInProfile(name);
    expect(profile.profile).toBe(name);
    expect(Object.keys(profile.resources ?? {})).toContain('Observation');
    expect(Object.keys(profile.resources ?? {})).not.toContain('Binary');
    // Resolving a resolved contract changes nothing.
    expect(parseContract(profile, 'again')).toEqual(profile);
  });

  it('Safe Harbor zeroes the ZIP3 prefixes of every census list by default (HHS lists the 2000 ones)', () => {
    expect(builtInProfile('safe-harbor').zip).toEqual({ method: 'zip3', restrictedPrefixes: 'union' });
    const bare = parseContract(
      { schemaVersion: 1, name: 'bare', version: '1.0.0', profile: 'safe-harbor' },
      'bare',
    );
    expect(bare.zip).toEqual({ method: 'zip3', restrictedPrefixes: 'union' });
    const compiled = compileSelectors(builtInProfile('safe-harbor'));
    for (const prefix of ['063', '790', '830', '831', '890', '036', '202', '753', '205']) {
      expect(compiled.restrictedZip.has(prefix)).toBe(true);
    }
    const noZip = { ...bare };
    delete noZip.zip;
    expect(compileSelectors(noZip).restrictedZip.has('790')).toBe(true);
  });

  it('hands out copies of built-in profiles', () => {
    const a = builtInProfile('safe-harbor');
    a.extensions?.push('http://example.org/x');
    expect(builtInProfile('safe-harbor').extensions).not.toContain('http://example.org/x');
  });
});

describe('invalid contracts', () => {
  it('has one fixture per case, and every case is listed', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    expect(files).toEqual(EXPECTED_FIELD.map(([name]) => name).sort());
  });

  it.each(EXPECTED_FIELD)('%s names the file and the field %s', (name, field) => {
    const source = `${name}.json`;
    const json: unknown = JSON.parse(readFileSync(join(FIXTURES, source), 'utf8'));
    const error = contractError(json, source);
    expect(error.code).toBe('contract-invalid');
    expect(error.source).toBe(source);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${source}: ${field}: `)).toBe(true);
  });

  it('never quotes a value from the contract in the problem', () => {
    const error = contractError(
      { schemaVersion: 1, name: 'x', version: '1.0.0', profile: 'safe-harbor', freeText: 'SECRET-VALUE-123' },
      'c.json',
    );
    expect(error.message).not.toContain('SECRET-VALUE-123');
  });
});
