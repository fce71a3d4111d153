import type { CompiledContract } from '../compile.js';
import {
  baseModesOf,
  type Json,
  type Links,
  type Modes,
  type Place,
  type PolicyRecord,
  type PolicyServices,
  type Subject,
} from '../policies/policy.js';
import { PostPass } from '../post-pass.js';
import type { Pseudonyms } from '../pseudonyms.js';
import { PSEUDONYM_SYSTEM_PREFIX, ReferenceMap, type Submission } from '../references.js';
import { type ReportBuilder, RULE_LABELS, type Rule } from '../report.js';
import { PhiContext } from '../scrubber.js';
import type { SelectorNode } from '../selectors.js';
import { collectIdentifiers } from './collect.js';
import { CONTRACT_TAG_SYSTEM, LABEL_BIT, PROFILE_TAG_SYSTEM } from './support.js';

export interface WalkOptions {
  readonly contract: CompiledContract;
  readonly pseudonyms: Pseudonyms;
  readonly report: ReportBuilder;
  readonly keyId: string;
  readonly referenceDate: string;
  /** Identifiers found in the other lines of the same file: read, never written. */
  readonly context?: PhiContext;
  /** The resources of the submission outside Bundles (NDJSON lines of every file), for references. */
  readonly submission?: Submission;
  /**
   * The references of `submission` made before (the engine keeps one per submission): NDJSON lines of
   * one submission resolve references alike, so each line need not build (and warm) its own.
   */
  readonly references?: ReferenceMap;
  /** Interned element paths shared by the calls of one engine (see `WalkContext.paths`). */
  readonly paths?: Map<string, Map<string, string>>;
}

/** What one de-identification call (a Bundle, a resource) carries through every step of its walk. */
export interface WalkContext {
  readonly steps: WalkSteps;
  readonly contract: CompiledContract;
  readonly pseudonyms: Pseudonyms;
  readonly report: ReportBuilder;
  readonly keyId: string;
  /** The record's identifiers, gathered as the walk goes, for the post-pass. */
  readonly identifiers: PhiContext;
  readonly postPass: PostPass<Frame>;
  /** The references of the Bundle being walked; a nested Bundle swaps in its own. */
  references: ReferenceMap;
  /** The contract and profile tags every top-level resource gets. */
  readonly tags: readonly Json[];
  /** The records walked so far, pruned once the post-pass has removed values from them. */
  readonly scopes: Scope[];
  readonly baseModes: Modes;
  /** Provider-directory resources: their identifiers are not the individual's, so they stay pseudonymous. */
  readonly directoryModes: Modes;
  /** Displays of the codings beside the sub-extension being walked (race/ethnicity `text`). */
  neighbourDisplays: ReadonlySet<string> | undefined;
  readonly services: PolicyServices;
  /** Interned element paths: the same string object for the same path, cheap to count by. */
  readonly paths: Map<string, Map<string, string>>;
}

/** One record: a top-level resource with its contained resources. */
export interface Scope {
  readonly input: Json;
  readonly identity: string | undefined;
  /** Server base of the entry's fullUrl, for its relative references. */
  readonly base: string | undefined;
  /** The patient the record belongs to, for its date shift. */
  readonly patient: Subject;
  contained: Map<string, string> | undefined;
  usedLocal: Set<string> | undefined;
  dirty: boolean;
  output: Json | undefined;
}

/** One resource, top-level or contained. */
export interface Frame extends PolicyRecord {
  readonly scope: Scope;
  readonly type: string;
  readonly ageObservation: boolean;
  readonly localId: string | undefined;
  /** The output `meta` of a top-level resource, rewritten when a label is earned late. */
  meta: Json | undefined;
  inputSecurity: Json[] | undefined;
  readonly links: Links;
}

/** A resource at the top (an NDJSON line, a Bundle entry, with what its entry says about it) or contained. */
export type Placement =
  | {
      readonly kind: 'top';
      readonly identity?: string | undefined;
      readonly base?: string | undefined;
      /** The entry's fullUrl, under which references may name the resource. */
      readonly fullUrl?: string | undefined;
    }
  | { readonly kind: 'contained'; readonly container: Frame };

