import { type DateType, mayBeAged90, shiftDate, toYear, writtenYear, yearImpliesAge90 } from './dates.js';
import { type ElementDef, isResourceType } from './model.js';
import {
  codingDisplays,
  FREE_TEXT,
  type Frame,
  findPatientReference,
  isJson,
  type Json,
  type Modes,
  normalize,
  OID_LIKE,
  QUANTITY_TYPES,
  type Scope,
} from './walk-support.js';
import { DROP, NO_POLICY, type Primitive, WalkerBase } from './walker-base.js';
import { generalizeZip } from './zip.js';

/**
 * The backstop where it is decided per value: the defaults of each primitive type (dates to years or
 * shifted, ids and OIDs to pseudonyms, strings dropped or scrubbed, URLs dropped) and the elements
 * whose handling depends on where they are (code displays, references, identifier values, address
 * parts, attachment data, narrative).
 */
export abstract class FieldPolicies extends WalkerBase {
  /** A primitive value: its field's policy if it has one, else its type's default. */
  protected primitive(
    value: unknown,
    def: ElementDef,
    ownerType: string,
    key: string,
    path: string,
    fr: Frame,
    modes: Modes,
    owner: Json,
  ): Primitive {
    const handled = this.fieldPolicy(value, ownerType, key, path, fr, modes, owner);
    if (handled !== NO_POLICY) return handled;
    const type = def.type;
    if (modes.pseudonymize !== 0 && typeof value === 'string') {
      if (modes.pseudonymize === 2 || type === 'string' || type === 'id') {
        this.hit(fr, 'pseudonymize', path);
        return this.pseudo.token(value);
      }
    }
    switch (type) {
      case 'boolean':
        return typeof value === 'boolean' ? value : this.invalid(fr, path);
      case 'integer':
      case 'positiveInt':
      case 'unsignedInt':
      case 'decimal':
        if (typeof value !== 'number') return this.invalid(fr, path);
        if (Number.isInteger(value) && Math.abs(value) >= 10_000) this.pendingDefer = 'number';
        return value;
      case 'code':
      case 'time':
        return typeof value === 'string' ? value : this.invalid(fr, path);
      case 'date':
      case 'dateTime':
      case 'instant':
        return this.date(value, type, def.name, path, fr, modes);
      case 'id':
        if (typeof value !== 'string') return this.invalid(fr, path);
        this.hit(fr, 'pseudonymize', path);
        return OID_LIKE.test(value) ? this.pseudo.oid(value) : this.pseudo.token(value);
      case 'oid':
        if (typeof value !== 'string') return this.invalid(fr, path);
        this.hit(fr, 'pseudonymize', path);
        return `urn:oid:${this.pseudo.oid(value)}`;
      case 'uuid':
        if (typeof value !== 'string') return this.invalid(fr, path);
        this.hit(fr, 'pseudonymize', path);
        return `urn:uuid:${this.pseudo.resourceUuid(`uuid|${value.toLowerCase()}`)}`;
      case 'string':
      case 'markdown':
        return this.text(value, def, path, fr, modes);
      default:
        // uri, url, canonical, base64Binary, xhtml: URLs and binary content of the individual's record.
        // The URLs that are kept (Coding.system, Quantity.system, Extension.url) have field policies.
        this.hit(fr, 'backstop-drop', path);
        return DROP;
    }
  }

  /** Strings: scrubbed when a rule or the contract says so and they are free text; otherwise dropped. */
  protected text(value: unknown, def: ElementDef, path: string, fr: Frame, modes: Modes): Primitive {
    if (typeof value !== 'string') return this.invalid(fr, path);
    if (modes.scrubAll || (modes.text === 'scrub' && (def.type === 'markdown' || FREE_TEXT.has(def.name)))) {
      this.pendingDefer = 'scrub';
      return value;
    }
    this.hit(fr, 'backstop-drop', path);
    return DROP;
  }

