import type { CompiledContract } from './compile.js';
import { ElementWalker } from './element-walker.js';
import { isResourceType } from './model.js';
import { PostPass } from './post-pass.js';
import type { Pseudonyms } from './pseudonyms.js';
import { ReferenceMap } from './references.js';
import type { ReportBuilder } from './report.js';
import { PhiContext } from './scrubber.js';
import { allowAll } from './selectors.js';
import {
  AGE_CATEGORY_EXTENSION,
  CONTRACT_TAG_SYSTEM,
  DIRECTORY_TYPES,
  type Frame,
  hasAgeCode,
  isJson,
  type Json,
  type Modes,
  PERSON_TYPES,
  PROFILE_TAG_SYSTEM,
  prune,
  type Scope,
} from './walk-support.js';
import { DROP } from './walker-base.js';

export interface WalkerOptions {
  readonly cc: CompiledContract;
  readonly pseudo: Pseudonyms;
  readonly report: ReportBuilder;
  readonly keyId: string;
  readonly referenceDate: string;
  readonly context?: PhiContext;
}

/**
 * One de-identification call: a Bundle or a resource, walked once (element-walker.ts), then the
 * post-pass (post-pass.ts) once the record's own identifiers are all known. Resources get pseudonymous
 * ids, their contained resources local ids, and `meta` the security labels their changes earned and the
 * contract tag; Bundles get their references, fullUrls and requests rewritten (references.ts).
 */
export class Walker extends ElementWalker {
  protected readonly phi: PhiContext;
  protected readonly cc: CompiledContract;
  protected readonly pseudo: Pseudonyms;
  protected readonly report: ReportBuilder;
  protected readonly referenceDate: string;
  protected readonly post = new PostPass();
  protected refs: ReferenceMap;
  private readonly keyId: string;
  private readonly scopes: Scope[] = [];
  private readonly baseModes: Modes;
  private readonly directoryModes: Modes;
  protected readonly tags: Json[];

  constructor(o: WalkerOptions) {
    super();
    this.cc = o.cc;
    this.pseudo = o.pseudo;
    this.report = o.report;
    this.keyId = o.keyId;
    this.referenceDate = o.referenceDate;
    // A shared context (other lines of the same file) is read, never written: output must not
    // depend on the order lines are processed in.
    this.phi = new PhiContext(o.context);
    this.baseModes = {
      text: o.cc.freeText,
      scrubAll: false,
      dates: o.cc.profile === 'safe-harbor' ? 'year' : o.cc.dates,
      zip: o.cc.zip,
      age90: o.cc.profile === 'safe-harbor' || o.cc.ages90,
      pseudonymize: 0,
      identifiers: o.cc.profile === 'safe-harbor' ? 'drop' : o.cc.identifiers,
    };
    this.directoryModes = { ...this.baseModes, identifiers: 'pseudonymize' };
    this.refs = this.newReferenceMap([]);
    this.tags = [
      { system: CONTRACT_TAG_SYSTEM, code: `${o.cc.name}@${o.cc.version}` },
      { system: PROFILE_TAG_SYSTEM, code: o.cc.profile },
    ];
  }

  private newReferenceMap(entries: readonly unknown[]): ReferenceMap {
    return new ReferenceMap(this.pseudo, (t) => this.cc.selectors.root(t) !== undefined, this.keyId, entries);
  }

  // ---------------------------------------------------------------- entry points

  /** A top-level resource (an NDJSON line, or a Bundle). */
  topLevel(input: unknown): Json | undefined {
    if (!isJson(input)) {
      this.report.resourceDropped('(unknown)');
      return undefined;
    }
    const out = this.resource(input, 'top', undefined, undefined);
    if (out !== undefined) this.report.resourceOut(String(out.resourceType));
    return out;
  }

  /** A Bundle at the top: its entries are counted, not the Bundle itself. */
  bundleTop(input: Json): Json {
    return this.bundle(input);
  }

  /** The identifiers collected so far. */
  context(): PhiContext {
    return this.phi;
  }

  /** Adds the identifiers in a resource's structured fields to the context, without a walk. */
  collect(resource: unknown): void {
    this.scan(resource);
  }