/**
 * The walk's recursive steps. A Bundle holds resources, a resource holds elements, an element holds
 * extensions and contained resources, which hold elements again: the steps reach each other through
 * the context (wired once in walker.ts) rather than through a circle of imports.
 */
export interface WalkSteps {
  object(context: WalkContext, input: Json, type: string, site: Site, into?: Json): Json | undefined;
  resource(context: WalkContext, input: Json, placement: Placement): Json | undefined;
  bundle(context: WalkContext, input: Json): Json;
}

/** Where the walk is: the element path, its resource, what the contract asks there and allows below. */
export interface Site {
  readonly path: string;
  readonly frame: Frame;
  readonly modes: Modes;
  readonly selector: SelectorNode;
}

export function createWalkContext(options: WalkOptions, steps: WalkSteps): WalkContext {
  const { contract, pseudonyms, report, keyId, referenceDate } = options;
  const baseModes: Modes = baseModesOf(contract);
  const shifts = new Map<Subject, number>();
  // A shared context (other lines of the same file) is read, never written: output must not
  // depend on the order lines are processed in.
  const identifiers = new PhiContext(options.context);
  const context: WalkContext = {
    steps,
    contract,
    pseudonyms,
    report,
    keyId,
    identifiers,
    postPass: new PostPass(),
    references: options.references ?? newReferenceMap(contract, pseudonyms, keyId, [], options.submission),
    tags: [
      { system: CONTRACT_TAG_SYSTEM, code: `${contract.name}@${contract.version}` },
      { system: PROFILE_TAG_SYSTEM, code: contract.profile },
    ],
    scopes: [],
    baseModes,
    directoryModes: { ...baseModes, identifiers: 'pseudonymize' },
    neighbourDisplays: undefined,
    paths: options.paths ?? new Map(),
    services: {
      settings: contract,
      referenceDate,
      pseudonyms,
      pseudonymSystem: `${PSEUDONYM_SYSTEM_PREFIX}${keyId}`,
      identifiers,
      count: (rule, place) => countRule(context, place.record, rule, place.path),
      shiftDays(patient) {
        let days = shifts.get(patient);
        if (days === undefined) {
          days = pseudonyms.shiftDays(patient.key, contract.shift.minDays, contract.shift.maxDays);
          shifts.set(patient, days);
        }
        return days;
      },
      collect: (value) => collectIdentifiers(identifiers, value),
    },
  };
  return context;
}

/** The references of a Bundle's entries; a reference to a type the contract drops goes too. */
export function newReferenceMap(
  contract: CompiledContract,
  pseudonyms: Pseudonyms,
  keyId: string,
  entries: readonly unknown[],
  submission?: Submission,
): ReferenceMap {
  return new ReferenceMap(
    pseudonyms,
    (type) => contract.selectors.root(type) !== undefined,
    keyId,
    entries,
    submission,
  );
}

const MAX_INTERNED_PATHS = 50_000;

/** The path of an element below `path`, interned. */
export function childPath(context: WalkContext, path: string, key: string): string {
  let children = context.paths.get(path);
  if (children === undefined) {
    // Paths come from the R4 model, nested as deep as the input: bounded, but kept so anyway.
    if (context.paths.size >= MAX_INTERNED_PATHS) context.paths.clear();
    children = new Map();
    context.paths.set(path, children);
  }
  let child = children.get(key);
  if (child === undefined) {
    child = `${path}.${key}`;
    children.set(key, child);
  }
  return child;
}

/** Counts a rule in the report; the record earns the rule's security label. */
export function countRule(context: WalkContext, record: PolicyRecord, rule: Rule, path: string): void {
  context.report.count(rule, path);
  record.labels |= LABEL_BIT[RULE_LABELS[rule]] ?? 0;
}

export const placeOf = (site: Site): Place => ({ path: site.path, record: site.frame });
