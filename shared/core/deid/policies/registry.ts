import { addressElementPolicies, addressPolicy } from './address.js';
import { ageAnswerPolicy, ageObservationPolicy, agePolicy, rangeAgePolicy } from './age.js';
import { attachmentElementPolicies } from './attachment.js';
import { codeableConceptElementPolicies, codingElementPolicies } from './coding.js';
import { contactPointPolicy } from './contact-point.js';
import { DATE_TYPES, datePolicy } from './date.js';
import { extensionElementPolicies } from './extension.js';
import { freeTextPolicy } from './free-text.js';
import { humanNamePolicy } from './human-name.js';
import { identifierElementPolicies, identifierPolicy } from './identifier.js';
import { MEDIA_TYPE_ELEMENTS, mediaTypeElementPolicies } from './media-type.js';
import { narrativeElementPolicies, narrativePolicy } from './narrative.js';
import {
  type AfterPolicy,
  type ElementPolicy,
  type Outcome,
  PASS,
  type PolicyInput,
  type PolicyServices,
  type ValuePolicy,
  type WholePolicy,
} from './policy.js';
import { idPolicy, oidPolicy, pseudonymizeRule, uuidPolicy } from './pseudonymous-id.js';
import { QUANTITY_TYPES, quantityElementPolicies } from './quantity.js';
import { referenceElementPolicies } from './reference.js';
import { booleanPolicy, codePolicy, numberPolicy } from './scalar.js';
import { withheldValuePolicy, withheldWholePolicy } from './withheld.js';
import { x12ElementPolicies } from './x12.js';

/**
 * The policy registry, as data. A data type may have a policy for its values as a whole (run before
 * its elements are looked at) and policies for some of its primitive elements; every primitive type
 * has a policy for its values. A format's walker names the data type and the element of each value;
 * X12 element types join the same table.
 */
interface TypePolicies {
  readonly whole?: WholePolicy;
  readonly elements?: Readonly<Record<string, ElementPolicy>>;
  readonly after?: AfterPolicy;
}

const BASE_POLICIES: Readonly<Record<string, TypePolicies>> = {
  Age: { elements: quantityElementPolicies, after: agePolicy },
  // Ages written in other forms: a Range, a number next to an age code, an answer to an age question.
  Range: { after: rangeAgePolicy },
  Observation: { after: ageObservationPolicy },
  'Observation.component': { after: ageObservationPolicy },
  'QuestionnaireResponse.item': { after: ageAnswerPolicy },
  HumanName: { whole: humanNamePolicy },
  ContactPoint: { whole: contactPointPolicy },
  Address: { whole: addressPolicy, elements: addressElementPolicies },
  Identifier: { whole: identifierPolicy, elements: identifierElementPolicies },
  Attachment: { elements: attachmentElementPolicies },
  Narrative: { whole: narrativePolicy, elements: narrativeElementPolicies },
  Annotation: { whole: narrativePolicy },
  Extension: { elements: extensionElementPolicies },
  Reference: { elements: referenceElementPolicies },
  Coding: { elements: codingElementPolicies },
  CodeableConcept: { elements: codeableConceptElementPolicies },
  Signature: { whole: withheldWholePolicy },
  Meta: { whole: withheldWholePolicy },
  'Location.position': { whole: withheldWholePolicy },
  ...Object.fromEntries(
    QUANTITY_TYPES.filter((type) => type !== 'Age').map((type) => [
      type,
      { elements: quantityElementPolicies },
    ]),
  ),
  // X12 elements with a rule of their own (N403, SBR04): the X12 walker names them `X12.<segment>`.
  ...Object.fromEntries(Object.entries(x12ElementPolicies).map(([type, elements]) => [type, { elements }])),
};

/** Media types are a kind of value, wherever R4 puts one: their policy joins each holder's elements. */
const TYPE_POLICIES: Readonly<Record<string, TypePolicies>> = {
  ...BASE_POLICIES,
  ...Object.fromEntries(
    Object.keys(MEDIA_TYPE_ELEMENTS).map((type) => {
      const base = BASE_POLICIES[type] ?? {};
      return [type, { ...base, elements: { ...base.elements, ...mediaTypeElementPolicies(type) } }];
    }),
  ),
};

const VALUE_POLICIES: Readonly<Record<string, ValuePolicy>> = {
  boolean: booleanPolicy,
  integer: numberPolicy,
  positiveInt: numberPolicy,
  unsignedInt: numberPolicy,
  decimal: numberPolicy,
  code: codePolicy,
  time: codePolicy,
  ...Object.fromEntries(DATE_TYPES.map((type) => [type, datePolicy])),
  id: idPolicy,
  oid: oidPolicy,
  uuid: uuidPolicy,
  string: freeTextPolicy,
  markdown: freeTextPolicy,
};

// Maps, not object lookups: an element name such as `constructor` must never find a prototype member.
const wholePolicies = new Map<string, WholePolicy>();
const afterPolicies = new Map<string, AfterPolicy>();
const elementPolicies = new Map<string, ReadonlyMap<string, ElementPolicy>>();
for (const [type, { whole, elements, after }] of Object.entries(TYPE_POLICIES)) {
  if (whole !== undefined) wholePolicies.set(type, whole);
  if (after !== undefined) afterPolicies.set(type, after);
  if (elements !== undefined) elementPolicies.set(type, new Map(Object.entries(elements)));
}
const valuePolicies = new Map<string, ValuePolicy>(Object.entries(VALUE_POLICIES));

/** The policy for a whole value of this data type, if it has one. */
export const wholePolicyFor = (type: string): WholePolicy | undefined => wholePolicies.get(type);

/** The fix-up for a value of this data type once its elements are decided, if it has one. */
export const afterPolicyFor = (type: string): AfterPolicy | undefined => afterPolicies.get(type);

/** The policy for an element of a data type, if the element has one. */
export const elementPolicyFor = (type: string, element: string): ElementPolicy | undefined =>
  elementPolicies.get(type)?.get(element);

/** The policy for values of a primitive type; a type without one is withheld. */
export const valuePolicyFor = (valueType: string): ValuePolicy =>
  valuePolicies.get(valueType) ?? withheldValuePolicy;

/**
 * Decides one primitive value: its element's policy first (handling that depends on where the value
 * is), then a `pseudonymize` rule covering it, then the policy of its type (the backstop).
 */
export function decide(input: PolicyInput, services: PolicyServices, planned?: PlannedPolicies): Outcome {
  const byElement =
    planned === undefined ? elementPolicyFor(input.type, input.element) : planned.elementPolicy;
  if (byElement !== undefined) {
    const outcome = byElement(input, services);
    if (outcome !== PASS) return outcome;
  }
  return (
    pseudonymizeRule(input, services) ??
    (planned === undefined ? valuePolicyFor(input.valueType) : planned.valuePolicy)(input, services)
  );
}

/**
 * A value's two policies looked up before: `elementPolicyFor(type, element)` and
 * `valuePolicyFor(valueType)`. The FHIR walk keeps them per element (fhir/plan.ts) and hands them to
 * `decide`, which stays the one door every primitive value goes through.
 */
export interface PlannedPolicies {
  readonly elementPolicy: ElementPolicy | undefined;
  readonly valuePolicy: ValuePolicy;
}
