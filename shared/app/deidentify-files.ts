import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ConsumerContract } from '../core/deid/contract.js';
import { createDeidEngine, type DeidEngine, type PhiContext, type Submission } from '../core/deid/engine.js';
import type { IdentifyingValues } from '../core/deid/gate/collect.js';
import { assertReleasable, createReleaseGate, type ReleaseGate } from '../core/deid/gate/gate.js';
import { withProvenanceEntry, withProvenanceLine } from '../core/deid/provenance.js';
import type { TransformReport } from '../core/deid/report.js';
import type { X12DeidServices } from '../core/deid/x12/deidentify.js';
import { deidentifyX12Share, x12DeidServices } from '../core/deid/x12/share.js';
import { isPipelineError, PipelineError } from '../core/errors.js';
import { type JsonLimits, parseSafeJson } from '../core/json/safe-json.js';

/**
 * `phi deid` as a use case: de-identify files offline, one output per input in the same format.
 * Bundle JSON gives Bundle JSON, FHIR NDJSON gives NDJSON (one line per kept resource), a single
 * resource gives a single resource. The format is read from the content, never from the file name.
 * A Bundle or NDJSON output ends with the copy's Provenance (provenance.ts), like a consumer copy.
 * An X12 837 gives an X12 837 (deid/x12/), checked by the X12 release gate before anything is written.
 */
export interface DeidentifyFilesOptions {
  contract: ConsumerContract;
  secret: Uint8Array;
  keyId: string;
  referenceDate: string;
  /** One output per input, same base name; without it exactly one input, returned as `stdout`. */
  outDir?: string;
}

export interface DeidentifiedFile {
  input: string;
  /** Where the output was written (only with `outDir`). */
  output?: string;
  report: TransformReport;
}

export interface DeidentifyFilesResult {
  stdout?: string;
  outputs: DeidentifiedFile[];
}

/** Offline files are not request bodies: Synthea bundles and bulk exports are larger than 5 MiB. */
const FILE_LIMITS: Partial<JsonLimits> = {
  maxBytes: 512 * 1024 * 1024,
  maxStringLength: 64 * 1024 * 1024,
  maxArrayLength: 1_000_000,
};

type Format = 'json' | 'ndjson' | 'x12';

export async function deidentifyFiles(
  inputs: string[],
  opts: DeidentifyFilesOptions,
): Promise<DeidentifyFilesResult> {
  if (inputs.length === 0) throw new PipelineError('config-invalid', 'No input files');
  if (opts.outDir === undefined && inputs.length > 1) {
    throw new PipelineError(
      'config-invalid',
      'More than one input file needs an output directory (--out DIR)',
    );
  }
  const engine = createDeidEngine({
    contract: opts.contract,
    secret: opts.secret,
    keyId: opts.keyId,
    referenceDate: opts.referenceDate,
  });
  const outDir = opts.outDir === undefined ? undefined : resolve(opts.outDir);
  if (outDir !== undefined) {
    await mkdir(outDir, { recursive: true });
    const names = new Set<string>();
    for (const input of inputs) {
      const name = basename(input);
      if (names.has(name)) {
        throw new PipelineError(
          'config-invalid',
          `Two inputs share the base name ${name}; outputs would collide`,
        );
      }
      names.add(name);
      if (resolve(outDir, name) === resolve(input)) {
        throw new PipelineError('config-invalid', `${name}: the output would overwrite the input`);
      }
    }
  }

  // Read and parse everything first: the identifiers in any input (a Patient.ndjson beside a
  // Condition.ndjson) are checked and scrubbed for in every other input of the same job.
  const parsed: ParsedFile[] = [];
  const claims: ClaimFile[] = [];
  for (const input of inputs) {
    const bytes = await readFile(input);
    if (detectFormat(bytes) === 'x12') claims.push({ input, name: basename(input), bytes });
    else parsed.push(parseFile(input, bytes));
  }
  const all = parsed.flatMap((file) => file.values);
  const context = engine.collectContext(all);
  // …and a reference in any NDJSON line to a resource of any input keeps resolving to it.
  const submission = engine.collectSubmission(all);
  // The release gate checks every output against the identifying values of the whole job, before
  // anything is written: a job with one failing output writes nothing.
  const gate = createReleaseGate(engine.contract);
  const values = gate.collect(all);
  const results: { file: ClaimFile | ParsedFile; text: string; report: TransformReport }[] = parsed.map(
    (file) => ({
      file,
      ...deidentifyParsed(engine, file, context, submission, { gate, values }),
    }),
  );
  if (claims.length > 0) {
    const services = x12DeidServices(engine.contract, opts.secret, opts.keyId, opts.referenceDate);
    for (const file of claims)
      results.push({ file, ...deidentifyClaimFile(file, services, engine.contract) });
  }

  const outputs: DeidentifiedFile[] = [];
  let stdout: string | undefined;
  for (const { file, text, report } of results) {
    if (outDir === undefined) {
      stdout = text;
      outputs.push({ input: file.input, report });
    } else {
      const output = join(outDir, file.name);
      await writeFile(output, text, { mode: 0o600 });
      outputs.push({ input: file.input, output, report });
    }
  }
  return stdout === undefined ? { outputs } : { stdout, outputs };
}

