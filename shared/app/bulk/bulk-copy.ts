import { createHash } from 'node:crypto';
import type { ConsumerContract } from '../../core/deid/contract.js';
import { type DeidEngine, PhiContext, type Submission } from '../../core/deid/engine.js';
import { collectIdentifiers } from '../../core/deid/fhir/collect.js';
import {
  type GateHitKind,
  type IdentifyingValues,
  identifyingValuesCollector,
} from '../../core/deid/gate/collect.js';
import { type GateHit, gateResult, type ReleaseGate, refuseOnHits } from '../../core/deid/gate/gate.js';
import { bundleResourcesForNdjson } from '../../core/deid/ndjson.js';
import { deidProvenance } from '../../core/deid/provenance.js';
import { contractAccepts } from '../load-contract.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { BulkFile } from '../submission.js';
import { CompactSubmission } from './compact-submission.js';
import { HashedStringMap, HashedStringSet } from './hashed-terms.js';
import type { BulkMessage } from './raw-files.js';
import { bulkValues } from './resources.js';

type Json = Record<string, unknown>;
type BulkDeps = Pick<PipelineDeps, 'objects' | 'envelope'>;

/** Lines per Provenance: each batch of the copy says what was done to it, so no line lists them all. */
export const PROVENANCE_BATCH = 10_000;
/** Output is handed on in pieces of about this size (one envelope frame), not line by line. */
const OUTPUT_CHUNK = 64 * 1024;

/** The files of a bulk submission a contract takes: FHIR files if it takes bundles, 837s if claims. */
export const takenFiles = (contract: ConsumerContract, files: readonly BulkFile[]): BulkFile[] =>
  files.filter((file) => contractAccepts(contract, file.kind === 'x12-837' ? 'claim' : 'bundle'));

/** What the first pass learns about a whole submission, for the second to de-identify and gate with. */
export interface BulkShareIndex {
  /** Identifiers in structured fields of every file, scrubbed from free text in every other. */
  readonly context: PhiContext;
  /** The `Type/id`s of every NDJSON line: references to them stay resolvable. */
  readonly submission: Submission;
  /** The release gate's identifying values of the whole input. */
  readonly values: IdentifyingValues;
}

/**
 * Pass one over the files (streamed, one value at a time): what `phi deid` collects from all inputs of
 * a job before de-identifying any. Memory is the identifier sets, which grow with the distinct people
 * and resources, not with the bytes, kept as 64-bit hashes in typed arrays (hashed-terms.ts: about
 * 20 to 40 bytes a distinct value, outside the JS heap); only organisation names stay strings.
 */
export async function indexBulkShare(
  deps: BulkDeps,
  msg: BulkMessage,
  files: readonly BulkFile[],
  gate: ReleaseGate,
): Promise<BulkShareIndex> {
  // What engine.contextCollector() collects into (its walker's `collect`), with the terms hashed.
  const context = new PhiContext(undefined, {
    terms: new HashedStringSet(),
    prefixes: new HashedStringSet(),
    digitTerms: new HashedStringSet(),
  });
  const identifying = identifyingValuesCollector(gate.policy, {
    terms: new HashedStringMap<GateHitKind>(),
    digits: new HashedStringMap<GateHitKind>(),
    dates: new HashedStringSet(),
    prefixes: new HashedStringSet(),
  });
  const submission = new CompactSubmission();
  for (const file of files) {
    for await (const { value } of bulkValues(deps, msg, file)) {
      collectIdentifiers(context, value);
      identifying.add(value);
      submission.add(value);
    }
  }
  return { context, submission, values: identifying.values() };
}

/** What the copy holds, known once its last byte has been produced. */
export interface BulkCopyTally {
  sha256: string;
  bytes: number;
  lines: number;
  resourceCounts: Record<string, number>;
}

const isBundle = (value: unknown): value is Json =>
  typeof value === 'object' &&
  value !== null &&
  (value as { resourceType?: unknown }).resourceType === 'Bundle';

