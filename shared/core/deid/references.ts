import { isResourceType } from './model.js';
import type { Pseudonyms } from './pseudonyms.js';

/**
 * Referential integrity under pseudonymization. Every resource identity (`Type/id`, or the fullUrl of
 * an entry without an id) maps to one keyed UUID; the resource gets it as its id and its entry the
 * fullUrl `urn:uuid:<it>`. A reference keeps pointing at what it pointed at in the submission:
 *
 * - In a Bundle, a reference that resolves to an entry (urn:uuid; relative against the entry's server
 *   base, or by type and id where the entry has no server base; absolute, on the entry's own fullUrl,
 *   or by type and id to an entry whose fullUrl names no server; by a transaction `PUT` URL; or
 *   conditional on an identifier) is rewritten to that entry's new fullUrl.
 * - Outside a Bundle (NDJSON lines, across the files of one submission: `Submission`), a relative or
 *   absolute reference, on any base, versioned or not, whose `Type/id` names a resource of the
 *   submission becomes `Type/<uuid>`: exactly the id that resource gets (so does a `urn:uuid:` equal to
 *   the id of exactly one resource of the submission).
 * - Anything else points outside the submission and stays visibly external: an absolute reference on
 *   `EXTERNAL_BASE`, `https://external.invalid/Type/<uuid>` (`.invalid` never resolves, RFC 2606), with
 *   the same UUID the target gets wherever it is de-identified with the same key, never a relative
 *   reference that would resolve nowhere (or, worse, to something else on the consumer's server).
 *
 * Server bases and hosts never survive: they are URLs (164.514(b)(2)(i)(N)).
 */
type Json = Record<string, unknown>;

export interface EntryInfo {
  readonly identity: string | undefined;
  readonly type: string | undefined;
  /** Whether the contract keeps this entry's resource type. */
  readonly allowed: boolean;
  /** `urn:uuid:…` of the rewritten entry. */
  readonly newRef: string | undefined;
  /** Server base of an absolute fullUrl, against which the entry's relative references resolve. */
  readonly base: string | undefined;
}

export const PSEUDONYM_SYSTEM_PREFIX = 'urn:phi-pipeline:pseudonym:';

/** Base of references that point outside the submission: a reserved name that never resolves. */
export const EXTERNAL_BASE = 'https://external.invalid';

const ID = '[A-Za-z0-9\\-.]{1,64}';
const RELATIVE = new RegExp(`^([A-Z][A-Za-z]{1,63})/(${ID})(?:/_history/${ID})?$`);
const ABSOLUTE = new RegExp(`^https?://[^?#\\s]*?/([A-Z][A-Za-z]{1,63})/(${ID})(?:/_history/${ID})?$`);
const CONDITIONAL = /^([A-Z][A-Za-z]{1,63})\?(.*)$/;
const URN_UUID = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const URN_OID = /^urn:oid:[0-2](?:\.(?:0|[1-9]\d*))+$/;
const VERSIONED = /\/_history\/[^/]+$/;
const FHIR_ID = new RegExp(`^${ID}$`);
const BASE = new RegExp(`^(https?://.+?)/[A-Z][A-Za-z]{1,63}/${ID}(?:/_history/${ID})?$`);

/** fullUrls compare without a version suffix, and urn:uuid case-insensitively. */
const fullUrlKey = (url: string): string =>
  URN_UUID.test(url) ? url.toLowerCase() : url.replace(VERSIONED, '');

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ReferenceTarget {
  /** Identity of the target, for pseudonyms and date-shift keys. */
  readonly identity: string;
  readonly type: string | undefined;
  readonly entry: EntryInfo | undefined;
  /** A resource of the submission outside any Bundle (an NDJSON line), known by `Type/id`. */
  readonly inSubmission?: boolean;
}

/**
 * The resources of one submission outside Bundles (the lines of its NDJSON files, all files of the
 * job): which `Type/id`s it holds. Bulk Data NDJSON has no fullUrls, so presence by type and id is all
 * there is; a reference to that `Type/id` on any server base is to that resource.
 */
export class Submission {
  private readonly typeIds = new Set<string>();
  /** `Type/id` of a resource whose id is a UUID, for `urn:uuid:` references; undefined if two share it. */
  private readonly byUuid = new Map<string, string | undefined>();
  private added = 0;

  constructor(resources: Iterable<unknown> = []) {
    for (const resource of resources) this.add(resource);
  }

  /** Counts `add` calls: what was resolved against the submission before a change is stale after it. */
  get revision(): number {
    return this.added;
  }

