import {
  getAllDataTypes,
  type InternalSchemaElement,
  type InternalTypeSchema,
  isResourceTypeSchema,
  tryGetDataType,
  validationRegexes,
} from '@medplum/core';
import { isJsonObject, type JsonObject } from './bundle-rules.js';
import {
  BUNDLE_ROOT_CHECKS,
  CONSTRAINT_CHECKS,
  type ConstraintCheck,
  type ConstraintScope,
  type RootCheck,
} from './compiled-constraints.js';
import { isActiveContent } from './narrative.js';
import { MAX_REPEATED_STRING_LENGTH } from './repeated-strings.js';
import { requiredCodesOf } from './required-bindings.js';
import { warmFhirValidator } from './structure-validator.js';

/**
 * A fast, conservative judge compiled once from the same R4 definitions the Medplum validator reads.
 * It answers only "valid" (nothing the Medplum validator or the required-binding check would call an
 * error) or "not sure"; the door then runs the full validators, which make every refusal and name it.
 * So a refusal is always the one the full validators give, and acceptance is decided here only for
 * the plain shape real data has: every key a known element, no null, no empty value, no primitive
 * extension (`_given`), no two keys for one choice element, every invariant one we have compiled.
 * Anything else is "not sure", never "valid".
 *
 * The same walk also covers the door's own checks on content (repeated-strings.ts, narrative.ts,
 * internal-references.ts) a little more strictly than they do: a long repeated string, any narrative
 * div with active content, any `urn:uuid:` reference without a well-formed UUID make it "not sure".
 */

/** How a primitive value is checked, as the Medplum validator does for its FHIR type. */
interface PrimitiveCheck {
  readonly jsType: 'string' | 'number' | 'boolean';
  readonly regex: RegExp | undefined;
  readonly integer: boolean;
  readonly positive: boolean;
  readonly unsigned: boolean;
}

interface Slot {
  /** The element's key in its type (`value[x]` for every `valueX` key). */
  readonly element: string;
  readonly isArray: boolean;
  readonly min: number;
  readonly max: number;
  readonly primitive: PrimitiveCheck | undefined;
  /** A complex type by name, or 'Resource' (the type comes from `resourceType`); undefined for primitives. */
  readonly complex: string | undefined;
  /** The compiled complex type (not for 'Resource'), linked once every type is compiled. */
  target: CompiledType | undefined;
  /** One of the keys of a choice element (`valueQuantity` of `value[x]`). */
  readonly isChoice: boolean;
  readonly constraints: readonly ConstraintCheck[];
  /** An element with an invariant we have not compiled: its presence makes the answer "not sure". */
  readonly uncompiled: boolean;
  /** Codes of a required binding checked by the door (direct `code` elements only, as today). */
  readonly codes: (() => ReadonlySet<string> | undefined) | undefined;
  /** What the door's content checks look at: a Reference's `reference`, a Narrative's `div`. */
  readonly doorCheck: 'reference' | 'narrative' | undefined;
}

export interface CompiledType {
  readonly name: string;
  readonly isResource: boolean;
  readonly slots: ReadonlyMap<string, Slot>;
  /** Element keys with min > 0 and the JSON keys that can carry each. */
  readonly required: readonly (readonly string[])[];
  /** The type's own invariants, checked when it is the root being validated; undefined if one is not compiled. */
  readonly rootChecks: readonly RootCheck[] | undefined;
}

const SKIPPED_CONSTRAINTS: ReadonlySet<string> = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const STRING_LIMIT = 1024 * 1024;
const URN_UUID_PREFIX = 'urn:uuid:';
const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Deeper than any real resource (the JSON parser stops at 64): the full validator decides. */
const MAX_DEPTH = 256;

let compiled: Map<string, CompiledType> | undefined;

function compiledTypes(): Map<string, CompiledType> {
  if (compiled !== undefined) return compiled;
  warmFhirValidator();
  const types = new Map<string, CompiledType>();
  for (const schema of Object.values(getAllDataTypes())) {
    if (!types.has(schema.name)) types.set(schema.name, compileType(schema));
  }
  for (const type of types.values()) {
    for (const slot of type.slots.values()) {
      if (slot.complex !== undefined && slot.complex !== 'Resource') slot.target = types.get(slot.complex);
    }
  }
  compiled = types;
  return types;
}

/** Compiles the definitions ahead of the first request (a Lambda's init phase). */
export function warmCompiledStructure(): void {
  compiledTypes();
}

const capitalize = (code: string): string => code.charAt(0).toUpperCase() + code.slice(1);

