import { PipelineError } from '../errors.js';
import type { ComponentDef, ElementDef, LoopDef, SegmentDef, TransactionGuide } from './guide/model.js';

/**
 * A guide as the reader walks it: the same tree with lookups precomputed once per guide (children by
 * segment id, code lists as sets, each loop's path of ids), so placing a segment costs a few map
 * reads, not a scan of the guide.
 */

export interface CompiledComponent {
  readonly def: ComponentDef;
  readonly codes: ReadonlySet<string> | undefined;
}

export interface CompiledElement {
  readonly def: ElementDef;
  readonly codes: ReadonlySet<string> | undefined;
  readonly components: readonly CompiledComponent[] | undefined;
}

export interface CompiledSegment {
  readonly kind: 'segment';
  readonly def: SegmentDef;
  readonly id: string;
  /** 1-based element that tells it from siblings with the same id; 0 when none. */
  readonly matchElement: number;
  readonly matchValues: ReadonlySet<string> | undefined;
  /** The match element is a composite: its first component is what is compared. */
  readonly matchComposite: boolean;
  readonly elements: readonly CompiledElement[];
}

export interface CompiledLoop {
  readonly kind: 'loop';
  readonly def: LoopDef;
  readonly id: string;
  /** Loop ids from the transaction set (`ST`) down to this loop. */
  readonly path: readonly string[];
  readonly children: readonly (CompiledSegment | CompiledLoop)[];
  /** The first child: the segment that opens an instance of this loop. */
  readonly trigger: CompiledSegment;
  /** Child indices by segment id (a loop child is listed under its trigger's id). */
  readonly byId: ReadonlyMap<string, readonly number[]>;
  /** The same by `segmentIdCode` of the id: a number key, cheaper per segment than a string. */
  readonly byIdCode: ReadonlyMap<number, readonly number[]>;
  /** One zero per child: the counts a new instance starts from, copied. */
  readonly zeroCounts: readonly number[];
  /** Indices of the required children after the trigger: what a closing instance must have seen. */
  readonly required: readonly number[];
}

export interface CompiledGuide {
  readonly guide: TransactionGuide;
  readonly root: CompiledLoop;
  /** Every segment id the guide knows, anywhere. */
  readonly segmentIds: ReadonlySet<string>;
}

const compiled = new WeakMap<TransactionGuide, CompiledGuide>();

/** The compiled form of a guide, built on first use and kept while the guide object lives. */
export function compileGuide(guide: TransactionGuide): CompiledGuide {
  const known = compiled.get(guide);
  if (known !== undefined) return known;
  const segmentIds = new Set<string>();
  const root = compileLoop(guide.body, [], segmentIds);
  const result = { guide, root, segmentIds };
  compiled.set(guide, result);
  return result;
}

const codeSet = (codes: readonly string[] | undefined) =>
  codes === undefined || codes.length === 0 ? undefined : new Set(codes);

function compileSegment(def: SegmentDef, ids: Set<string>): CompiledSegment {
  ids.add(def.id);
  return {
    kind: 'segment',
    def,
    id: def.id,
    matchElement: def.match?.element ?? 0,
    matchValues: def.match === undefined ? undefined : new Set(def.match.values),
    matchComposite: def.match !== undefined && def.elements[def.match.element - 1]?.components !== undefined,
    elements: def.elements.map((element) => ({
      def: element,
      codes: codeSet(element.codes),
      components: element.components?.map((component) => ({
        def: component,
        codes: codeSet(component.codes),
      })),
    })),
  };
}

function compileLoop(def: LoopDef, parentPath: readonly string[], ids: Set<string>): CompiledLoop {
  const path = Object.freeze([...parentPath, def.id]);
  const children = def.children.map((child) =>
    child.kind === 'segment' ? compileSegment(child, ids) : compileLoop(child, path, ids),
  );
  const first = children[0];
  if (first === undefined) throw new PipelineError('config-invalid', `Guide loop ${def.id} has no children.`);
  const trigger = first.kind === 'segment' ? first : first.trigger;
  const byId = new Map<string, number[]>();
  children.forEach((child, index) => {
    const id = child.kind === 'segment' ? child.id : child.trigger.id;
    const list = byId.get(id);
    if (list === undefined) byId.set(id, [index]);
    else list.push(index);
  });
  const byIdCode = new Map<number, number[]>();
  for (const [id, indices] of byId) byIdCode.set(segmentIdCode(id), indices);
  const required = children.flatMap((child, index) => (index > 0 && child.def.usage === 'R' ? [index] : []));
  const zeroCounts = children.map(() => 0);
  return { kind: 'loop', def, id: def.id, path, children, trigger, byId, byIdCode, zeroCounts, required };
}

/**
 * A segment id of two or three characters as one number (its char codes, 8 bits each), -1 for any
 * other length. Distinct ids of those lengths get distinct codes; guide ids are all such ids.
 */
export function segmentIdCode(id: string): number {
  const n = id.length;
  if (n === 2) return (id.charCodeAt(0) << 16) | (id.charCodeAt(1) << 8);
  if (n === 3) return (id.charCodeAt(0) << 16) | (id.charCodeAt(1) << 8) | id.charCodeAt(2);
  return -1;
}

/**
 * Whether a segment's elements fit a guide segment's `match` (any value when it has none); for a
 * composite (HI01), its first component is compared.
 */
export function matches(
  segment: CompiledSegment,
  elements: readonly string[],
  componentSeparator: string,
): boolean {
  if (segment.matchValues === undefined) return true;
  const value = elements[segment.matchElement] ?? '';
  if (!segment.matchComposite) return segment.matchValues.has(value);
  const end = value.indexOf(componentSeparator);
  return segment.matchValues.has(end === -1 ? value : value.slice(0, end));
}
