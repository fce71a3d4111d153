import { FieldPolicies } from './field-policies.js';
import { type ElementDef, type TypeDef, typeDef } from './model.js';
import { allowAll, type SelectorNode } from './selectors.js';
import {
  ageInYears,
  codingDisplays,
  DATA_ABSENT_REASON,
  type DeferKind,
  type Frame,
  isJson,
  type Json,
  type Modes,
  REQUIRES_ONE_OF,
  UCUM,
  withRule,
} from './walk-support.js';
import { DROP } from './walker-base.js';

/**
 * The traversal: one type-directed pass over an object. Every key is looked up in the R4 model
 * (unknown keys go), then in the contract's selector trie (unlisted elements go), then handled by its
 * type (field-policies.ts), where the backstop lives: the profile's treatment of names, addresses,
 * telecom, identifiers, dates, free text, URLs, attachments and extensions applies wherever those
 * types occur, whatever the contract allowed. Resources and Bundles are the subclass's (walker.ts).
 */
export abstract class ElementWalker extends FieldPolicies {
  protected object(
    obj: Json,
    typeKey: string,
    sel: SelectorNode,
    path: string,
    fr: Frame,
    modes: Modes,
    resourceLevel = false,
    into?: Json,
  ): Json | undefined {
    switch (typeKey) {
      case 'HumanName':
        this.collectName(obj);
        this.hit(fr, 'backstop-drop', path);
        return undefined;
      case 'ContactPoint':
        if (typeof obj.value === 'string') this.phi.addIdentifier(obj.value);
        this.hit(fr, 'backstop-drop', path);
        return undefined;
      case 'Signature':
      case 'Meta':
      // Latitude and longitude are geographic units far smaller than a state (and than a ZIP).
      case 'Location.position':
        this.scan(obj);
        this.hit(fr, 'backstop-drop', path);
        return undefined;
      case 'Narrative':
      case 'Annotation':
        if (modes.text === 'drop' && !modes.scrubAll) {
          this.scan(obj);
          this.hit(fr, 'backstop-drop', path);
          return undefined;
        }
        break;
      case 'Address':
        this.collectAddress(obj);
        break;
      case 'Identifier':
        if (typeof obj.value === 'string') this.phi.addIdentifier(obj.value);
        break;
      case 'Resource':
        return undefined;
    }
    const td = typeDef(typeKey);
    if (td === undefined) {
      this.hit(fr, 'unknown-element', path);
      return undefined;
    }
    if (
      !resourceLevel &&
      obj.modifierExtension !== undefined &&
      !this.modifiersAllowed(obj.modifierExtension)
    ) {
      this.scan(obj);
      this.hit(fr, 'extension-drop', path);
      return undefined;
    }
    // A resource's elements go straight into its output object (after resourceType, id and meta),
    // so that post-pass replacements of its own primitives land in the object that is returned.
    const out: Json = into ?? {};
    let n = 0;
    for (const key in obj) {
      const value = obj[key];
      if (key.charCodeAt(0) === 95) {
        // `_x` without `x`: a primitive that has only extensions.
        const base = key.slice(1);
        if (!(base in obj)) n += this.extensionOnlyPrimitive(out, key, value, td, sel, path, fr, modes);
        continue;
      }
      if (key === 'extension' || key === 'modifierExtension') {
        const v = this.extensions(value, this.child(path, key), fr, modes, typeKey === 'Extension');
        if (v !== undefined) {
          out[key] = v;
          n++;
        }
        continue;
      }
      if (resourceLevel && (key === 'resourceType' || key === 'id' || key === 'meta')) continue;
      const def = td.elements.get(key);
      if (def === undefined) {
        this.hit(fr, 'unknown-element', path);
        this.scan(value);
        continue;
      }
      if (key === 'id') continue; // Element.id: free text a partner may fill with anything
      const childPath = this.child(path, key);
      const childSel = sel.child(def);
      if (childSel === undefined) {
        this.hit(fr, 'deny', childPath);
        this.scan(value);
        continue;
      }
      let m = modes;
      const rule = childSel.rule;
      if (rule !== undefined) {
        if (rule.method === 'drop') {
          this.hit(fr, 'drop', childPath);
          this.scan(value);
          continue;
        }
        if (rule.method === 'substitute') {
          out[key] = structuredClone(rule.value);
          n++;
          this.hit(fr, 'substitute', childPath);
          continue;
        }
        m = withRule(modes, rule, def.primitive);
      }
      if (def.primitive) {
        n += this.primitiveField(out, obj, key, def, typeKey, childPath, fr, m);
        continue;
      }
      if (def.repeats) {
        if (!Array.isArray(value)) {
          this.hit(fr, 'invalid-drop', childPath);
          continue;
        }
        const items: Json[] = [];
        for (const item of value) {
          const r = isJson(item) ? this.complex(item, def, childSel, childPath, fr, m) : undefined;
          if (r !== undefined) items.push(r);
        }
        if (items.length > 0) {
          out[key] = items;
          n++;
        }
        continue;
      }
      if (!isJson(value)) {
        this.hit(fr, 'invalid-drop', childPath);
        continue;
      }
      const r = this.complex(value, def, childSel, childPath, fr, m);
      if (r !== undefined) {
        out[key] = r;
        n++;
      }
    }
    if (n > 0) this.afterObject(out, obj, typeKey, path, fr, modes);
    const oneOf = REQUIRES_ONE_OF[typeKey];
    if (n > 0 && oneOf !== undefined && !oneOf.some((key) => key in out)) {
      this.hit(fr, 'backstop-drop', path);
      return undefined;
    }
    if (td.required.length > 0) n += this.placeholders(out, obj, td, path, fr);
    return n === 0 ? undefined : out;
  }

