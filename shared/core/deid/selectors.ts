import { PipelineError } from '../errors.js';
import { type ElementDef, isPrimitiveType, typeDef } from './model.js';

/**
 * Contract selectors compiled once into a trie per resource type. A selector is a dotted element path
 * from a resource type (`Patient.address.postalCode`); a segment is an element name (`value`, matching
 * every choice type) or a typed choice key (`valueQuantity`). Paths are checked against the R4 model
 * at compile time, so a typo is a contract error, not a silent no-op. During the walk each element
 * costs one or two Map lookups, never an expression evaluation.
 */
export type RuleMethod =
  | 'keep'
  | 'drop'
  | 'generalize'
  | 'dateShift'
  | 'pseudonymize'
  | 'substitute'
  | 'scrub';
export type GeneralizeTo = 'year' | 'zip3' | 'age90';

export interface CompiledRule {
  readonly method: RuleMethod;
  readonly to?: GeneralizeTo;
  readonly value?: unknown;
  /** Index in the contract's `rules`, for reports and errors. */
  readonly index: number;
}

export class SelectorNode {
  readonly children = new Map<string, SelectorNode>();
  rule: CompiledRule | undefined;
  constructor(
    /** Everything below is allowed (subject to the backstop). */
    public all: boolean,
    readonly typeKey: string,
  ) {}

  child(def: ElementDef): SelectorNode | undefined {
    if (this.children.size > 0) {
      const exact = this.children.get(def.key) ?? this.children.get(def.name);
      if (exact !== undefined) return exact;
    }
    return this.all ? allowAll(def.type) : undefined;
  }
}

const allNodes = new Map<string, SelectorNode>();
/** A shared leaf that allows everything below; never given children or rules. */
export function allowAll(typeKey: string): SelectorNode {
  let node = allNodes.get(typeKey);
  if (node === undefined) {
    node = new SelectorNode(true, typeKey);
    allNodes.set(typeKey, node);
  }
  return node;
}

/**
 * A problem in a contract, located by the field path of the contract file. parseContract adds the
 * file's name to field and problem; compiling a contract without a file reports it as it is.
 */
export class ContractFieldError extends PipelineError {
  override readonly name = 'ContractFieldError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super('contract-invalid', `${field}: ${problem}`, { details: { field } });
  }
}

const SEGMENT = /^[a-z][A-Za-z0-9]*$/;

interface Resolved {
  readonly defs: readonly ElementDef[];
  readonly segment: string;
}

/** Resolves one segment on a type: a JSON key, or a base name covering every choice type. */
function resolveSegment(typeKey: string, segment: string): Resolved | undefined {
  const td = typeDef(typeKey);
  if (td === undefined) return undefined;
  const byKey = td.elements.get(segment);
  if (byKey !== undefined && byKey.name !== segment) return { defs: [byKey], segment };
  const byName = td.names.get(segment);
  return byName === undefined ? undefined : { defs: byName, segment };
}

export interface SelectorTarget {
  readonly node: SelectorNode;
  /** The element definitions the last segment names (several for a choice base name). */
  readonly defs: readonly ElementDef[];
}

export class ResourceSelectors {
  readonly roots = new Map<string, SelectorNode>();

  allowResource(resourceType: string): SelectorNode {
    let root = this.roots.get(resourceType);
    if (root === undefined) {
      root = new SelectorNode(false, resourceType);
      this.roots.set(resourceType, root);
    }
    return root;
  }

  /**
   * Adds a path (relative to the resource type) to the allow-list, or returns the node for a rule.
   * `allow` marks the last node as allowing its whole subtree.
   */
  insert(resourceType: string, path: readonly string[], field: string, allow: boolean): SelectorTarget {
    let node = this.allowResource(resourceType);
    let defs: readonly ElementDef[] = [];
    let typeKey = resourceType;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] ?? '';
      if (!SEGMENT.test(segment)) throw new ContractFieldError(field, `'${segment}' is not an element name`);
      const resolved = resolveSegment(typeKey, segment);
      if (resolved === undefined) {
        throw new ContractFieldError(field, `${typeKey} has no element '${segment}'`);
      }
      defs = resolved.defs;
      const last = i === path.length - 1;
      const first = defs[0];
      if (!last) {
        if (defs.length !== 1 || first === undefined) {
          throw new ContractFieldError(
            field,
            `'${segment}' is a choice; name the type (e.g. '${segment}Quantity')`,
          );
        }
        if (isPrimitiveType(first.type)) {
          throw new ContractFieldError(field, `'${segment}' is a primitive and has no elements`);
        }
        if (first.type === 'Resource') {
          throw new ContractFieldError(
            field,
            `'${segment}' holds resources, governed by their own resource type`,
          );
        }
      }
      let next = node.children.get(segment);
      if (next === undefined) {
        next = new SelectorNode(node.all, first?.type ?? '');
        node.children.set(segment, next);
      }
      node = next;
      typeKey = first?.type ?? '';
    }
    if (allow) node.all = true;
    return { node, defs };
  }

  root(resourceType: string): SelectorNode | undefined {
    return this.roots.get(resourceType);
  }
}

/**
 * Elements the output needs to stay valid R4: for every node that allows only some children, each
 * required child must be allowed too. Returns the first missing `Type.path.element`.
 */
export function firstMissingRequired(
  resourceType: string,
  node: SelectorNode,
  path = resourceType,
): string | undefined {
  if (node.all || node.rule?.method === 'drop') return undefined;
  const td = typeDef(node.typeKey);
  if (td === undefined) return undefined;
  for (const req of td.required) {
    const variants = td.names.get(req.name) ?? [req];
    if (!variants.some((def) => node.child(def) !== undefined)) return `${path}.${req.name}`;
  }
  for (const [segment, child] of node.children) {
    const missing = firstMissingRequired(resourceType, child, `${path}.${segment}`);
    if (missing !== undefined) return missing;
  }
  return undefined;
}