function compileType(schema: InternalTypeSchema): CompiledType {
  const slots = new Map<string, Slot>();
  const required: string[][] = [];
  for (const [key, element] of Object.entries(schema.elements)) {
    const last = element.path.slice(element.path.lastIndexOf('.') + 1);
    const keys: string[] = [];
    // The Medplum reader tries the types in order and takes the first JSON key present.
    for (const type of element.type) {
      const jsonKey = last.replace('[x]', capitalize(type.code));
      if (keys.includes(jsonKey)) continue;
      keys.push(jsonKey);
      const existing = slots.get(jsonKey);
      // Two elements read from one JSON key: which one the validator picks is not ours to guess.
      if (existing !== undefined) slots.set(jsonKey, { ...existing, uncompiled: true });
      else slots.set(jsonKey, compileSlot(schema.name, key, element, type.code, last.endsWith('[x]')));
    }
    if (element.min > 0) required.push(keys);
  }
  // The validator's unknown-key check attributes `valueQuantity` to the first `prefix[x]` element it
  // finds splitting the key at capitals; a choice key it would attribute elsewhere is not judged here.
  for (const [jsonKey, slot] of slots) {
    if (jsonKey !== slot.element && choiceOwner(jsonKey, schema.elements) !== slot.element) {
      slots.set(jsonKey, { ...slot, uncompiled: true });
    }
  }
  return {
    name: schema.name,
    isResource: isResourceTypeSchema(schema),
    slots,
    required,
    rootChecks: compileRootChecks(schema),
  };
}

function compileRootChecks(schema: InternalTypeSchema): RootCheck[] | undefined {
  const checks: RootCheck[] = [];
  for (const constraint of schema.constraints ?? []) {
    if (constraint.severity !== 'error' || SKIPPED_CONSTRAINTS.has(constraint.key)) continue;
    const check = BUNDLE_ROOT_CHECKS.get(`${constraint.key}|${constraint.expression}`);
    if (check === undefined) return undefined;
    checks.push(check);
  }
  return checks;
}

/** The choice element the validator's additional-property check attributes a key to, as it splits it. */
function choiceOwner(key: string, elements: Record<string, InternalSchemaElement>): string | undefined {
  let prefix = '';
  for (const part of key.split(/(?=[A-Z])/g)) {
    prefix += part;
    if (elements[`${prefix}[x]`] !== undefined) return `${prefix}[x]`;
  }
  return undefined;
}

function compileSlot(
  typeName: string,
  key: string,
  element: InternalSchemaElement,
  code: string,
  isChoice: boolean,
): Slot {
  const primitive = primitiveCheck(code);
  let complex: string | undefined;
  if (primitive === undefined) {
    if (code === 'Resource') complex = 'Resource';
    else if (tryGetDataType(code) !== undefined) complex = code;
  }
  const constraints: ConstraintCheck[] = [];
  let uncompiled =
    element.pattern !== undefined || element.fixed !== undefined || element.slicing !== undefined;
  // An element of a type the definitions do not describe is never judged here.
  if (primitive === undefined && complex === undefined) uncompiled = true;
  for (const constraint of element.constraints ?? []) {
    if (constraint.severity !== 'error' || SKIPPED_CONSTRAINTS.has(constraint.key)) continue;
    const check = CONSTRAINT_CHECKS.get(`${constraint.key}|${constraint.expression}`);
    if (check === undefined) uncompiled = true;
    else constraints.push(check);
  }
  const binding = !isChoice && code === 'code' ? requiredCodesOf(element) : undefined;
  return {
    element: key,
    isArray: element.isArray === true,
    min: element.min,
    max: element.max,
    primitive,
    complex,
    target: undefined,
    isChoice,
    constraints,
    uncompiled,
    codes: binding,
    doorCheck:
      key === 'reference' ? 'reference' : typeName === 'Narrative' && key === 'div' ? 'narrative' : undefined,
  };
}

const INTEGER_TYPES: ReadonlySet<string> = new Set(['integer', 'positiveInt', 'unsignedInt']);
const JS_TYPES: Readonly<Record<string, 'string' | 'number' | 'boolean'>> = {
  base64Binary: 'string',
  boolean: 'boolean',
  canonical: 'string',
  code: 'string',
  date: 'string',
  dateTime: 'string',
  decimal: 'number',
  id: 'string',
  instant: 'string',
  integer: 'number',
  integer64: 'string',
  markdown: 'string',
  oid: 'string',
  positiveInt: 'number',
  string: 'string',
  time: 'string',
  unsignedInt: 'number',
  uri: 'string',
  url: 'string',
  uuid: 'string',
  xhtml: 'string',
  'http://hl7.org/fhirpath/System.String': 'string',
};

function primitiveCheck(code: string): PrimitiveCheck | undefined {
  const jsType = Object.hasOwn(JS_TYPES, code) ? JS_TYPES[code] : undefined;
  if (jsType === undefined) return undefined;
  return {
    jsType,
    regex: Object.hasOwn(validationRegexes, code) ? validationRegexes[code] : undefined,
    integer: INTEGER_TYPES.has(code),
    positive: code === 'positiveInt',
    unsigned: code === 'unsignedInt',
  };
}

// ---- Judging ---------------------------------------------------------------------------------------

