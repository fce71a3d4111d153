import type { z } from 'zod';
import { PipelineError } from '../errors.js';
import { compileSelectors } from './compile.js';
import {
  type ConsumerContract,
  ConsumerContractSchema,
  PROFILES,
  type ProfileName,
} from './contract-schema.js';
import { isResourceType } from './model.js';
import limitedDataSetProfile from './profiles/limited-data-set.json' with { type: 'json' };
import safeHarborProfile from './profiles/safe-harbor.json' with { type: 'json' };
import { ContractFieldError } from './selectors.js';
import { compileX12Selectors } from './x12/selectors.js';

export * from './contract-schema.js';

/**
 * Consumer contracts: what one consumer may receive, as a versioned JSON file (docs/contracts.md).
 * The schema checks shape; `resolveContract` then merges `extends`, applies the profile's limits and
 * compiles every path against the R4 model, so each mistake is reported once, naming the file and the
 * field. Built-in profiles are contract files of the same schema.
 */
/** Settings a contract may leave out: the strictest choice, whatever the profile. */
const SAFE_DEFAULTS = {
  dates: { method: 'year' },
  zip: { method: 'zip3', restrictedPrefixes: 'union' },
  ages: { over89: 'aggregate' },
  freeText: 'drop',
  identifiers: 'drop',
  output: { format: 'same' },
  kinds: ['bundle'],
} as const satisfies Partial<ConsumerContract>;

const fail = (source: string, field: string, problem: string): PipelineError =>
  new PipelineError('contract-invalid', `${source}: ${field}: ${problem}`, {
    details: { source, field },
  });

/**
 * Validates a contract read from `source` (a file name, used only in messages) and returns it resolved.
 * Throws PipelineError('contract-invalid', `${source}: ${fieldPath}: ${problem}`).
 */
export function parseContract(json: unknown, source: string): ConsumerContract {
  const parsed = ConsumerContractSchema.safeParse(json);
  if (!parsed.success) {
    const { field, problem } = describeIssue(parsed.error.issues);
    throw fail(source, field, problem);
  }
  return resolveContract(parsed.data, source);
}

const builtIns = new Map<ProfileName, ConsumerContract>();

/** The built-in profiles, resolved. They are contract files too: shared/core/deid/profiles/*.json. */
export function builtInProfile(name: ProfileName): ConsumerContract {
  const cached = builtIns.get(name);
  if (cached !== undefined) return structuredClone(cached);
  const raw = name === 'safe-harbor' ? safeHarborProfile : limitedDataSetProfile;
  const resolved = parseContract(raw, `profiles/${name}.json`);
  builtIns.set(name, resolved);
  return structuredClone(resolved);
}

export const isProfileName = (name: unknown): name is ProfileName =>
  typeof name === 'string' && (PROFILES as readonly string[]).includes(name);

/** Merges `extends`, fills defaults, enforces the profile's limits and compiles every selector. */
export function resolveContract(contract: ConsumerContract, source: string): ConsumerContract {
  let merged: ConsumerContract = contract;
  if (contract.extends !== undefined) {
    if (contract.profile !== undefined && contract.profile !== contract.extends) {
      throw fail(source, 'profile', `must equal 'extends' (${contract.extends}) when both are given`);
    }
    merged = mergeOntoBase(builtInProfile(contract.extends), contract);
  }
  const profile = merged.profile;
  if (profile === undefined) throw fail(source, 'profile', "required (or 'extends')");
  const resolved: ConsumerContract = {
    ...merged,
    profile,
    resources: merged.resources ?? {},
    extensions: merged.extensions ?? [],
    rules: merged.rules ?? [],
    dates: merged.dates ?? SAFE_DEFAULTS.dates,
    zip: merged.zip ?? SAFE_DEFAULTS.zip,
    ages: merged.ages ?? SAFE_DEFAULTS.ages,
    freeText: merged.freeText ?? SAFE_DEFAULTS.freeText,
    identifiers: merged.identifiers ?? SAFE_DEFAULTS.identifiers,
    output: merged.output ?? SAFE_DEFAULTS.output,
    kinds: merged.kinds ?? [...SAFE_DEFAULTS.kinds],
  };
  checkSettings(resolved, source);
  try {
    compileSelectors(resolved);
    compileX12Selectors(resolved.claims?.keep);
  } catch (error) {
    if (error instanceof ContractFieldError) throw fail(source, error.field, error.problem);
    throw error;
  }
  return resolved;
}

/**
 * A contract that extends a profile takes every top-level setting it does not write from the profile.
 * `resources` merges per type: the contract's entry replaces the profile's, `"drop"` removes the type.
 * `extensions` and `rules` the contract writes replace the profile's lists.
 */
function mergeOntoBase(base: ConsumerContract, contract: ConsumerContract): ConsumerContract {
  const resources: NonNullable<ConsumerContract['resources']> = { ...(base.resources ?? {}) };
  for (const [type, allow] of Object.entries(contract.resources ?? {})) {
    if (allow === 'drop') delete resources[type];
    else resources[type] = allow;
  }
  // The resolved contract names its profile, not its base, so resolving it again changes nothing.
  const out: ConsumerContract = { ...base, ...contract, resources, profile: contract.extends };
  delete out.extends;
  if (contract.description === undefined) delete out.description;
  return out;
}