  add(resource: unknown): void {
    this.added++;
    if (!isJson(resource) || !isResourceType(resource.resourceType) || resource.resourceType === 'Bundle') {
      return;
    }
    if (typeof resource.id === 'string' && FHIR_ID.test(resource.id)) {
      const typeId = `${resource.resourceType}/${resource.id}`;
      this.typeIds.add(typeId);
      const urn = `urn:uuid:${resource.id}`;
      if (URN_UUID.test(urn)) {
        const key = urn.toLowerCase();
        this.byUuid.set(key, this.byUuid.has(key) && this.byUuid.get(key) !== typeId ? undefined : typeId);
      }
    }
  }

  has(typeId: string): boolean {
    return this.typeIds.has(typeId);
  }

  /** The `Type/id` a `urn:uuid:` reference names: the one resource of the submission with that id. */
  uuidTarget(urn: string): string | undefined {
    return this.byUuid.get(urn.toLowerCase());
  }
}

const MAX_CACHED_REWRITES = 100_000;

export class ReferenceMap {
  readonly entries: readonly EntryInfo[];
  private readonly byFullUrl = new Map<string, EntryInfo>();
  private readonly byTypeId = new Map<string, EntryInfo>();
  /** Entries by `Type/id` whose fullUrl names no server (urn:uuid, none): any base may mean them. */
  private readonly byTypeIdAnyBase = new Map<string, EntryInfo>();
  /** Transaction entries by the `Type/id` their request PUTs. */
  private readonly byPutUrl = new Map<string, EntryInfo>();
  private byIdentifier: Map<string, EntryInfo> | undefined;
  private readonly rewrites = new Map<string | undefined, Map<string, string | undefined>>();
  /** Identities of the Patient entries, for resources that name no patient. */
  readonly patients: readonly string[];

  constructor(
    private readonly pseudo: Pseudonyms,
    private readonly allowsType: (type: string) => boolean,
    private readonly keyId: string,
    private readonly bundleEntries: readonly unknown[] = [],
    private readonly submission: Submission = new Submission(),
  ) {
    const raw = bundleEntries.map((entry) => {
      const e = isJson(entry) ? entry : {};
      const resource = isJson(e.resource) ? e.resource : undefined;
      const fullUrl = typeof e.fullUrl === 'string' ? e.fullUrl : undefined;
      const type = isResourceType(resource?.resourceType) ? resource?.resourceType : undefined;
      const id = typeof resource?.id === 'string' && FHIR_ID.test(resource.id) ? resource.id : undefined;
      const request = isJson(e.request) ? e.request : undefined;
      const putUrl =
        request?.method === 'PUT' && typeof request.url === 'string' && RELATIVE.test(request.url)
          ? request.url.replace(VERSIONED, '')
          : undefined;
      return {
        fullUrl,
        type,
        id,
        putUrl,
        typeId: type !== undefined && id !== undefined ? `${type}/${id}` : undefined,
      };
    });
    // The same Type/id on two servers (two bases) is two resources: those are known by their fullUrl.
    const urlsByTypeId = new Map<string, Set<string>>();
    for (const r of raw) {
      if (r.typeId === undefined) continue;
      const urls = urlsByTypeId.get(r.typeId) ?? new Set<string>();
      urls.add(r.fullUrl === undefined ? '' : fullUrlKey(r.fullUrl));
      urlsByTypeId.set(r.typeId, urls);
    }
    const entries: EntryInfo[] = [];
    const patients: string[] = [];
    for (const r of raw) {
      const ambiguous = r.typeId !== undefined && (urlsByTypeId.get(r.typeId)?.size ?? 0) > 1;
      const identity =
        r.typeId !== undefined && !(ambiguous && r.fullUrl !== undefined)
          ? r.typeId
          : r.fullUrl !== undefined
            ? urlIdentity(r.fullUrl)
            : undefined;
      const info: EntryInfo = {
        identity,
        type: r.type,
        allowed: r.type !== undefined && allowsType(r.type),
        newRef: identity === undefined ? undefined : `urn:uuid:${pseudo.resourceUuid(identity)}`,
        base: r.fullUrl === undefined ? undefined : (BASE.exec(r.fullUrl)?.[1] ?? undefined),
      };
      entries.push(info);
      const urlKey = r.fullUrl === undefined ? undefined : fullUrlKey(r.fullUrl);
      if (urlKey !== undefined && !this.byFullUrl.has(urlKey)) this.byFullUrl.set(urlKey, info);
      if (r.typeId !== undefined && !ambiguous && !this.byTypeId.has(r.typeId)) {
        this.byTypeId.set(r.typeId, info);
        if (info.base === undefined) this.byTypeIdAnyBase.set(r.typeId, info);
      }
      if (r.putUrl !== undefined && !this.byPutUrl.has(r.putUrl)) this.byPutUrl.set(r.putUrl, info);
      if (r.type === 'Patient' && identity !== undefined && info.allowed) patients.push(identity);
    }
    this.entries = entries;
    this.patients = patients;
  }