  protected complex(value: Json, def: ElementDef, sel: SelectorNode, path: string, fr: Frame, modes: Modes) {
    if (def.type === 'Resource') {
      if (def.name !== 'contained') {
        this.hit(fr, 'deny', path);
        this.scan(value);
        return undefined;
      }
      return this.resource(value, 'contained', fr, undefined);
    }
    return this.object(value, def.type, sel, path, fr, modes);
  }

  /** Type-level fix-ups once an object's elements are done. */
  protected afterObject(
    out: Json,
    input: Json,
    typeKey: string,
    path: string,
    fr: Frame,
    modes: Modes,
  ): void {
    if (modes.age90 && (typeKey === 'Age' || (fr.ageObservation && path === 'Observation.valueQuantity'))) {
      const years = ageInYears(input);
      if (years !== undefined && years > 89) {
        for (const key of Object.keys(out)) if (key !== 'extension') delete out[key];
        Object.assign(out, { value: 90, comparator: '>=', unit: 'years', system: UCUM, code: 'a' });
        this.hit(fr, 'generalize-age90', path);
      }
    }
  }

  /** Required elements that were in the input but not in the output get a data-absent-reason. */
  protected placeholders(out: Json, input: Json, td: TypeDef, path: string, fr: Frame): number {
    let added = 0;
    for (const req of td.required) {
      const variants = td.names.get(req.name) ?? [req];
      let inOut = false;
      let inInput: ElementDef | undefined;
      for (const v of variants) {
        if (v.key in out || `_${v.key}` in out) inOut = true;
        if (inInput === undefined && (v.key in input || `_${v.key}` in input)) inInput = v;
      }
      if (inOut || inInput === undefined) continue;
      const dar = { extension: [{ url: DATA_ABSENT_REASON, valueCode: 'masked' }] };
      if (inInput.primitive) {
        if (inInput.repeats) {
          out[inInput.key] = [null];
          out[`_${inInput.key}`] = [dar];
        } else {
          out[`_${inInput.key}`] = dar;
        }
      } else {
        out[inInput.key] = inInput.repeats ? [dar] : dar;
      }
      this.hit(fr, 'data-absent', `${path}.${inInput.key}`);
      added++;
    }
    return added;
  }

  protected modifiersAllowed(modifiers: unknown): boolean {
    if (modifiers === undefined) return true;
    if (!Array.isArray(modifiers)) return false;
    return modifiers.every((m) => isJson(m) && typeof m.url === 'string' && this.cc.extensions.has(m.url));
  }

  // ---------------------------------------------------------------- extensions

