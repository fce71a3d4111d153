import { isJson, type Json, type Subject } from '../policies/policy.js';
import type { ReferenceMap } from '../references.js';
import type { Frame, Scope, WalkContext } from './context.js';

/** A new record (a top-level resource or Bundle), remembered for pruning after the post-pass. */
export function newScope(
  context: WalkContext,
  input: Json,
  identity: string | undefined,
  base: string | undefined,
): Scope {
  let patientKey: string | undefined;
  const scope: Scope = {
    input,
    identity,
    base,
    // Worked out only when a date is shifted, against the references of the Bundle walked then.
    patient: {
      get key() {
        patientKey ??= patientOf(context, scope);
        return patientKey;
      },
    } satisfies Subject,
    contained: undefined,
    usedLocal: undefined,
    dirty: false,
    output: undefined,
  };
  context.scopes.push(scope);
  return scope;
}

/** A resource of a record: the record itself, or one of its contained resources (`localId`). */
export function newFrame(
  context: WalkContext,
  scope: Scope,
  type: string,
  ageObservation: boolean,
  localId: string | undefined,
): Frame {
  return {
    scope,
    type,
    labels: 0,
    age90: false,
    ageObservation,
    localId,
    meta: undefined,
    inputSecurity: undefined,
    links: {
      container() {
        if (localId !== undefined) markUsed(scope, localId);
      },
      contained(id) {
        const local = scope.contained?.get(id);
        if (local !== undefined) markUsed(scope, local);
        return local;
      },
      rewrite: (reference) => context.references.rewrite(reference, scope.base),
    },
  };
}

/** dom-3: a contained resource must be referenced from its container; remember which ones are. */
function markUsed(scope: Scope, localId: string): void {
  if (scope.usedLocal === undefined) scope.usedLocal = new Set();
  scope.usedLocal.add(localId);
}

/**
 * The patient a record belongs to, for the date-shift key: itself, the Patient its `patient`,
 * `subject` or `beneficiary` names, any Patient it references, or the Bundle's only Patient.
 */
function patientOf(context: WalkContext, scope: Scope): string {
  const { input, identity, base } = scope;
  const references = context.references;
  if (input.resourceType === 'Patient' && identity !== undefined) return identity;
  for (const field of ['patient', 'subject', 'beneficiary']) {
    const value = input[field];
    const reference = isJson(value)
      ? value.reference
      : Array.isArray(value) && isJson(value[0])
        ? value[0].reference
        : undefined;
    const target = typeof reference === 'string' ? references.resolve(reference, base) : undefined;
    if (target !== undefined && (target.type === 'Patient' || target.identity.startsWith('Patient/'))) {
      return target.identity;
    }
  }
  const anyPatient = findPatientReference(input, references, 0);
  if (anyPatient !== undefined) return anyPatient;
  if (references.patients.length === 1) return references.patients[0] ?? 'record';
  return identity ?? 'record';
}

/** The first reference to a Patient anywhere in a resource, outside its contained resources. */
function findPatientReference(value: unknown, references: ReferenceMap, depth: number): string | undefined {
  if (depth > 8 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findPatientReference(item, references, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const node = value as Json;
  if (typeof node.reference === 'string') {
    const target = references.resolve(node.reference);
    if (target !== undefined && (target.type === 'Patient' || target.identity.startsWith('Patient/'))) {
      return target.identity;
    }
  }
  for (const key in node) {
    if (key === 'contained') continue;
    const found = findPatientReference(node[key], references, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