function checkSettings(c: ConsumerContract, source: string): void {
  for (const type of Object.keys(c.resources ?? {})) {
    if (!isResourceType(type)) throw fail(source, `resources.${type}`, 'not an R4 resource type');
    if (type === 'Bundle') {
      throw fail(source, 'resources.Bundle', 'Bundle is structural; list the resource types of its entries');
    }
  }
  const kinds = c.kinds ?? [];
  if (new Set(kinds).size !== kinds.length) throw fail(source, 'kinds', 'lists a kind twice');
  if (kinds.includes('claim') && c.claims === undefined) {
    throw fail(source, 'claims', 'required when \'kinds\' lists claim: { "output": "x12" | "fhir" }');
  }
  if (c.claims?.output === 'x12' && c.delivery?.type === 'fhir') {
    throw fail(source, 'claims.output', "x12 copies cannot go to a FHIR server; use 'fhir'");
  }
  if (c.claims?.keep !== undefined && c.claims.output !== 'x12') {
    throw fail(source, 'claims.keep', "applies to x12 copies only; FHIR copies follow 'resources'");
  }
  if (!kinds.includes('claim') && c.claims !== undefined) {
    throw fail(source, 'claims', "given, but 'kinds' does not list claim");
  }
  const seen = new Set<string>();
  for (const [i, url] of (c.extensions ?? []).entries()) {
    if (seen.has(url)) throw fail(source, `extensions[${i}]`, 'listed twice');
    seen.add(url);
  }
  const dates = c.dates;
  if (dates?.method === 'shift') {
    if (dates.shift === undefined) throw fail(source, 'dates.shift', "required when dates.method is 'shift'");
    if (dates.shift.minDays > dates.shift.maxDays)
      throw fail(source, 'dates.shift.minDays', 'greater than maxDays');
    // A shift is never zero (pseudonyms.ts): a range of only 0 would keep every real date.
    if (dates.shift.minDays === 0 && dates.shift.maxDays === 0)
      throw fail(source, 'dates.shift.maxDays', 'a shift range of only 0 days keeps real dates');
  }
  if (c.profile === 'safe-harbor') {
    // 164.514(b)(2)(i)(C) and (B): year only, no ages over 89, ZIP at most three digits.
    if (dates?.method !== 'year')
      throw fail(source, 'dates.method', "must be 'year' under profile safe-harbor");
    if (c.zip?.method === 'keep')
      throw fail(source, 'zip.method', "'keep' is not allowed under profile safe-harbor");
    if (c.ages?.over89 === 'keep')
      throw fail(source, 'ages.over89', "'keep' is not allowed under profile safe-harbor");
    if (c.identifiers === 'pseudonymize') {
      throw fail(
        source,
        'identifiers',
        "'pseudonymize' is not allowed under profile safe-harbor (164.514(c))",
      );
    }
  }
  const rulePaths = new Set<string>();
  for (const [i, rule] of (c.rules ?? []).entries()) {
    if (rulePaths.has(rule.path)) throw fail(source, `rules[${i}].path`, 'another rule has the same path');
    rulePaths.add(rule.path);
    if (c.profile === 'safe-harbor' && (rule.method === 'dateShift' || rule.method === 'pseudonymize')) {
      throw fail(source, `rules[${i}].method`, `'${rule.method}' is not allowed under profile safe-harbor`);
    }
    // Without a range the offset would be 0: dates said to be shifted would be the real ones.
    if (rule.method === 'dateShift' && dates?.shift === undefined)
      throw fail(source, 'dates.shift', "required when a rule uses 'dateShift'");
  }
}

interface Described {
  readonly field: string;
  readonly problem: string;
}

type Issue = z.core.$ZodIssue;

/** The most specific issue, as a field path and a problem that never quotes the offending value. */
function describeIssue(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): Described {
  const issue = deepest(issues);
  if (issue === undefined) return { field: '(root)', problem: 'invalid' };
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.filter((branch) => branch.length > 0);
    const best = branches.sort((a, b) => depth(b) - depth(a))[0];
    if (best !== undefined && depth(best) > 0) return describeIssue(best, path);
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: formatPath([...path, key]), problem: 'unknown field' };
  }
  return { field: formatPath(path), problem: problemOf(issue) };
}

const depth = (issues: readonly Issue[]): number => Math.max(0, ...issues.map((i) => i.path.length));

function deepest(issues: readonly Issue[]): Issue | undefined {
  let best: Issue | undefined;
  for (const issue of issues) if (best === undefined || issue.path.length > best.path.length) best = issue;
  return best;
}

function problemOf(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return 'has an invalid format';
    case 'too_small':
      return `is below the minimum (${String(issue.minimum)})`;
    case 'too_big':
      return `is above the maximum (${String(issue.maximum)})`;
    case 'invalid_union':
      return issue.path.at(-1) === 'method' ? 'unknown method' : 'matches none of the allowed forms';
    default:
      return 'is invalid';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}
