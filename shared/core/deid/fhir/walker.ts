import { isJson, type Json } from '../policies/policy.js';
import type { PhiContext } from '../scrubber.js';
import { walkBundle } from './bundle.js';
import { collectIdentifiers } from './collect.js';
import { countRule, createWalkContext, type WalkOptions } from './context.js';
import { walkObject } from './elements.js';
import { ensureLabel } from './labels.js';
import { walkResource } from './resource.js';
import { prune } from './support.js';

/**
 * One de-identification call over FHIR: a Bundle or a resource, walked once (elements.ts, with the
 * policy registry deciding each value), then the post-pass (post-pass.ts) once the record's own
 * identifiers are all known.
 */
export interface FhirWalk {
  /** A top-level resource (an NDJSON line); undefined when it is dropped. */
  resource(input: unknown): Json | undefined;
  /** A Bundle at the top: its entries are counted, not the Bundle itself. */
  bundle(input: Json): Json;
  /** Adds the identifiers in a resource's structured fields to the context, without a walk. */
  collect(resource: unknown): void;
  /** The identifiers collected so far. */
  identifiers(): PhiContext;
  /** Runs the post-pass: kept-string checks and scrubbing with the record's full context. */
  finish(): void;
}

export function createFhirWalk(options: WalkOptions): FhirWalk {
  const context = createWalkContext(options, {
    object: walkObject,
    resource: walkResource,
    bundle: walkBundle,
  });
  return {
    resource(input) {
      if (!isJson(input)) {
        context.report.resourceDropped('(unknown)');
        return undefined;
      }
      const out = walkResource(context, input, { kind: 'top' });
      if (out !== undefined) context.report.resourceOut(String(out.resourceType));
      return out;
    },
    bundle: (input) => walkBundle(context, input),
    collect: (resource) => collectIdentifiers(context.identifiers, resource),
    identifiers: () => context.identifiers,
    finish() {
      context.postPass.run(context.identifiers, {
        removed: (frame, path) => {
          frame.scope.dirty = true;
          countRule(context, frame, 'phi-check-drop', path);
          ensureLabel(context, frame, 'REDACTED');
        },
        scrubbed: (frame, path) => {
          countRule(context, frame, 'scrub', path);
          ensureLabel(context, frame, 'REDACTED');
        },
      });
      for (const scope of context.scopes) if (scope.dirty && scope.output !== undefined) prune(scope.output);
      context.scopes.length = 0;
    },
  };
}