  protected date(
    value: unknown,
    type: DateType,
    name: string,
    path: string,
    fr: Frame,
    modes: Modes,
  ): Primitive {
    if (typeof value !== 'string') return this.invalid(fr, path);
    if (modes.age90 && name === 'birthDate' && mayBeAged90(value, this.referenceDate)) {
      fr.age90 = true;
      this.hit(fr, 'generalize-age90', path);
      return DROP;
    }
    switch (modes.dates) {
      case 'year': {
        // Under a shifting contract the year is the shifted date's, so intervals stay consistent.
        const source = this.cc.dates === 'shift' ? shiftDate(value, type, this.shiftFor(fr), 'drop') : value;
        const year = source === undefined ? undefined : writtenYear(source);
        if (year === undefined) return this.invalid(fr, path);
        if (modes.age90 && yearImpliesAge90(year, this.referenceDate)) {
          this.hit(fr, 'generalize-age90', path);
          return DROP;
        }
        const out = toYear(year, type);
        if (out !== value) this.hit(fr, 'generalize-year', path);
        return out;
      }
      case 'shift': {
        const shifted = shiftDate(value, type, this.shiftFor(fr), this.cc.shift.timeOfDay);
        if (shifted === undefined) return this.invalid(fr, path);
        this.hit(fr, 'date-shift', path);
        return shifted;
      }
      default:
        return writtenYear(value) === undefined ? this.invalid(fr, path) : value;
    }
  }

  protected shiftFor(fr: Frame): number {
    const sc = fr.sc;
    sc.shift ??= this.pseudo.shiftDays(this.patientKey(sc), this.cc.shift.minDays, this.cc.shift.maxDays);
    return sc.shift;
  }

  /**
   * The patient a record belongs to, for the date-shift key: itself, the Patient its `patient`,
   * `subject` or `beneficiary` names, any Patient it references, or the Bundle's only Patient.
   */
  protected patientKey(sc: Scope): string {
    const input = sc.input;
    if (input.resourceType === 'Patient' && sc.identity !== undefined) return sc.identity;
    for (const field of ['patient', 'subject', 'beneficiary']) {
      const v = input[field];
      const ref = isJson(v) ? v.reference : Array.isArray(v) && isJson(v[0]) ? v[0].reference : undefined;
      const target = typeof ref === 'string' ? this.refs.resolve(ref, sc.base) : undefined;
      if (target !== undefined && (target.type === 'Patient' || target.identity.startsWith('Patient/'))) {
        return target.identity;
      }
    }
    const anyPatient = findPatientReference(input, this.refs, 0);
    if (anyPatient !== undefined) return anyPatient;
    if (this.refs.patients.length === 1) return this.refs.patients[0] ?? 'record';
    return sc.identity ?? 'record';
  }

  /** Elements whose handling depends on where they are, not only on their type. */
  protected fieldPolicy(
    value: unknown,
    ownerType: string,
    key: string,
    path: string,
    fr: Frame,
    modes: Modes,
    owner: Json,
  ): Primitive | typeof NO_POLICY {
    switch (ownerType) {
      case 'Coding':
        if (key === 'display') return this.keptString(value, 'display', fr, path);
        if (key === 'version') return this.keptString(value, 'check', fr, path);
        if (key === 'system') return this.keptString(value, 'check-context', fr, path);
        return NO_POLICY;
      case 'CodeableConcept':
        if (
          key === 'text' &&
          typeof value === 'string' &&
          codingDisplays(owner.coding).has(normalize(value))
        ) {
          return this.keptString(value, 'display', fr, path);
        }
        return NO_POLICY;
      case 'Reference':
        if (key === 'reference') return this.reference(value, fr, path);
        if (key === 'type') {
          return typeof value === 'string' && isResourceType(value) ? value : this.invalid(fr, path);
        }
        if (key === 'display' && !modes.scrubAll) {
          this.hit(fr, 'backstop-drop', path);
          return DROP;
        }
        return NO_POLICY;
      case 'Identifier':
        if (key === 'value' || key === 'system')
          return this.identifierPart(value, key, owner, fr, path, modes);
        return NO_POLICY;
      case 'Address':
        return this.addressPart(value, key, fr, path, modes);
      case 'Attachment':
        if (key === 'data') {
          const textual = typeof owner.contentType === 'string' && /^text\//i.test(owner.contentType);
          if (typeof value === 'string' && textual && (modes.text === 'scrub' || modes.scrubAll)) {
            this.pendingDefer = 'scrub-attachment';
            return value;
          }
          this.hit(fr, 'backstop-drop', path);
          return DROP;
        }
        // A title is usually a file name, often made of the patient's name: never free text.
        if (key === 'hash' || key === 'size' || key === 'url' || (key === 'title' && !modes.scrubAll)) {
          this.hit(fr, 'backstop-drop', path);
          return DROP;
        }
        return NO_POLICY;
      case 'Narrative':
        if (key === 'div') {
          if (typeof value !== 'string') return this.invalid(fr, path);
          this.pendingDefer = 'scrub-div';
          return value;
        }
        return NO_POLICY;
      case 'Extension':
        if (key === 'url') return typeof value === 'string' ? value : this.invalid(fr, path);
        // The `text` part of a coded extension (US Core race, ethnicity) is structured: it is kept as
        // one of its codings' displays or not at all, never scrubbed.
        if (key === 'valueString' && owner.url === 'text' && this.siblingDisplays !== undefined) {
          if (typeof value === 'string' && this.siblingDisplays.has(normalize(value))) {
            return this.keptString(value, 'display', fr, path);
          }
          this.hit(fr, 'backstop-drop', path);
          return DROP;
        }
        return NO_POLICY;
      default:
        if (QUANTITY_TYPES.has(ownerType)) {
          if (key === 'unit') return this.keptString(value, 'check', fr, path);
          if (key === 'system') return typeof value === 'string' ? value : this.invalid(fr, path);
        }
        return NO_POLICY;
    }
  }

