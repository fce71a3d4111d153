import { isResourceTypeSchema, tryGetDataType } from '@medplum/core';
import { isPipelineError, reject } from '../errors.js';
import { isJsonObject } from './bundle-rules.js';
import { warmFhirValidator } from './structure-validator.js';
import { validateBundle } from './validate-bundle.js';

export interface ResourceSummary {
  readonly resourceType: string;
}

const RESOURCE_TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;
/** Where the one resource sits in the Bundle it is validated in. */
const ENTRY_RESOURCE = 'Bundle.entry[0].resource';

/** Whether `name` is an R4 resource type (`Patient`, `Observation`), e.g. a manifest's declared type. */
export function isFhirResourceType(name: string): boolean {
  if (!RESOURCE_TYPE_NAME.test(name)) return false;
  warmFhirValidator();
  const schema = tryGetDataType(name);
  return schema !== undefined && isResourceTypeSchema(schema);
}

/**
 * One resource of a declared type, such as a line of a FHIR NDJSON file (`value` already parsed with
 * parseSafeJson). The rules are exactly those for a resource inside a submitted Bundle: the resource
 * is validated as the only entry of a `collection` Bundle, and a refusal names the element from the
 * resource (`Observation.status`, not `Bundle.entry[0].resource.status`). Throws `invalid-fhir`.
 * The declared type must be an R4 resource type; it is never quoted, only used once known.
 */
export function validateResource(value: unknown, resourceType: string): ResourceSummary {
  if (!isFhirResourceType(resourceType)) {
    throw reject('invalid-fhir', 'The declared resource type is not an R4 resource type.', {
      expression: 'Resource.resourceType',
    });
  }
  if (!isJsonObject(value)) {
    throw reject('invalid-fhir', 'The line is not a FHIR resource (a JSON object).', {
      expression: resourceType,
    });
  }
  if (value.resourceType !== resourceType) {
    throw reject('invalid-fhir', 'The resource is not of the declared resource type.', {
      expression: `${resourceType}.resourceType`,
    });
  }
  try {
    validateBundle({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: value }] });
  } catch (error) {
    if (isPipelineError(error) && error.code === 'invalid-fhir') throw relocated(error, resourceType);
    throw error;
  }
  return { resourceType };
}

/** The same refusal, located from the resource instead of the Bundle that carried it. */
function relocated(error: { message: string; details?: Record<string, unknown> }, resourceType: string) {
  const rename = (text: string): string =>
    text
      .replaceAll(ENTRY_RESOURCE, resourceType)
      .replace(/^The Bundle is not valid FHIR R4/, 'The resource is not valid FHIR R4');
  const details = { ...error.details };
  const expression = details.expression;
  if (typeof expression === 'string') {
    details.expression = expression.startsWith(ENTRY_RESOURCE) ? rename(expression) : resourceType;
  }
  return reject('invalid-fhir', rename(error.message), details);
}