  protected extensions(
    value: unknown,
    path: string,
    fr: Frame,
    modes: Modes,
    nested: boolean,
  ): Json[] | undefined {
    if (!Array.isArray(value)) {
      this.hit(fr, 'invalid-drop', path);
      return undefined;
    }
    const outerSiblings = this.siblingDisplays;
    this.siblingDisplays = nested ? codingDisplays(value) : undefined;
    const out: Json[] = [];
    for (const ext of value) {
      if (!isJson(ext) || typeof ext.url !== 'string') {
        this.hit(fr, 'invalid-drop', path);
        continue;
      }
      // Inside an allowed complex extension, relative URLs name its own parts (`ombCategory`, `text`).
      const partOfParent = nested && !ext.url.includes(':');
      if (!partOfParent && !this.cc.extensions.has(ext.url) && ext.url !== DATA_ABSENT_REASON) {
        this.hit(fr, 'extension-drop', path);
        this.scan(ext);
        continue;
      }
      const r = this.object(ext, 'Extension', allowAll('Extension'), path, fr, modes);
      if (r !== undefined && (Object.keys(r).length > 1 || !('url' in r))) out.push(r);
    }
    this.siblingDisplays = outerSiblings;
    return out.length > 0 ? out : undefined;
  }

  /** `_x` with no `x`: keep its allowed extensions if `x` itself is allowed. */
  protected extensionOnlyPrimitive(
    out: Json,
    key: string,
    value: unknown,
    td: TypeDef,
    sel: SelectorNode,
    path: string,
    fr: Frame,
    modes: Modes,
  ): number {
    const def = td.elements.get(key.slice(1));
    if (def === undefined || !def.primitive || sel.child(def) === undefined) {
      this.scan(value);
      return 0;
    }
    const p = this.child(path, def.key);
    const ext = def.repeats
      ? this.primitiveExtArray(value, p, fr, modes)
      : this.primitiveExt(value, p, fr, modes);
    if (ext === undefined) return 0;
    out[key] = ext;
    if (def.repeats && Array.isArray(ext)) out[def.key] = ext.map(() => null);
    return 1;
  }

  protected primitiveExt(value: unknown, path: string, fr: Frame, modes: Modes): Json | undefined {
    if (!isJson(value)) return undefined;
    const ext =
      value.extension === undefined
        ? undefined
        : this.extensions(value.extension, this.child(path, 'extension'), fr, modes, false);
    return ext === undefined ? undefined : { extension: ext };
  }

  protected primitiveExtArray(
    value: unknown,
    path: string,
    fr: Frame,
    modes: Modes,
  ): (Json | null)[] | undefined {
    if (!Array.isArray(value)) return undefined;
    const out = value.map((v) => (v === null ? null : (this.primitiveExt(v, path, fr, modes) ?? null)));
    return out.some((v) => v !== null) ? out : undefined;
  }

  protected primitiveField(
    out: Json,
    obj: Json,
    key: string,
    def: ElementDef,
    ownerType: string,
    path: string,
    fr: Frame,
    modes: Modes,
  ): number {
    const value = obj[key];
    const extKey = `_${key}`;
    const ext = obj[extKey];
    if (def.repeats) {
      if (!Array.isArray(value)) {
        this.hit(fr, 'invalid-drop', path);
        return 0;
      }
      const exts = Array.isArray(ext) ? ext : [];
      const values: unknown[] = [];
      const extsOut: (Json | null)[] = [];
      const defers: [number, DeferKind][] = [];
      value.forEach((item, i) => {
        this.pendingDefer = undefined;
        const v = item === null ? DROP : this.primitive(item, def, ownerType, key, path, fr, modes, obj);
        const e =
          exts[i] === undefined || exts[i] === null
            ? null
            : (this.primitiveExt(exts[i], path, fr, modes) ?? null);
        if (v === DROP && (item !== null || e === null)) return;
        if (v !== DROP && this.pendingDefer !== undefined) defers.push([values.length, this.pendingDefer]);
        values.push(v === DROP ? null : v);
        extsOut.push(e);
      });
      this.pendingDefer = undefined;
      if (values.length === 0) return 0;
      out[key] = values;
      for (const [i, kind] of defers) this.defer(values, i, kind, path, fr);
      if (extsOut.some((e) => e !== null)) out[extKey] = extsOut;
      return 1;
    }
    this.pendingDefer = undefined;
    const v = value === null ? DROP : this.primitive(value, def, ownerType, key, path, fr, modes, obj);
    const pending = this.pendingDefer;
    this.pendingDefer = undefined;
    if (v === DROP) {
      if (ext !== undefined) this.scan(ext);
      return 0;
    }
    out[key] = v;
    if (pending !== undefined) this.defer(out, key, pending, path, fr);
    if (ext !== undefined) {
      const e = this.primitiveExt(ext, path, fr, modes);
      if (e !== undefined) out[extKey] = e;
    }
    return 1;
  }
}
