import { PipelineError } from '../errors.js';
import { isConsumerId } from '../ids.js';
import { type CompiledContract, compileSelectors } from './compile.js';
import { type ConsumerContract, parseContract } from './contract.js';
import { REFERENCE_DATE } from './dates.js';
import { createFhirWalk } from './fhir/walker.js';
import { Pseudonyms } from './pseudonyms.js';
import { Submission } from './references.js';
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
  report: TransformReport;
}

export interface DeidEngine {
  /** The contract as resolved (profile merged, defaults filled). */
  readonly contract: ConsumerContract;
  /** The reference date the engine was built with (YYYY-MM-DD), e.g. for the copy's Provenance. */
  readonly referenceDate: string;
  /** `context`: identifiers found elsewhere (other files of the same job), also scrubbed and checked. */
  deidentifyBundle(bundle: unknown, options?: { context?: PhiContext }): DeidResult<Record<string, unknown>>;
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
    options?: { context?: PhiContext; submission?: Submission },
  ): DeidResult<Record<string, unknown> | undefined>;
  /** The `Type/id`s of these resources (NDJSON lines, of every file of one submission). */
  collectSubmission(resources: Iterable<unknown>): Submission;
  /** The identifiers in the structured fields of these resources (names, addresses, ids, telecom). */
  collectContext(resources: Iterable<unknown>): PhiContext;
  /** `collectContext` fed one resource at a time (the lines of a stream); `context()` once all are in. */
  contextCollector(): { add(resource: unknown): void; context(): PhiContext };
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
  const walk = (report: ReportBuilder, context?: PhiContext, submission?: Submission) =>
    createFhirWalk({
      contract: compiled,
      pseudonyms,
      report,
      keyId: opts.keyId,
      referenceDate: opts.referenceDate,
      context,
      submission,
    });

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
      const report = new ReportBuilder();
      const walker = walk(report, options?.context);
      const output = walker.bundle(bundle as Record<string, unknown>);
      walker.finish();
      return { output, report: report.build(head) };
    },
    deidentifyResource(resource, options) {
      const report = new ReportBuilder();
      const submission = options?.submission ?? new Submission([resource]);
      const walker = walk(report, options?.context, submission);
      const output = walker.resource(resource);
      walker.finish();
      return { output, report: report.build(head) };
    },
    collectSubmission: (resources) => new Submission(resources),
    emptyReport() {
      return new ReportBuilder().build(head);
    },
    contextCollector() {
      const walker = walk(new ReportBuilder());
      return { add: (resource) => walker.collect(resource), context: () => walker.identifiers() };
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
