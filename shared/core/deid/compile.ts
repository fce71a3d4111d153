import type { ConsumerContract, ContractRule } from './contract-schema.js';
import { type RestrictedZipList, restrictedZip3 } from './data/restricted-zip3.js';
import { type ElementDef, isPrimitiveType } from './model.js';
import { ContractFieldError, firstMissingRequired, ResourceSelectors } from './selectors.js';

/** A resolved contract turned into what the walker consults: selector tries, sets, settings. */
export interface CompiledContract {
  readonly contract: ConsumerContract;
  readonly name: string;
  readonly version: string;
  readonly profile: 'safe-harbor' | 'limited-data-set';
  readonly selectors: ResourceSelectors;
  readonly extensions: ReadonlySet<string>;
  readonly restrictedZip: ReadonlySet<string>;
  readonly dates: 'year' | 'shift' | 'keep';
  readonly shift: { readonly minDays: number; readonly maxDays: number; readonly timeOfDay: 'keep' | 'drop' };
  readonly zip: 'zip3' | 'keep' | 'drop';
  readonly ages90: boolean;
  readonly freeText: 'drop' | 'scrub';
  readonly identifiers: 'drop' | 'pseudonymize';
}

const DATE_TYPES: ReadonlySet<string> = new Set(['date', 'dateTime', 'instant']);
const PSEUDONYMIZABLE: ReadonlySet<string> = new Set([
  'Identifier',
  'string',
  'id',
  'code',
  'uri',
  'url',
  'oid',
  'uuid',
]);
const SCRUBBABLE: ReadonlySet<string> = new Set(['string', 'markdown']);

/** Compiles a resolved contract; throws ContractFieldError naming the contract field at fault. */
export function compileSelectors(contract: ConsumerContract): CompiledContract {
  const selectors = new ResourceSelectors();
  const resources = contract.resources ?? {};
  for (const [type, allow] of Object.entries(resources)) {
    if (allow === 'drop') continue;
    selectors.allowResource(type);
    for (const [i, path] of allow.elements.entries()) {
      selectors.insert(type, path.split('.'), `resources.${type}.elements[${i}]`, true);
    }
  }
  for (const [i, rule] of (contract.rules ?? []).entries()) {
    const [type = '', ...rest] = rule.path.split('.');
    if (selectors.root(type) === undefined) {
      throw new ContractFieldError(
        `rules[${i}].path`,
        `resource type ${type} is not allowed by this contract`,
      );
    }
    const target = selectors.insert(type, rest, `rules[${i}].path`, rule.method !== 'drop');
    checkRuleTarget(rule, target.defs, `rules[${i}]`);
    target.node.rule = {
      method: rule.method,
      index: i,
      ...(rule.method === 'generalize' ? { to: rule.to } : {}),
      ...(rule.method === 'substitute' ? { value: rule.value } : {}),
    };
  }
  for (const [type, root] of selectors.roots) {
    const missing = firstMissingRequired(type, root);
    if (missing !== undefined) {
      throw new ContractFieldError(
        `resources.${type}.elements`,
        `omits required element ${missing} (the output would not be valid R4)`,
      );
    }
  }
  const dates = contract.dates ?? { method: 'year' };
  const zip = contract.zip ?? { method: 'zip3', restrictedPrefixes: 'union' };
  return {
    contract,
    name: contract.name,
    version: contract.version,
    profile: contract.profile ?? 'safe-harbor',
    selectors,
    extensions: new Set(contract.extensions ?? []),
    restrictedZip: restrictedZip3(zip.restrictedPrefixes as RestrictedZipList),
    dates: dates.method,
    shift: dates.shift ?? { minDays: 0, maxDays: 0, timeOfDay: 'keep' },
    zip: zip.method,
    ages90: (contract.ages?.over89 ?? 'aggregate') === 'aggregate',
    freeText: contract.freeText ?? 'drop',
    identifiers: contract.identifiers ?? 'drop',
  };
}

function checkRuleTarget(rule: ContractRule, defs: readonly ElementDef[], field: string): void {
  const types = defs.map((d) => d.type);
  const complex = types.some((t) => !isPrimitiveType(t));
  const fails = (problem: string) => new ContractFieldError(`${field}.method`, problem);
  switch (rule.method) {
    case 'generalize':
      if (rule.to === 'year' && !(complex || types.some((t) => DATE_TYPES.has(t)))) {
        throw fails("generalize to 'year' needs a date, dateTime or instant (or an element containing them)");
      }
      if (rule.to === 'zip3' && !types.includes('string'))
        throw fails("generalize to 'zip3' needs a string element");
      if (rule.to === 'age90' && !types.some((t) => t === 'Age' || t === 'Quantity' || DATE_TYPES.has(t))) {
        throw fails("generalize to 'age90' needs an Age, a Quantity or a birth date");
      }
      return;
    case 'dateShift':
      if (!(complex || types.some((t) => DATE_TYPES.has(t)))) {
        throw fails("'dateShift' needs a date, dateTime or instant (or an element containing them)");
      }
      return;
    case 'pseudonymize':
      if (!types.some((t) => PSEUDONYMIZABLE.has(t))) {
        throw fails("'pseudonymize' needs an Identifier or a string, id, code or uri element");
      }
      return;
    case 'scrub':
      if (!(complex || types.some((t) => SCRUBBABLE.has(t)))) {
        throw fails("'scrub' needs a string or markdown element (or an element containing them)");
      }
      return;
    case 'substitute': {
      const primitive = types.every((t) => isPrimitiveType(t));
      const value = rule.value;
      const isPrimitiveValue =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
      if (primitive !== isPrimitiveValue) {
        throw new ContractFieldError(
          `${field}.value`,
          primitive
            ? 'must be a string, number or boolean for this element'
            : 'must be an object or array for this element',
        );
      }
      if (Array.isArray(value) && !defs.some((d) => d.repeats)) {
        throw new ContractFieldError(`${field}.value`, 'is an array but the element does not repeat');
      }
      return;
    }
    default:
      return;
  }
}
