import { DROP, isJson, type Json, type PolicyInput } from '../policies/policy.js';
import { decide } from '../policies/registry.js';
import { allowAll } from '../selectors.js';
import { collectIdentifiers } from './collect.js';
import { countRule, type Frame, newReferenceMap, type WalkContext } from './context.js';
import { writeMeta } from './labels.js';
import { newFrame, newScope } from './records.js';

/**
 * A Bundle: its entries are walked as records of their own, against the Bundle's references
 * (references.ts), and get their fullUrls, requests and responses rewritten to match. The Bundle
 * keeps its type, a pseudonymous id and identifier, and its timestamp as any date.
 */
export function walkBundle(context: WalkContext, input: Json): Json {
  const entries = Array.isArray(input.entry) ? input.entry : [];
  const outerReferences = context.references;
  const { contract, pseudonyms, keyId } = context;
  context.references = newReferenceMap(contract, pseudonyms, keyId, entries);
  const rawId = typeof input.id === 'string' ? input.id : undefined;
  const scope = newScope(context, input, rawId === undefined ? undefined : `Bundle/${rawId}`, undefined);
  const frame = newFrame(context, scope, 'Bundle', false, undefined);
  const out: Json = { resourceType: 'Bundle' };
  if (rawId !== undefined) {
    out.id = pseudonyms.resourceUuid(`Bundle/${rawId}`);
    countRule(context, frame, 'pseudonymize', 'Bundle.id');
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
        const outcome = decide(timestampInput(context, value, frame), context.services);
        if (outcome !== DROP) out[key] = outcome.value;
        break;
      }
      case 'identifier':
        // The document's or message's own identifier (bdl-9 requires one): a keyed pseudonym, like ids.
        if (isJson(value)) {
          const site = {
            path: 'Bundle.identifier',
            frame,
            modes: context.directoryModes,
            selector: allowAll('Identifier'),
          };
          const identifier = context.steps.object(context, value, 'Identifier', site);
          if (identifier !== undefined) out[key] = identifier;
        }
        break;
      case 'entry': {
        const kept = walkEntries(context, entries, frame);
        if (kept.length > 0) out.entry = kept;
        break;
      }
      default: {
        const structural = key.startsWith('_') || key === 'link' || key === 'signature';
        countRule(context, frame, structural ? 'backstop-drop' : 'unknown-element', 'Bundle');
        collectIdentifiers(context.identifiers, value);
      }
    }
  }
  writeMeta(context, input.meta, frame, meta);
  scope.output = out;
  context.references = outerReferences;
  return out;
}

function timestampInput(context: WalkContext, value: unknown, frame: Frame): PolicyInput {
  return {
    value,
    type: 'Bundle',
    element: 'timestamp',
    elementName: 'timestamp',
    valueType: 'instant',
    place: { path: 'Bundle.timestamp', record: frame },
    patient: frame.scope.patient,
    siblings: frame.scope.input,
    neighbourDisplays: undefined,
    modes: context.baseModes,
  };
}

function walkEntries(context: WalkContext, entries: readonly unknown[], bundleFrame: Frame): Json[] {
  const kept: Json[] = [];
  entries.forEach((entry, i) => {
    if (!isJson(entry)) return;
    const info = context.references.entries[i];
    const input = isJson(entry.resource) ? entry.resource : undefined;
    let resource: Json | undefined;
    if (input !== undefined) {
      resource = context.steps.resource(context, input, {
        kind: 'top',
        identity: info?.identity,
        base: info?.base,
        fullUrl: typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined,
      });
      if (resource === undefined) return;
      context.report.resourceOut(String(resource.resourceType));
    }
    const out: Json = {};
    if (typeof entry.fullUrl === 'string' && info?.newRef !== undefined) {
      out.fullUrl = info.newRef;
      countRule(context, bundleFrame, 'pseudonymize', 'Bundle.entry.fullUrl');
    }
    if (resource !== undefined) out.resource = resource;
    if (isJson(entry.search)) {
      const search: Json = {};
      if (typeof entry.search.mode === 'string') search.mode = entry.search.mode;
      if (typeof entry.search.score === 'number') search.score = entry.search.score;
      if (Object.keys(search).length > 0) out.search = search;
    }
    const request = isJson(entry.request)
      ? walkRequest(context, entry.request, resource, bundleFrame)
      : undefined;
    if (request !== undefined) out.request = request;
    const response = isJson(entry.response) ? walkResponse(context, entry.response, bundleFrame) : undefined;
    if (response !== undefined) out.response = response;
    if (resource === undefined && request === undefined && response === undefined) return;
    kept.push(out);
  });
  return kept;
}

/** `entry.request`: the interaction stays; ids and search conditions become pseudonyms. */
function walkRequest(
  context: WalkContext,
  input: Json,
  resource: Json | undefined,
  frame: Frame,
): Json | undefined {
  const method = typeof input.method === 'string' ? input.method : undefined;
  if (method === undefined || typeof input.url !== 'string') return undefined;
  const references = context.references;
  const type = resource === undefined ? undefined : String(resource.resourceType);
  let url = references.rewriteRequestUrl(input.url);
  if (url === undefined && type !== undefined) {
    url = method === 'POST' || resource?.id === undefined ? type : `${type}/${String(resource.id)}`;
  }
  if (url === undefined) return undefined;
  const urlType = /^[A-Z][A-Za-z]+/.exec(url)?.[0] ?? '';
  if (type === undefined && context.contract.selectors.root(urlType) === undefined) return undefined;
  if (url !== input.url) countRule(context, frame, 'pseudonymize', 'Bundle.entry.request.url');
  const out: Json = { method, url };
  if (typeof input.ifNoneExist === 'string') {
    out.ifNoneExist = references.pseudonymQuery(type ?? urlType, input.ifNoneExist.replace(/^\?/, ''));
    countRule(context, frame, 'pseudonymize', 'Bundle.entry.request.ifNoneExist');
  }
  for (const key of ['ifMatch', 'ifNoneMatch', 'ifModifiedSince']) {
    if (key in input) countRule(context, frame, 'backstop-drop', `Bundle.entry.request.${key}`);
  }
  return out;
}

/** `entry.response`: the status and a pseudonymous location; an outcome is a resource like any. */
function walkResponse(context: WalkContext, input: Json, frame: Frame): Json | undefined {
  const status = typeof input.status === 'string' ? /^\d{3}/.exec(input.status)?.[0] : undefined;
  if (status === undefined) return undefined;
  const out: Json = { status };
  if (typeof input.location === 'string') {
    const location = context.references.rewriteRequestUrl(input.location);
    if (location !== undefined) out.location = location;
    const rule = location === undefined ? 'backstop-drop' : 'pseudonymize';
    countRule(context, frame, rule, 'Bundle.entry.response.location');
  }
  if (isJson(input.outcome)) {
    const outcome = context.steps.resource(context, input.outcome, { kind: 'top' });
    if (outcome !== undefined) out.outcome = outcome;
  }
  for (const key of ['etag', 'lastModified']) {
    if (key in input) countRule(context, frame, 'backstop-drop', `Bundle.entry.response.${key}`);
  }
  return out;
}
