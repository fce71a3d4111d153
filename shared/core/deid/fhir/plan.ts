import { type ElementDef, type TypeDef, typeDef } from '../model.js';
import type { ElementPolicy, ValuePolicy } from '../policies/policy.js';
import { elementPolicyFor, valuePolicyFor } from '../policies/registry.js';
import type { SelectorNode } from '../selectors.js';
import { REQUIRES_ONE_OF } from './support.js';

/**
 * The walk's lookups for one datatype under one selector node, made once and kept: the R4
 * definition, and for each key met so far its element, its selector below and the policies of its
 * values. The profile of `phi deid` had these lookups (model, trie, registry: six to eight Map
 * lookups per element, more per value of a list) among its top items; with a plan an element costs
 * one. The policies of whole values are still asked of the registry each time, and every value still
 * goes through `decide`: the registry is the seam a test breaks a policy through. Plans depend only
 * on the compiled contract and the R4 model, never on the input, and keys outside the model are never
 * kept, so their number is bounded by the model.
 */
export interface ObjectPlan {
  readonly definition: TypeDef | undefined;
  readonly oneOf: readonly string[] | undefined;
  readonly steps: Map<string, KeyStep>;
}

/** One key of the type: its element, the selector below it (undefined: the contract denies it). */
export interface KeyStep {
  readonly element: ElementDef;
  readonly selector: SelectorNode | undefined;
  /** Primitive elements: the element's own policy, if it has one, and the policy of its type. */
  readonly elementPolicy: ElementPolicy | undefined;
  readonly valuePolicy: ValuePolicy;
}

const plans = new WeakMap<SelectorNode, Map<string, ObjectPlan>>();

export function objectPlan(selector: SelectorNode, type: string): ObjectPlan {
  let byType = plans.get(selector);
  if (byType === undefined) {
    byType = new Map();
    plans.set(selector, byType);
  }
  let plan = byType.get(type);
  if (plan === undefined) {
    plan = {
      definition: typeDef(type),
      oneOf: REQUIRES_ONE_OF[type],
      steps: new Map(),
    };
    byType.set(type, plan);
  }
  return plan;
}

/** The step of `key` in a plan whose type has a definition; undefined for a key outside R4. */
export function keyStep(
  plan: ObjectPlan,
  selector: SelectorNode,
  type: string,
  key: string,
): KeyStep | undefined {
  const known = plan.steps.get(key);
  if (known !== undefined) return known;
  const element = plan.definition?.elements.get(key);
  if (element === undefined) return undefined;
  const step: KeyStep = {
    element,
    selector: selector.child(element),
    elementPolicy: elementPolicyFor(type, key),
    valuePolicy: valuePolicyFor(element.type),
  };
  plan.steps.set(key, step);
  return step;
}