  get pseudonymSystem(): string {
    return `${PSEUDONYM_SYSTEM_PREFIX}${this.keyId}`;
  }

  /** New id for a resource whose identity is `identity`. */
  resourceId(identity: string): string {
    return this.pseudo.resourceUuid(identity);
  }

  /** Finds what a literal or conditional reference points to, in the Bundle or outside it. */
  resolve(reference: string, base?: string): ReferenceTarget | undefined {
    if (URN_UUID.test(reference) || URN_OID.test(reference)) {
      const entry = this.byFullUrl.get(fullUrlKey(reference));
      if (entry?.identity !== undefined) return { identity: entry.identity, type: entry.type, entry };
      // An NDJSON line whose id is that UUID (a Bundle's entries exported with their fullUrls as ids).
      const typeId = URN_UUID.test(reference) ? this.submission.uuidTarget(reference) : undefined;
      if (typeId !== undefined) {
        return {
          identity: typeId,
          type: typeId.slice(0, typeId.indexOf('/')),
          entry: undefined,
          inSubmission: true,
        };
      }
      return { identity: urlIdentity(reference), type: undefined, entry: undefined };
    }
    const relative = RELATIVE.exec(reference);
    const absolute = relative === null ? ABSOLUTE.exec(reference) : null;
    const literal = relative ?? absolute;
    if (literal !== null) {
      const type = literal[1] ?? '';
      if (!isResourceType(type)) return undefined;
      const typeId = `${type}/${literal[2]}`;
      let entry: EntryInfo | undefined;
      if (absolute !== null) {
        // Its own fullUrl, or an entry that names no server; an entry on another server with the
        // same Type/id is another resource.
        entry = this.byFullUrl.get(fullUrlKey(reference)) ?? this.byTypeIdAnyBase.get(typeId);
      } else if (base !== undefined) {
        // A relative reference from an entry with an absolute fullUrl resolves against that server's
        // base only (FHIR R4 3.3.1.3), or to what a transaction entry PUTs at that location.
        entry = this.byFullUrl.get(fullUrlKey(`${base}/${reference}`)) ?? this.byPutUrl.get(typeId);
      } else entry = this.byTypeId.get(typeId);
      if (entry?.identity !== undefined) return { identity: entry.identity, type: entry.type, entry };
      // A line of the submission (NDJSON): its Type/id, on whatever base the reference names.
      if (this.submission.has(typeId)) {
        return { identity: typeId, type, entry: undefined, inSubmission: true };
      }
      // Outside the submission. On a known server it is known by its URL, so that it never takes the
      // pseudonym of a same-named resource of this Bundle that lives on another server.
      if (absolute !== null) return { identity: urlIdentity(reference), type, entry: undefined };
      if (base !== undefined)
        return { identity: urlIdentity(`${base}/${reference}`), type, entry: undefined };
      return { identity: typeId, type, entry: undefined };
    }
    const conditional = CONDITIONAL.exec(reference);
    if (conditional !== null) {
      const type = conditional[1] ?? '';
      if (!isResourceType(type)) return undefined;
      const entry = this.byConditional(type, conditional[2] ?? '');
      if (entry?.identity !== undefined) return { identity: entry.identity, type: entry.type, entry };
      return { identity: `${type}?${conditional[2]}`, type, entry: undefined };
    }
    return undefined;
  }

  /**
   * The rewritten reference, or undefined when it must go: its target's type is not allowed, or it is
   * not a form we can keep (a URL of some other kind, a logical reference with a host, …).
   */
  rewrite(reference: string, base?: string): string | undefined {
    // Synthea repeats each reference hundreds of times: resolve each once.
    let cache = this.rewrites.get(base);
    if (cache === undefined) {
      cache = new Map();
      this.rewrites.set(base, cache);
    }
    if (cache.has(reference)) return cache.get(reference);
    // One map may serve every line of a long NDJSON submission: its memory stays bounded.
    if (cache.size >= MAX_CACHED_REWRITES) cache.clear();
    const rewritten = this.rewriteUncached(reference, base);
    cache.set(reference, rewritten);
    return rewritten;
  }