  /** Runs the post-pass: kept-string checks and scrubbing with the record's full context. */
  finish(): void {
    this.post.run(this.phi, {
      removed: (fr, path) => {
        this.hit(fr, 'phi-check-drop', path);
        this.ensureLabel(fr, 'REDACTED');
      },
      scrubbed: (fr, path) => {
        this.hit(fr, 'scrub', path);
        this.ensureLabel(fr, 'REDACTED');
      },
    });
    for (const sc of this.scopes) if (sc.dirty && sc.output !== undefined) prune(sc.output);
    this.scopes.length = 0;
  }

  private newScope(input: Json, identity: string | undefined, base?: string): Scope {
    const sc: Scope = {
      input,
      identity,
      base,
      shift: undefined,
      contained: undefined,
      usedLocal: undefined,
      dirty: false,
      output: undefined,
    };
    this.scopes.push(sc);
    return sc;
  }

  protected resource(
    input: Json,
    kind: 'top' | 'contained',
    parent: Frame | undefined,
    identity: string | undefined,
    base?: string,
  ): Json | undefined {
    const type = input.resourceType;
    if (!isResourceType(type)) {
      this.report.resourceDropped('(unknown)');
      this.scan(input);
      return undefined;
    }
    if (type === 'Bundle') return kind === 'top' ? this.bundle(input) : undefined;
    const root = this.cc.selectors.root(type);
    if (root === undefined || !this.modifiersAllowed(input.modifierExtension)) {
      this.report.resourceDropped(type);
      this.scan(input);
      return undefined;
    }
    const rawId = typeof input.id === 'string' ? input.id : undefined;
    const ident = identity ?? (rawId === undefined ? undefined : `${type}/${rawId}`);
    const sc = kind === 'contained' && parent !== undefined ? parent.sc : this.newScope(input, ident, base);
    const localId = kind === 'contained' && rawId !== undefined ? sc.contained?.get(rawId) : undefined;
    if (kind === 'contained' && localId === undefined) {
      this.scan(input);
      return undefined;
    }
    const fr: Frame = {
      sc,
      type,
      labels: 0,
      age90: false,
      ageObservation: type === 'Observation' && hasAgeCode(input.code),
      localId,
      meta: undefined,
      inputSecurity: undefined,
    };
    if (kind === 'top') sc.contained = this.containedIds(input.contained);
    if (PERSON_TYPES.has(type) && rawId !== undefined) this.phi.addIdentifier(rawId);
    // Displays are vouched for against the patient's own identity; a relative's is not enough.
    if (type === 'Patient') this.phi.notePatient();
    const modes = DIRECTORY_TYPES.has(type) ? this.directoryModes : this.baseModes;

    const out: Json = { resourceType: type };
    if (kind === 'contained') {
      out.id = localId;
    } else if (ident !== undefined && rawId !== undefined) {
      out.id = this.pseudo.resourceUuid(ident);
      this.hit(fr, 'pseudonymize', `${type}.id`);
    }
    const meta: Json = {};
    if (kind === 'top') out.meta = meta;
    this.object(input, type, root, type, fr, modes, true, out);
    if (kind === 'top' && Array.isArray(out.contained)) {
      const used = out.contained.filter((c) => isJson(c) && sc.usedLocal?.has(String(c.id)) === true);
      if (used.length < out.contained.length) this.hit(fr, 'contained-drop', `${type}.contained`);
      if (used.length > 0) out.contained = used;
      else delete out.contained;
    }
    // org-1: an Organization needs an identifier or a name; its name was free text, so it gets a
    // keyed pseudonymous identifier instead.
    if (
      type === 'Organization' &&
      out.identifier === undefined &&
      out.name === undefined &&
      ident !== undefined
    ) {
      out.identifier = [{ system: this.refs.pseudonymSystem, value: this.pseudo.token(ident) }];
      this.hit(fr, 'pseudonymize', 'Organization.identifier');
    }
    if (fr.age90 && type === 'Patient') {
      const ext = Array.isArray(out.extension) ? out.extension : [];
      ext.push({ url: AGE_CATEGORY_EXTENSION, valueCode: '90+' });
      out.extension = ext;
    }
    if (kind === 'top') this.meta(input.meta, fr, meta);
    if (kind === 'top') sc.output = out;
    return out;
  }