/**
 * True when `root` (the value the Medplum validator is given, e.g. a Bundle) is valid for sure, with
 * the required bindings the door checks; false means "ask the full validators".
 */
export function isSurelyValid(root: JsonObject, typeName: string): boolean {
  const type = compiledTypes().get(typeName);
  if (type === undefined || type.rootChecks === undefined) return false;
  const entries = Array.isArray(root.entry) ? root.entry.filter(isJsonObject) : [];
  for (const check of type.rootChecks) if (!check(root, entries)) return false;
  return objectIsValid(root, type, { resource: root, root }, 0);
}

export function compiledType(name: string): CompiledType | undefined {
  return compiledTypes().get(name);
}

function objectIsValid(node: JsonObject, type: CompiledType, scope: ConstraintScope, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  // Keys are read with for-in: only a plain object guarantees they are all its own.
  const prototype = Object.getPrototypeOf(node);
  if (prototype !== Object.prototype && prototype !== null) return false;
  let firstChoice: string | undefined;
  let moreChoices: Set<string> | undefined;
  let keyCount = 0;
  const slots = type.slots;
  for (const key in node) {
    keyCount++;
    const value = node[key];
    if (key === 'resourceType') {
      if (!type.isResource || value !== type.name) return false;
      continue;
    }
    const slot = slots.get(key);
    if (slot === undefined || slot.uncompiled) return false;
    if (slot.isChoice) {
      const element = slot.element;
      if (firstChoice === undefined) firstChoice = element;
      else {
        if (element === firstChoice || moreChoices?.has(element) === true) return false;
        moreChoices ??= new Set();
        moreChoices.add(element);
      }
    }
    if (slot.isArray) {
      if (!Array.isArray(value)) return false;
      const count = value.length;
      if (count === 0 || count < slot.min || count > slot.max) return false;
      for (let i = 0; i < count; i++) {
        if (!valueIsValid(value[i], slot, scope, depth)) return false;
      }
    } else {
      if (Array.isArray(value) || slot.max < 1) return false;
      if (!valueIsValid(value, slot, scope, depth)) return false;
    }
  }
  if (keyCount === 0) return false;
  return hasRequired(node, type.required);
}

function hasRequired(node: JsonObject, required: readonly (readonly string[])[]): boolean {
  for (const keys of required) {
    let present = false;
    for (const key of keys) {
      if (node[key] !== undefined) {
        present = true;
        break;
      }
    }
    if (!present) return false;
  }
  return true;
}

function valueIsValid(value: unknown, slot: Slot, scope: ConstraintScope, depth: number): boolean {
  const primitive = slot.primitive;
  if (primitive !== undefined) {
    if (typeof value !== primitive.jsType) return false;
    if (primitive.jsType === 'string') {
      const text = value as string;
      if (!isPlainText(text)) return false;
      if (slot.isArray && text.length > MAX_REPEATED_STRING_LENGTH) return false;
      if (slot.doorCheck !== undefined && !passesDoorCheck(text, slot.doorCheck)) return false;
      if (primitive.regex !== undefined && primitive.regex.exec(text) === null) return false;
      if (slot.codes !== undefined) {
        const codes = slot.codes();
        if (codes !== undefined && !codes.has(text)) return false;
      }
    } else if (primitive.jsType === 'number') {
      const n = value as number;
      if (!Number.isFinite(n)) return false;
      if (primitive.integer && !Number.isInteger(n)) return false;
      if (primitive.positive && n <= 0) return false;
      if (primitive.unsigned && n < 0) return false;
    }
    return slot.constraints.length === 0 || constraintsHold(value, slot, scope);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const node = value as JsonObject;
  let type = slot.target;
  let inner = scope;
  if (slot.complex === 'Resource') {
    const resourceType = node.resourceType;
    type = typeof resourceType === 'string' ? compiled?.get(resourceType) : undefined;
    if (type === undefined || !type.isResource) return false;
    inner = { resource: node, root: scope.root };
  } else if (type === undefined || type.isResource) {
    return false;
  }
  if (slot.constraints.length > 0 && !constraintsHold(node, slot, scope)) return false;
  return objectIsValid(node, type, inner, depth + 1);
}

/**
 * Not empty, not only whitespace (JavaScript's trim, as the validator uses), within FHIR's 1 MB. The
 * usual first character, printable ASCII, settles the whitespace question without trimming.
 */
function isPlainText(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > STRING_LIMIT) return false;
  const first = text.charCodeAt(0);
  return (first > 0x20 && first < 0x7f) || text.trim().length > 0;
}

function passesDoorCheck(text: string, check: 'reference' | 'narrative'): boolean {
  if (check === 'narrative') return !isActiveContent(text);
  return !text.startsWith(URN_UUID_PREFIX) || URN_UUID.test(text);
}

function constraintsHold(value: unknown, slot: Slot, scope: ConstraintScope): boolean {
  for (const check of slot.constraints) if (!check(value, scope)) return false;
  return true;
}