  protected keptString(
    value: unknown,
    check: 'display' | 'check' | 'check-context',
    fr: Frame,
    path: string,
  ): Primitive {
    if (typeof value !== 'string') return this.invalid(fr, path);
    this.pendingDefer = check;
    return value;
  }

  protected reference(value: unknown, fr: Frame, path: string): Primitive {
    if (typeof value !== 'string') return this.invalid(fr, path);
    if (value.startsWith('#')) {
      if (value === '#') {
        if (fr.localId !== undefined) markUsed(fr.sc, fr.localId);
        return value;
      }
      const local = fr.sc.contained?.get(value.slice(1));
      if (local === undefined) {
        this.hit(fr, 'reference-drop', path);
        return DROP;
      }
      markUsed(fr.sc, local);
      return `#${local}`;
    }
    const rewritten = this.refs.rewrite(value, fr.sc.base);
    if (rewritten === undefined) {
      this.hit(fr, 'reference-drop', path);
      return DROP;
    }
    this.hit(fr, 'pseudonymize', path);
    return rewritten;
  }

  protected identifierPart(
    value: unknown,
    key: 'value' | 'system',
    owner: Json,
    fr: Frame,
    path: string,
    modes: Modes,
  ): Primitive {
    if (typeof value !== 'string') return this.invalid(fr, path);
    if (modes.identifiers !== 'pseudonymize' || typeof owner.value !== 'string') {
      this.hit(fr, 'backstop-drop', path);
      return DROP;
    }
    this.hit(fr, 'pseudonymize', path);
    if (key === 'system') return this.refs.pseudonymSystem;
    const system = typeof owner.system === 'string' ? owner.system : '';
    return this.pseudo.identifierValue(system, value);
  }

  protected addressPart(
    value: unknown,
    key: string,
    fr: Frame,
    path: string,
    modes: Modes,
  ): Primitive | typeof NO_POLICY {
    switch (key) {
      case 'state':
      case 'country':
        return this.keptString(value, 'check-context', fr, path);
      case 'city':
        if (this.cc.profile === 'limited-data-set' && typeof value === 'string') return value;
        this.hit(fr, 'backstop-drop', path);
        return DROP;
      case 'postalCode': {
        if (typeof value !== 'string') return this.invalid(fr, path);
        if (modes.zip === 'keep' && this.cc.profile === 'limited-data-set') return value;
        const zip = modes.zip === 'drop' ? undefined : generalizeZip(value, this.cc.restrictedZip);
        if (zip === undefined) {
          this.hit(fr, 'backstop-drop', path);
          return DROP;
        }
        this.hit(fr, 'generalize-zip3', path);
        return zip;
      }
      case 'line':
      case 'text':
      case 'district':
        this.hit(fr, 'backstop-drop', path);
        return DROP;
      default:
        return NO_POLICY;
    }
  }
}

/** dom-3: a contained resource must be referenced from its container; remember which ones are. */
function markUsed(sc: Scope, localId: string): void {
  if (sc.usedLocal === undefined) sc.usedLocal = new Set();
  sc.usedLocal.add(localId);
}