  /** Local ids for contained resources of kept types, by position: the originals may be identifiers. */
  private containedIds(contained: unknown): Map<string, string> | undefined {
    if (!Array.isArray(contained)) return undefined;
    const ids = new Map<string, string>();
    let n = 0;
    for (const c of contained) {
      if (!isJson(c) || typeof c.id !== 'string' || ids.has(c.id)) continue;
      if (!isResourceType(c.resourceType) || this.cc.selectors.root(c.resourceType) === undefined) continue;
      ids.set(c.id, `c${++n}`);
    }
    return ids;
  }

  /** `meta` of a top-level resource: a version counter, the input's own v3 labels, ours, the tags. */
  private meta(input: unknown, fr: Frame, meta: Json): void {
    const kept: Json[] = [];
    const seen = new Set<string>();
    if (isJson(input) && Array.isArray(input.security)) {
      for (const c of input.security) {
        if (!isJson(c) || typeof c.system !== 'string' || typeof c.code !== 'string') continue;
        if (!c.system.startsWith('http://terminology.hl7.org/CodeSystem/v3-')) continue;
        if (!/^[A-Za-z0-9_-]{1,32}$/.test(c.code) || seen.has(`${c.system}|${c.code}`)) continue;
        seen.add(`${c.system}|${c.code}`);
        kept.push({ system: c.system, code: c.code });
      }
    }
    // A version counter is not an identifier; bdl-7 needs it where one resource appears in two versions.
    if (
      isJson(input) &&
      typeof input.versionId === 'string' &&
      /^[A-Za-z0-9\-.]{1,64}$/.test(input.versionId)
    ) {
      meta.versionId = /^\d{1,6}$/.test(input.versionId)
        ? input.versionId
        : this.pseudo.token(input.versionId);
    }
    fr.meta = meta;
    fr.inputSecurity = kept;
    this.applyLabels(fr);
  }

  private bundle(input: Json): Json {
    const entries = Array.isArray(input.entry) ? input.entry : [];
    const outerRefs = this.refs;
    this.refs = this.newReferenceMap(entries);
    const rawId = typeof input.id === 'string' ? input.id : undefined;
    const sc = this.newScope(input, rawId === undefined ? undefined : `Bundle/${rawId}`);
    const fr: Frame = {
      sc,
      type: 'Bundle',
      labels: 0,
      age90: false,
      ageObservation: false,
      localId: undefined,
      meta: undefined,
      inputSecurity: undefined,
    };
    const modes = this.baseModes;
    const out: Json = { resourceType: 'Bundle' };
    if (rawId !== undefined) {
      out.id = this.pseudo.resourceUuid(`Bundle/${rawId}`);
      this.hit(fr, 'pseudonymize', 'Bundle.id');
    }
    const meta: Json = {};
    out.meta = meta;
    for (const key in input) {
      const value = input[key];
      switch (key) {
        case 'resourceType':
        case 'id':
        case 'meta':
          break;
        case 'type':
        case 'language':
          if (typeof value === 'string') out[key] = value;
          break;
        case 'total':
          if (typeof value === 'number') out[key] = value;
          break;
        case 'timestamp': {
          const v = this.date(value, 'instant', 'timestamp', 'Bundle.timestamp', fr, modes);
          if (v !== DROP) out[key] = v;
          break;
        }
        case 'identifier':
          // The document's or message's own identifier (bdl-9 requires one): a keyed pseudonym, like ids.
          if (isJson(value)) {
            const v = this.object(
              value,
              'Identifier',
              allowAll('Identifier'),
              'Bundle.identifier',
              fr,
              this.directoryModes,
            );
            if (v !== undefined) out[key] = v;
          }
          break;
        case 'entry': {
          const kept = this.entries(entries, fr);
          if (kept.length > 0) out.entry = kept;
          break;
        }
        default:
          this.hit(
            fr,
            key.startsWith('_') || key === 'link' || key === 'signature'
              ? 'backstop-drop'
              : 'unknown-element',
            'Bundle',
          );
          this.scan(value);
      }
    }
    this.meta(input.meta, fr, meta);
    sc.output = out;
    this.refs = outerRefs;
    return out;
  }

