import type { CompiledContract } from './compile.js';
import type { PostPass } from './post-pass.js';
import type { Pseudonyms } from './pseudonyms.js';
import type { ReferenceMap } from './references.js';
import { type ReportBuilder, RULE_LABELS, type Rule } from './report.js';
import type { PhiContext } from './scrubber.js';
import {
  type DeferKind,
  type Frame,
  type Json,
  LABEL_BIT,
  LABELS,
  PERSON_TYPES,
  SECURITY_SYSTEM,
  securityLabel,
} from './walk-support.js';

/** Returned by primitive handlers to drop the value. */
export const DROP = Symbol('drop');
/** Returned by field policies that leave the element to its type's default handling. */
export const NO_POLICY = Symbol('no-policy');
export type Primitive = unknown | typeof DROP;

/**
 * The state and bookkeeping every part of the walk shares: the contract, keys, report and record
 * context; counting a rule (and the security label it earns), deferring a kept value to the
 * post-pass, and collecting the identifiers of subtrees that are dropped without a walk.
 */
export abstract class WalkerBase {
  protected abstract readonly cc: CompiledContract;
  protected abstract readonly pseudo: Pseudonyms;
  protected abstract readonly report: ReportBuilder;
  protected abstract readonly referenceDate: string;
  protected abstract readonly phi: PhiContext;
  protected abstract readonly post: PostPass;
  protected abstract refs: ReferenceMap;
  protected abstract readonly tags: readonly Json[];
  /** Set by a primitive handler when its kept value needs the post-pass. */
  protected pendingDefer: DeferKind | undefined;
  /** Displays of the codings beside the sub-extension being walked (race/ethnicity `text`). */
  protected siblingDisplays: ReadonlySet<string> | undefined;
  /** Interned element paths: the same string object for the same path, cheap to count by. */
  private readonly paths = new Map<string, Map<string, string>>();

  protected abstract resource(
    input: Json,
    kind: 'top' | 'contained',
    parent: Frame | undefined,
    identity: string | undefined,
    base?: string,
  ): Json | undefined;

  protected child(path: string, key: string): string {
    let children = this.paths.get(path);
    if (children === undefined) {
      children = new Map();
      this.paths.set(path, children);
    }
    let p = children.get(key);
    if (p === undefined) {
      p = `${path}.${key}`;
      children.set(key, p);
    }
    return p;
  }

  protected hit(fr: Frame, rule: Rule, path: string): void {
    this.report.count(rule, path);
    fr.labels |= LABEL_BIT[RULE_LABELS[rule]] ?? 0;
  }

  protected ensureLabel(fr: Frame, code: 'REDACTED'): void {
    const bit = LABEL_BIT[code] ?? 0;
    if ((fr.labels & bit) !== 0) return;
    fr.labels |= bit;
    this.applyLabels(fr);
  }

  /**
   * (Re)writes `meta.security` and `meta.tag` of a resource from its labels, in a fixed order: the
   * input's own v3 labels, then PSEUDED, REDACTED, ABSTRED. No empty arrays (FHIR forbids them).
   */
  protected applyLabels(fr: Frame): void {
    const meta = fr.meta;
    if (meta === undefined) return;
    const security = [...(fr.inputSecurity ?? [])];
    const present = new Set(security.map((c) => `${String(c.system)}|${String(c.code)}`));
    for (const [code] of LABELS) {
      if ((fr.labels & (LABEL_BIT[code] ?? 0)) !== 0 && !present.has(`${SECURITY_SYSTEM}|${code}`)) {
        security.push(securityLabel(code));
      }
    }
    delete meta.security;
    delete meta.tag;
    if (security.length > 0) meta.security = security;
    meta.tag = this.tags.map((t) => ({ ...t }));
  }

  protected defer(
    holder: Json | unknown[],
    key: string | number,
    kind: DeferKind,
    path: string,
    fr: Frame,
  ): void {
    this.post.add(holder, key, kind, path, fr);
  }

  /** Collects the identifiers of a subtree that is being dropped without a walk. */
  protected scan(value: unknown, depth = 0): void {
    if (depth > 64 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.scan(item, depth + 1);
      return;
    }
    const o = value as Json;
    if (typeof o.family === 'string' || Array.isArray(o.given)) this.collectName(o);
    else if (Array.isArray(o.line) || typeof o.city === 'string') this.collectAddress(o);
    else if (typeof o.value === 'string' && typeof o.system === 'string') this.phi.addIdentifier(o.value);
    if (PERSON_TYPES.has(String(o.resourceType)) && typeof o.id === 'string') this.phi.addIdentifier(o.id);
    // Displays are vouched for against the patient's own identity; a relative's is not enough.
    if (o.resourceType === 'Patient') this.phi.notePatient();
    if (
      typeof o.valueString === 'string' &&
      typeof o.url === 'string' &&
      o.url.endsWith('mothersMaidenName')
    ) {
      this.phi.addName(o.valueString);
    }
    for (const key in o) {
      const child = o[key];
      if (typeof child === 'object' && child !== null) this.scan(child, depth + 1);
    }
  }

  protected collectName(o: Json): void {
    if (typeof o.family === 'string') this.phi.addName(o.family);
    if (typeof o.text === 'string') this.phi.addName(o.text);
    if (Array.isArray(o.given))
      for (const part of o.given) if (typeof part === 'string') this.phi.addName(part);
  }

  protected collectAddress(o: Json): void {
    if (Array.isArray(o.line)) for (const l of o.line) if (typeof l === 'string') this.phi.addAddressPart(l);
    for (const key of ['city', 'district', 'text'] as const) {
      const v = o[key];
      if (typeof v === 'string') this.phi.addAddressPart(v);
    }
    if (typeof o.postalCode === 'string') this.phi.addIdentifier(o.postalCode);
  }

  protected invalid(fr: Frame, path: string): typeof DROP {
    this.hit(fr, 'invalid-drop', path);
    return DROP;
  }
}