interface ClaimFile {
  readonly input: string;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** An 837 in, an 837 out: de-identified in place, then refused with `residual-phi` if the gate finds PHI. */
function deidentifyClaimFile(
  file: ClaimFile,
  services: X12DeidServices,
  contract: ConsumerContract,
): { text: string; report: TransformReport } {
  const share = withFileName(file.name, () => deidentifyX12Share(contract, services, file.bytes));
  share.assertReleasable(`${file.name}: output`);
  return { text: new TextDecoder().decode(share.output), report: share.report };
}

/** Errors of one file name it (by its base name, never its content). */
function withFileName<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!isPipelineError(error) || error.code === 'residual-phi') throw error;
    throw new PipelineError(
      error.code === 'invalid-x12' ? 'content-invalid' : error.code,
      `${name}: ${error.message}`,
      {
        cause: error,
        details: { file: name },
      },
    );
  }
}

interface ParsedFile {
  readonly input: string;
  /** Base name: the output's name, and the only thing errors say about the file. */
  readonly name: string;
  readonly format: 'json' | 'ndjson';
  readonly values: unknown[];
}

function parseFile(input: string, bytes: Uint8Array): ParsedFile {
  const name = basename(input);
  const format = detectFormat(bytes);
  if (format === 'x12') {
    throw new PipelineError('content-invalid', 'X12 de-identification is not supported yet', {
      details: { file: name },
    });
  }
  const values =
    format === 'ndjson'
      ? [...lines(bytes)].map(([line, slice]) => parse(slice, name, line))
      : [parse(bytes, name, undefined)];
  return { input, name, format, values };
}

/**
 * De-identifies one file's bytes, then runs the release gate over the output (`residual-phi` on a
 * hit); `name` (the base name) only labels errors.
 */
export function deidentifyContent(
  engine: DeidEngine,
  bytes: Uint8Array,
  name: string,
  context?: PhiContext,
  submission?: Submission,
): { text: string; report: TransformReport } {
  const file = parseFile(name, bytes);
  const gate = createReleaseGate(engine.contract);
  return deidentifyParsed(
    engine,
    file,
    context ?? engine.collectContext(file.values),
    submission ?? engine.collectSubmission(file.values),
    { gate, values: gate.collect(file.values) },
  );
}

interface FileGate {
  readonly gate: ReleaseGate;
  /** The identifying values of the job's inputs. */
  readonly values: IdentifyingValues;
}

function deidentifyParsed(
  engine: DeidEngine,
  file: ParsedFile,
  context: PhiContext,
  submission: Submission,
  check: FileGate,
): { text: string; report: TransformReport } {
  // One tally for the file: the sum of its lines' reports, without a report built per line.
  const tally = engine.newTally();
  const outputs: Record<string, unknown>[] = [];
  for (const value of file.values) {
    const { output } = isBundle(value)
      ? engine.deidentifyBundle(value, { context, tally })
      : engine.deidentifyResource(value, { context, submission, tally });
    if (output !== undefined) outputs.push(output);
  }
  const report = tally.build();
  // Say what was done (provenance.ts): NDJSON gets one more line, a Bundle one more entry, a single
  // resource nothing (its output is that resource alone). Not counted in the report.
  const released =
    file.format === 'ndjson'
      ? withProvenanceLine(outputs, report, engine.referenceDate)
      : outputs.map((output) =>
          isBundle(output) ? withProvenanceEntry(output, report, engine.referenceDate) : output,
        );
  const kept = released.map((output, i): [string, unknown] => {
    const type = String(output.resourceType);
    return [file.format === 'ndjson' ? `${type}[${i}]` : type, output];
  });
  // The values were collected once for the job; the gate only scans here.
  assertReleasable(check.gate, check.values, kept, `${file.name}: output`);
  const out = released.map((output) => JSON.stringify(output));
  // Bundle JSON in, Bundle JSON out; NDJSON in, one line per kept resource (and the Provenance) out.
  return { text: out.length === 0 ? '' : `${out.join('\n')}\n`, report };
}

/** Non-empty lines of an NDJSON file as byte slices, numbered from 1. */
function* lines(bytes: Uint8Array): Generator<[number, Uint8Array]> {
  let start = 0;
  let n = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    n++;
    let stop = end;
    if (stop > start && bytes[stop - 1] === 0x0d) stop--;
    const slice = bytes.subarray(start, stop);
    if (!isBlank(slice)) yield [n, slice];
    start = end + 1;
  }
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/**
 * `{` with several lines that each hold one object is NDJSON; `{` otherwise is one JSON document;
 * `ISA` is X12. A pretty-printed Bundle has lines that do not start with `{`, so it stays JSON.
 */
export function detectFormat(bytes: Uint8Array): Format {
  let i = 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  if (bytes[i] === 0x49 && bytes[i + 1] === 0x53 && bytes[i + 2] === 0x41) return 'x12';
  if (bytes[i] !== 0x7b) {
    throw new PipelineError('content-invalid', 'Input is neither FHIR JSON, FHIR NDJSON nor X12');
  }
  let count = 0;
  for (const [, slice] of lines(bytes)) {
    const first = firstNonBlank(slice);
    const last = lastNonBlank(slice);
    if (slice[first] !== 0x7b || slice[last] !== 0x7d) return 'json';
    count++;
  }
  return count > 1 ? 'ndjson' : 'json';
}

function firstNonBlank(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
  return i;
}

function lastNonBlank(bytes: Uint8Array): number {
  let i = bytes.length - 1;
  while (i > 0 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0d)) i--;
  return i;
}

function parse(bytes: Uint8Array, name: string, line: number | undefined): unknown {
  try {
    return parseSafeJson(bytes, FILE_LIMITS);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    const where = line === undefined ? name : `${name} line ${line}`;
    throw new PipelineError('content-invalid', `${where}: ${error.message}`, {
      cause: error,
      details: { file: name, ...(line === undefined ? {} : { line }) },
    });
  }
}

const isBundle = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  (value as { resourceType?: unknown }).resourceType === 'Bundle';