const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;
const typeIdOf = (resource: Json): string | undefined =>
  typeof resource.resourceType === 'string' && typeof resource.id === 'string' && FHIR_ID.test(resource.id)
    ? `${resource.resourceType}/${resource.id}`
    : undefined;

/**
 * Pass two: the consumer's copy as NDJSON bytes, produced as the files are read. Each value is
 * de-identified as `phi deid` does it (a line with the whole submission's context and references, a
 * Bundle or mapped claim with its context, then its resources as lines), each output line passes the
 * release gate against the whole input's identifying values before it is handed on (`residual-phi`
 * otherwise, which stops the copy: nothing is stored, see deliverBulk), and a Provenance line follows
 * every PROVENANCE_BATCH lines and ends the copy. `tally` is complete when the iteration ends.
 */
export async function* renderBulkCopy(
  deps: BulkDeps,
  msg: BulkMessage,
  files: readonly BulkFile[],
  engine: DeidEngine,
  gate: ReleaseGate,
  index: BulkShareIndex,
  tally: BulkCopyTally,
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  const counts = new Map<string, number>();
  let pending: string[] = [];
  let pendingLength = 0;
  let targets: string[] = [];
  // One tally per batch: the batch's report summed as the lines go, not 10,000 reports held to merge.
  let batch = engine.newTally();
  let batchLines = 0;
  // A patient in several claims of an 837 is one line, as it is one entry of claimsAsBundle's Bundle.
  // Hashed: an 837 of a million claims would otherwise hold a string per resource written. Two ids
  // sharing 64 bits (about 3 in 10^8 at a million resources) would leave the second one out.
  const claimIds = new HashedStringSet();

  const take = (resource: Json): void => {
    const hits: GateHit[] = [];
    gate.scan(index.values, resource, `${String(resource.resourceType)}[${tally.lines}]`, hits);
    refuseOnHits(gateResult(hits), 'consumer copy');
    const text = `${JSON.stringify(resource)}\n`;
    pending.push(text);
    pendingLength += text.length;
    tally.lines += 1;
    const type = String(resource.resourceType);
    counts.set(type, (counts.get(type) ?? 0) + 1);
  };
  const flush = (): Uint8Array => {
    const bytes = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingLength = 0;
    hash.update(bytes);
    tally.bytes += bytes.byteLength;
    return bytes;
  };
  const provenance = (): void => {
    const report = batchLines === 0 ? engine.emptyReport() : batch.build();
    const line = deidProvenance(report, engine.referenceDate, targets);
    targets = [];
    batch = engine.newTally();
    batchLines = 0;
    if (line !== undefined) take(line);
  };

  for (const file of files) {
    for await (const { value } of bulkValues(deps, msg, file)) {
      let outputs: Json[];
      if (isBundle(value)) {
        const { output } = engine.deidentifyBundle(value, { context: index.context, tally: batch });
        // Lines stand alone, so urn:uuid references between entries become Type/id references.
        outputs = bundleResourcesForNdjson(output);
      } else {
        const { output } = engine.deidentifyResource(value, {
          context: index.context,
          submission: index.submission,
          tally: batch,
        });
        outputs = output === undefined ? [] : [output];
      }
      batchLines++;
      for (const resource of outputs) {
        const typeId = typeIdOf(resource);
        if (file.kind === 'x12-837' && typeId !== undefined) {
          if (claimIds.has(typeId)) continue;
          claimIds.add(typeId);
        }
        take(resource);
        if (typeId !== undefined) targets.push(typeId);
      }
      if (targets.length >= PROVENANCE_BATCH) provenance();
      if (pendingLength >= OUTPUT_CHUNK) yield flush();
    }
  }
  if (targets.length > 0) provenance();
  if (pendingLength > 0) yield flush();
  tally.sha256 = hash.digest('hex');
  tally.resourceCounts = Object.fromEntries(
    [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