  private entries(entries: readonly unknown[], bundleFrame: Frame): Json[] {
    const kept: Json[] = [];
    entries.forEach((entry, i) => {
      if (!isJson(entry)) return;
      const info = this.refs.entries[i];
      const input = isJson(entry.resource) ? entry.resource : undefined;
      let resource: Json | undefined;
      if (input !== undefined) {
        resource = this.resource(input, 'top', undefined, info?.identity, info?.base);
        if (resource === undefined) return;
        this.report.resourceOut(String(resource.resourceType));
      }
      const out: Json = {};
      if (typeof entry.fullUrl === 'string' && info?.newRef !== undefined) {
        out.fullUrl = info.newRef;
        this.hit(bundleFrame, 'pseudonymize', 'Bundle.entry.fullUrl');
      }
      if (resource !== undefined) out.resource = resource;
      if (isJson(entry.search)) {
        const search: Json = {};
        if (typeof entry.search.mode === 'string') search.mode = entry.search.mode;
        if (typeof entry.search.score === 'number') search.score = entry.search.score;
        if (Object.keys(search).length > 0) out.search = search;
      }
      const request = isJson(entry.request) ? this.request(entry.request, resource, bundleFrame) : undefined;
      if (request !== undefined) out.request = request;
      const response = isJson(entry.response) ? this.response(entry.response, bundleFrame) : undefined;
      if (response !== undefined) out.response = response;
      if (resource === undefined && request === undefined && response === undefined) return;
      kept.push(out);
    });
    return kept;
  }

  private request(input: Json, resource: Json | undefined, fr: Frame): Json | undefined {
    const method = typeof input.method === 'string' ? input.method : undefined;
    if (method === undefined || typeof input.url !== 'string') return undefined;
    const type = resource === undefined ? undefined : String(resource.resourceType);
    let url = this.refs.rewriteRequestUrl(input.url);
    if (url === undefined && type !== undefined) {
      url = method === 'POST' || resource?.id === undefined ? type : `${type}/${String(resource.id)}`;
    }
    if (url === undefined) return undefined;
    const urlType = /^[A-Z][A-Za-z]+/.exec(url)?.[0] ?? '';
    if (type === undefined && this.cc.selectors.root(urlType) === undefined) return undefined;
    if (url !== input.url) this.hit(fr, 'pseudonymize', 'Bundle.entry.request.url');
    const out: Json = { method, url };
    if (typeof input.ifNoneExist === 'string') {
      out.ifNoneExist = this.refs.pseudonymQuery(type ?? urlType, input.ifNoneExist.replace(/^\?/, ''));
      this.hit(fr, 'pseudonymize', 'Bundle.entry.request.ifNoneExist');
    }
    for (const key of ['ifMatch', 'ifNoneMatch', 'ifModifiedSince']) {
      if (key in input) this.hit(fr, 'backstop-drop', `Bundle.entry.request.${key}`);
    }
    return out;
  }

  private response(input: Json, fr: Frame): Json | undefined {
    const status = typeof input.status === 'string' ? /^\d{3}/.exec(input.status)?.[0] : undefined;
    if (status === undefined) return undefined;
    const out: Json = { status };
    if (typeof input.location === 'string') {
      const location = this.refs.rewriteRequestUrl(input.location);
      if (location !== undefined) out.location = location;
      this.hit(
        fr,
        location === undefined ? 'backstop-drop' : 'pseudonymize',
        'Bundle.entry.response.location',
      );
    }
    if (isJson(input.outcome)) {
      const outcome = this.resource(input.outcome, 'top', undefined, undefined);
      if (outcome !== undefined) out.outcome = outcome;
    }
    for (const key of ['etag', 'lastModified']) {
      if (key in input) this.hit(fr, 'backstop-drop', `Bundle.entry.response.${key}`);
    }
    return out;
  }
}
