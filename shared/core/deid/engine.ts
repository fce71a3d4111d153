import { PipelineError } from '../errors.js';
import { isConsumerId } from '../ids.js';
import { type CompiledContract, compileSelectors } from './compile.js';
import { type ConsumerContract, parseContract } from './contract.js';
import { REFERENCE_DATE } from './dates.js';
import { createFhirWalk } from './fhir/walker.js';
import { Pseudonyms } from './pseudonyms.js';
import { ReferenceMap, Submission } from './references.js';
import { ReportBuilder, type TransformReport } from './report.js';
import type { PhiContext } from './scrubber.js';

export { Submission } from './references.js';
export type { TransformReport } from './report.js';
export { PhiContext } from './scrubber.js';

export interface DeidOptions {
  contract: ConsumerContract;
  /** At least 32 bytes of per-consumer HMAC key material; never written anywhere. */
  secret: Uint8Array;
  keyId: string;
  /** YYYY-MM-DD: the day ages are computed for (90 and over), fixed per job for reproducibility. */
  referenceDate: string;
}

export interface DeidResult<T> {
  output: T;
  /** With a `tally`: everything counted into that tally so far, built when first read. */
  report: TransformReport;
}

/**
 * One report for many calls (the lines of an NDJSON file, the Bundles of a job): each call given it
 * as `tally` counts into it, and `build()` gives the sum, as `mergeReports` of the calls' reports
 * would, without a report built and merged per line.
 */
export interface ReportTally {
  build(): TransformReport;
}

export interface DeidEngine {
  /** The contract as resolved (profile merged, defaults filled). */
  readonly contract: ConsumerContract;
  /** The reference date the engine was built with (YYYY-MM-DD), e.g. for the copy's Provenance. */
  readonly referenceDate: string;
  /** `context`: identifiers found elsewhere (other files of the same job), also scrubbed and checked. */
  deidentifyBundle(
    bundle: unknown,
    options?: { context?: PhiContext; tally?: ReportTally },
  ): DeidResult<Record<string, unknown>>;
  /**
   * One resource, e.g. an NDJSON line; `undefined` output when its type is dropped. Per-patient
   * consistency across lines comes from keyed pseudonyms and shifts, not from state. `context` carries
   * identifiers collected from the other lines of the same file (see `collectContext`) so their free
   * text is scrubbed of them too. `submission` names the resources of the whole submission (every
   * line of every file, see `collectSubmission`): a reference to one of them becomes `Type/<its id>`,
   * any other stays visibly external (references.ts). Without it the submission is this resource.
   */
  deidentifyResource(
    resource: unknown,
    options?: { context?: PhiContext; submission?: Submission; tally?: ReportTally },
  ): DeidResult<Record<string, unknown> | undefined>;
  /** A report several calls count into (`tally` option), for one report of many lines. */
  newTally(): ReportTally;
  /** The `Type/id`s of these resources (NDJSON lines, of every file of one submission). */
  collectSubmission(resources: Iterable<unknown>): Submission;
  /** The identifiers in the structured fields of these resources (names, addresses, ids, telecom). */
  collectContext(resources: Iterable<unknown>): PhiContext;
  /** A report of nothing done, e.g. for an empty NDJSON file. */
  emptyReport(): TransformReport;
}

/**
 * Builds a de-identification engine for one contract and key. Everything expensive (contract
 * resolution, selector compilation, key derivation) happens here, once; each call is one pass.
 * Deterministic: the same input, secret, key id, contract version and reference date give
 * byte-identical output (no clock, no randomness; object keys keep input order).
 */