  private rewriteUncached(reference: string, base: string | undefined): string | undefined {
    const target = this.resolve(reference, base);
    if (target === undefined) return undefined;
    if (target.entry !== undefined) return target.entry.allowed ? target.entry.newRef : undefined;
    if (target.type !== undefined && !this.allowsType(target.type)) return undefined;
    const conditional = CONDITIONAL.exec(reference);
    if (conditional !== null)
      return `${conditional[1]}?${this.pseudonymQuery(target.type ?? '', conditional[2] ?? '')}`;
    if (target.type === undefined) return `urn:uuid:${this.pseudo.resourceUuid(target.identity)}`;
    const id = this.pseudo.resourceUuid(target.identity);
    return target.inSubmission === true ? `${target.type}/${id}` : `${EXTERNAL_BASE}/${target.type}/${id}`;
  }

  /**
   * A search query keeping only what can be pseudonymized consistently: `identifier` (system|value
   * becomes the pseudonym system and keyed value that identifiers of kept resources get) and `_id`.
   */
  pseudonymQuery(type: string, query: string): string {
    const kept: string[] = [];
    for (const param of query.split('&')) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const name = param.slice(0, eq);
      const value = safeDecode(param.slice(eq + 1));
      if (value === undefined || value === '') continue;
      if (name === 'identifier') {
        const bar = value.indexOf('|');
        const system = bar < 0 ? '' : value.slice(0, bar);
        const code = bar < 0 ? value : value.slice(bar + 1);
        kept.push(`identifier=${this.pseudonymSystem}|${this.pseudo.identifierValue(system, code)}`);
      } else if (name === '_id') {
        kept.push(`_id=${this.pseudo.resourceUuid(`${type}/${value}`)}`);
      }
    }
    if (kept.length === 0) kept.push(`_id=${this.pseudo.resourceUuid(`${type}?${query}`)}`);
    return kept.join('&');
  }

  /** `Bundle.entry.request.url`: the interaction stays, ids and conditions are pseudonymized. */
  rewriteRequestUrl(url: string): string | undefined {
    const path = url.replace(/^https?:\/\/[^?#]*?\/(?=[A-Z][A-Za-z]{1,63}(?:[/?]|$))/, '');
    const match =
      /^([A-Z][A-Za-z]{1,63})(?:\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?)?(?:\?(.*))?$/.exec(
        path,
      );
    if (match === null) return undefined;
    const type = match[1] ?? '';
    if (!isResourceType(type)) return undefined;
    if (match[2] !== undefined) return `${type}/${this.pseudo.resourceUuid(`${type}/${match[2]}`)}`;
    if (match[3] !== undefined) return `${type}?${this.pseudonymQuery(type, match[3])}`;
    return type;
  }

  /** The Bundle entry whose identifiers match a conditional reference `identifier=system|value`. */
  private byConditional(type: string, query: string): EntryInfo | undefined {
    const params = query.split('&');
    if (params.length !== 1) return undefined;
    const [name, raw] = (params[0] ?? '').split('=', 2);
    if (name !== 'identifier' || raw === undefined) return undefined;
    const value = safeDecode(raw);
    if (value === undefined) return undefined;
    this.byIdentifier ??= this.indexIdentifiers();
    const bar = value.indexOf('|');
    return bar < 0 ? this.byIdentifier.get(`${type}||${value}`) : this.byIdentifier.get(`${type}|${value}`);
  }

  private indexIdentifiers(): Map<string, EntryInfo> {
    const index = new Map<string, EntryInfo>();
    this.bundleEntries.forEach((entry, i) => {
      const resource = isJson(entry) && isJson(entry.resource) ? entry.resource : undefined;
      const info = this.entries[i];
      if (resource === undefined || info?.type === undefined || !Array.isArray(resource.identifier)) return;
      for (const identifier of resource.identifier) {
        if (!isJson(identifier) || typeof identifier.value !== 'string') continue;
        const system = typeof identifier.system === 'string' ? identifier.system : '';
        for (const key of [
          `${info.type}|${system}|${identifier.value}`,
          `${info.type}||${identifier.value}`,
        ]) {
          if (!index.has(key)) index.set(key, info);
        }
      }
    });
    return index;
  }
}

/** Identity of something known only by a URL: the same string in every file and submission. */
export const urlIdentity = (url: string): string => `url|${fullUrlKey(url)}`;

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
