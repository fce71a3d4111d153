import { PipelineError } from '../../errors.js';
import type { Delimiters, PlacedSegment, X12ReadResult } from '../../x12/read-model.js';
import { readX12 } from '../../x12/reader.js';
import { ISA_LENGTH, readIsaDelimiters } from '../../x12/reader-tokenizer.js';
import type { CompiledContract } from '../compile.js';
import { REFERENCE_DATE } from '../dates.js';
import type { Pseudonyms } from '../pseudonyms.js';
import { ReportBuilder, type TransformReport } from '../report.js';
import { compileX12Selectors, contractX12Keep, type X12Selectors } from './selectors.js';
import { X12Transform } from './transform.js';

/**
 * `deidentifyX12`: an 837 interchange in (bytes, or chunks of bytes), the same interchange
 * de-identified out (same delimiters, same line layout), with a report of what was done. The
 * loop-aware reader places each segment as its bytes arrive; the transform holds one HL block at
 * most and hands each output segment on at once (to `onOutput`, or into the returned bytes).
 */
export interface X12DeidServices {
  readonly contract: CompiledContract;
  readonly pseudonyms: Pseudonyms;
  readonly keyId: string;
  /** YYYY-MM-DD: the day ages are computed for. */
  readonly referenceDate: string;
  /** The contract's X12 allow-list, compiled (`compileX12Selectors`); read from the contract when absent. */
  readonly keep?: X12Selectors;
}

export interface X12DeidResult {
  /** The whole output; empty when `onOutput` took it piece by piece. */
  readonly output: Uint8Array;
  readonly report: TransformReport;
  /** Segments written. */
  readonly segments: number;
  /** What the reader found in the input (issues by position, never values). */
  readonly input: X12ReadResult;
}

/** Places every segment of an interchange in its loop, in order; the reader's result. */
export function readPlacedX12(
  source: Uint8Array | Iterable<Uint8Array>,
  onSegment: (segment: PlacedSegment) => void,
): X12ReadResult {
  return readX12(source, onSegment);
}

/** Enough of the input's start for the ISA after any leading blank lines. */
const HEAD_BYTES = 4096;

/** The first bytes of the input, kept as they stream by: the ISA says the delimiters and the layout. */
class Head {
  bytes = new Uint8Array(0);

  *watch(source: Uint8Array | Iterable<Uint8Array>): Generator<Uint8Array> {
    const chunks = source instanceof Uint8Array ? [source] : source;
    for (const chunk of chunks) {
      if (this.bytes.length < HEAD_BYTES) {
        const grown = new Uint8Array(this.bytes.length + Math.min(chunk.length, HEAD_BYTES));
        grown.set(this.bytes);
        grown.set(chunk.subarray(0, grown.length - this.bytes.length), this.bytes.length);
        this.bytes = grown;
      }
      yield chunk;
    }
  }

  /** Leading blank bytes are not part of the ISA. */
  private isa(): Uint8Array {
    let i = 0;
    while (
      i < this.bytes.length &&
      (this.bytes[i] === 0x20 || this.bytes[i] === 0x0a || this.bytes[i] === 0x0d)
    )
      i++;
    return this.bytes.subarray(i);
  }

  delimiters(): Delimiters {
    const d = readIsaDelimiters(this.isa());
    return { element: d.element, component: d.component, repetition: d.repetition, segment: d.segment };
  }

  /** What follows the ISA's terminator: nothing, LF or CR LF, written after every output segment. */
  lineBreak(): string {
    const isa = this.isa();
    if (isa[ISA_LENGTH] === 0x0d && isa[ISA_LENGTH + 1] === 0x0a) return '\r\n';
    if (isa[ISA_LENGTH] === 0x0a) return '\n';
    return '';
  }
}

/**
 * `onInput` sees each placed input segment as the reader hands it on, before the transform does (the
 * release gate collects the input's identifying values there, without a read of its own).
 */
export function deidentifyX12(
  input: Uint8Array | Iterable<Uint8Array>,
  services: X12DeidServices,
  onOutput?: (chunk: string) => void,
  onInput?: (segment: PlacedSegment) => void,
): X12DeidResult {
  if (!REFERENCE_DATE.test(services.referenceDate)) {
    throw new PipelineError('config-invalid', 'De-identification reference date must be YYYY-MM-DD');
  }
  const { contract } = services;
  const keep = services.keep ?? compileX12Selectors(contractX12Keep(contract.contract));
  const report = new ReportBuilder();
  const parts: string[] = [];
  const write = onOutput ?? ((chunk: string) => parts.push(chunk));
  const head = new Head();
  let segments = 0;
  let transform: X12Transform | undefined;
  /** The terminator and the input's line break, written after every output segment. */
  let ending = '';
  const result = readPlacedX12(head.watch(input), (segment) => {
    if (transform === undefined) {
      // The reader hands the ISA on only once its 106 bytes are read: the head holds them now.
      const found = head.delimiters();
      ending = found.segment + head.lineBreak();
      transform = new X12Transform({
        contract,
        pseudonyms: services.pseudonyms,
        keyId: services.keyId,
        referenceDate: services.referenceDate,
        report,
        delimiters: found,
        keep,
        emit: (elements, placed) => {
          segments++;
          if (placed.id === 'CLM') report.resourceOut('X12Claim');
          write(elements.join(found.element) + ending);
        },
      });
    }
    onInput?.(segment);
    transform.push(segment);
  });
  transform?.finish();
  return {
    output: new TextEncoder().encode(parts.join('')),
    segments,
    input: result,
    report: report.build({
      contract: contract.name,
      contractVersion: contract.version,
      profile: contract.profile,
      keyId: services.keyId,
    }),
  };
}
