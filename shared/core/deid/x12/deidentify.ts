import { PipelineError } from '../../errors.js';
import type { Delimiters, PlacedSegment } from '../../x12/read-model.js';
import { tokenizeX12 } from '../../x12/tokenize.js';
import type { CompiledContract } from '../compile.js';
import { REFERENCE_DATE } from '../dates.js';
import type { Pseudonyms } from '../pseudonyms.js';
import { ReportBuilder, type TransformReport } from '../report.js';
import { LoopPlacer } from './loops.js';
import { compileX12Selectors, contractX12Keep, type X12Selectors } from './selectors.js';
import { X12Transform } from './transform.js';

/**
 * `deidentifyX12`: an 837 interchange in, the same interchange de-identified out (same delimiters,
 * same line layout), with a report of what was done. Segments are read, placed in their loops and
 * written one by one; what is held at any time is one HL block.
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
  readonly output: Uint8Array;
  readonly report: TransformReport;
  readonly segments: number;
}

/** Places every segment of an interchange in its loop, in order. */
export function readPlacedX12(bytes: Uint8Array, onSegment: (segment: PlacedSegment) => void): Delimiters {
  const { delimiters, segments } = tokenizeX12(bytes);
  const placer = new LoopPlacer();
  for (const segment of segments) onSegment(placer.place(segment));
  return {
    element: delimiters.element,
    component: delimiters.component,
    repetition: delimiters.repetition,
    segment: delimiters.segment,
  };
}

/** What follows each segment terminator in the input: nothing, LF or CR LF, kept in the output. */
function lineBreakOf(bytes: Uint8Array, terminator: number): string {
  const at = bytes.indexOf(terminator);
  if (at < 0) return '';
  if (bytes[at + 1] === 0x0d && bytes[at + 2] === 0x0a) return '\r\n';
  if (bytes[at + 1] === 0x0a) return '\n';
  return '';
}

export function deidentifyX12(input: Uint8Array, services: X12DeidServices): X12DeidResult {
  if (!REFERENCE_DATE.test(services.referenceDate)) {
    throw new PipelineError('config-invalid', 'De-identification reference date must be YYYY-MM-DD');
  }
  const { contract } = services;
  const keep = services.keep ?? compileX12Selectors(contractX12Keep(contract.contract));
  const report = new ReportBuilder();
  const parts: string[] = [];
  let segments = 0;
  // The delimiters are the ISA's fixed positions (the reader checks them before any segment is placed).
  const isa = delimitersOf(input);
  const lineBreak = lineBreakOf(input, isa.segment.charCodeAt(0));
  const transform = new X12Transform({
    contract,
    pseudonyms: services.pseudonyms,
    keyId: services.keyId,
    referenceDate: services.referenceDate,
    report,
    delimiters: isa,
    keep,
    emit: (elements, segment) => {
      segments++;
      if (segment.id === 'CLM') report.resourceOut('X12Claim');
      parts.push(elements.join(isa.element) + isa.segment + lineBreak);
    },
  });
  readPlacedX12(input, (segment) => transform.push(segment));
  transform.finish();
  const output = new TextEncoder().encode(parts.join(''));
  return {
    output,
    segments,
    report: report.build({
      contract: contract.name,
      contractVersion: contract.version,
      profile: contract.profile,
      keyId: services.keyId,
    }),
  };
}

/** The delimiters, from the ISA alone (tokenizeX12 checks the rest). */
function delimitersOf(input: Uint8Array): Delimiters {
  const isa = input.subarray(0, Math.min(input.length, 200));
  const char = (at: number) => String.fromCharCode(isa[at] ?? 0);
  const repetition = char(82);
  return {
    element: char(3),
    component: char(104),
    repetition: /[A-Za-z0-9 ]/.test(repetition) ? undefined : repetition,
    segment: char(105),
  };
}