export function createDeidEngine(opts: DeidOptions): DeidEngine {
  const contract = parseContract(opts.contract, `contract ${safeName(opts.contract)}`);
  if (typeof opts.referenceDate !== 'string' || !REFERENCE_DATE.test(opts.referenceDate)) {
    throw new PipelineError('config-invalid', 'De-identification reference date must be YYYY-MM-DD');
  }
  const compiled: CompiledContract = compileSelectors(contract);
  const pseudonyms = new Pseudonyms(opts.secret, opts.keyId, contract.name);
  const head = {
    contract: contract.name,
    contractVersion: contract.version,
    profile: compiled.profile,
    keyId: opts.keyId,
  };
  /** Element paths, interned once for every call of this engine (NDJSON lines walk the same paths). */
  const paths = new Map<string, Map<string, string>>();
  /** The references of a submission's lines, made once per submission rather than once per line. */
  const lineReferences = new WeakMap<Submission, { revision: number; references: ReferenceMap }>();
  const referencesOf = (submission: Submission): ReferenceMap => {
    const kept = lineReferences.get(submission);
    // A submission that grew since (lines added as they stream in) resolves afresh.
    if (kept !== undefined && kept.revision === submission.revision) return kept.references;
    const references = new ReferenceMap(
      pseudonyms,
      (type) => compiled.selectors.root(type) !== undefined,
      opts.keyId,
      [],
      submission,
    );
    lineReferences.set(submission, { revision: submission.revision, references });
    return references;
  };
  /** `shared`: a submission of many calls (its reference map is kept); else one made for this call. */
  const walk = (report: ReportBuilder, context?: PhiContext, submission?: Submission, shared = false) =>
    createFhirWalk({
      contract: compiled,
      pseudonyms,
      report,
      keyId: opts.keyId,
      referenceDate: opts.referenceDate,
      context,
      submission,
      references: shared && submission !== undefined ? referencesOf(submission) : undefined,
      paths,
    });
  const tallies = new WeakMap<ReportTally, ReportBuilder>();
  const builderOf = (tally: ReportTally | undefined): ReportBuilder => {
    if (tally === undefined) return new ReportBuilder();
    const builder = tallies.get(tally);
    if (builder === undefined) {
      throw new PipelineError('config-invalid', 'A report tally must come from the same engine');
    }
    return builder;
  };
  const result = <T>(output: T, report: ReportBuilder, tally: ReportTally | undefined): DeidResult<T> =>
    tally === undefined
      ? { output, report: report.build(head) }
      : {
          output,
          get report() {
            return report.build(head);
          },
        };

  return {
    contract,
    referenceDate: opts.referenceDate,
    deidentifyBundle(bundle, options) {
      if (
        typeof bundle !== 'object' ||
        bundle === null ||
        (bundle as { resourceType?: unknown }).resourceType !== 'Bundle'
      ) {
        throw new PipelineError('content-invalid', 'Input is not a FHIR Bundle');
      }
      const report = builderOf(options?.tally);
      const walker = walk(report, options?.context);
      const output = walker.bundle(bundle as Record<string, unknown>);
      walker.finish();
      return result(output, report, options?.tally);
    },
    deidentifyResource(resource, options) {
      const report = builderOf(options?.tally);
      const walker =
        options?.submission === undefined
          ? walk(report, options?.context, new Submission([resource]))
          : walk(report, options.context, options.submission, true);
      const output = walker.resource(resource);
      walker.finish();
      return result(output, report, options?.tally);
    },
    newTally() {
      const builder = new ReportBuilder();
      const tally: ReportTally = { build: () => builder.build(head) };
      tallies.set(tally, builder);
      return tally;
    },
    collectSubmission: (resources) => new Submission(resources),
    emptyReport() {
      return new ReportBuilder().build(head);
    },
    collectContext(resources) {
      const walker = walk(new ReportBuilder());
      for (const resource of resources) walker.collect(resource);
      return walker.identifiers();
    },
  };
}

function safeName(contract: unknown): string {
  const name =
    typeof contract === 'object' && contract !== null ? (contract as { name?: unknown }).name : undefined;
  return isConsumerId(name) ? name : '(unnamed)';
}
