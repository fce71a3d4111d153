import type { PlacedSegment } from '../../x12/read-model.js';
import { ContractFieldError } from '../selectors.js';

/**
 * A contract's allow-list for X12 output (proposed contract field `x12: { keep: [...] }`): which
 * segments a consumer receives, as `loop/SEG` selectors compiled once into a set.
 *
 *   `2300/CLM`      the CLM segment of loop 2300
 *   `2300/REF*G1`   REF segments of 2300 whose REF01 is `G1` (a qualifier selects one kind)
 *   `*\/DTP*472`    DTP*472 in any loop
 *   `2400/*`        every segment of loop 2400
 *
 * Default deny: under an allow-list a segment no selector names is removed, unless the structure needs
 * it (envelopes, HL, loop-starting segments, the few segments a guide requires in every claim); those
 * stay, with their PHI de-identified as always. Without an allow-list (the built-in profiles) every
 * segment stays and the Safe Harbor backstop alone decides. SE01 is recomputed either way.
 */
export interface X12Selectors {
  /** Whether the consumer's allow-list lets the segment through (always true without a list). */
  allows(segment: PlacedSegment): boolean;
  readonly size: number;
}

const SELECTOR = /^(\*|[0-9A-Z]{2,6})\/(\*|[A-Z][A-Z0-9]{1,2})(?:\*([A-Z0-9]{1,3}))?$/;

/** Segments the structure needs, whatever the allow-list says. */
const STRUCTURAL: ReadonlySet<string> = new Set([
  'ISA',
  'GS',
  'ST',
  'BHT',
  'HL',
  'NM1',
  'N3',
  'N4',
  'SBR',
  'PAT',
  'OI',
  'CLM',
  'CL1',
  'HI',
  'LX',
  'SV1',
  'SV2',
  'LIN',
  'CTP',
  'SVD',
  'LQ',
  'FRM',
  'SE',
  'GE',
  'IEA',
]);
/** Required DTPs: the 837P service date, the 837I statement period, the adjudication date. */
const REQUIRED_DATES: ReadonlySet<string> = new Set(['472', '434', '573']);

function structural(segment: PlacedSegment): boolean {
  if (STRUCTURAL.has(segment.id)) return true;
  if (segment.id === 'DTP') return REQUIRED_DATES.has(segment.elements[1] ?? '');
  // The billing provider's tax id and the submitter's contact are required.
  if (segment.id === 'REF') return segment.loop === '2010AA';
  if (segment.id === 'PER') return segment.loop === '1000A';
  return false;
}

export const KEEP_ALL: X12Selectors = { allows: () => true, size: 0 };

/**
 * Compiles `x12.keep`; `field` names the contract field in errors (`x12.keep[3]`), never the value.
 * Throws ContractFieldError (a PipelineError 'contract-invalid'), which resolveContract reports with
 * the contract's file name when it compiles the list in its `try`.
 */
export function compileX12Selectors(keep: readonly string[] | undefined, field = 'x12.keep'): X12Selectors {
  if (keep === undefined) return KEEP_ALL;
  const keys = new Set<string>();
  for (const [i, selector] of keep.entries()) {
    const m = typeof selector === 'string' ? SELECTOR.exec(selector) : null;
    if (m === null) {
      throw new ContractFieldError(
        `${field}[${i}]`,
        'expected loop/SEGMENT or loop/SEGMENT*QUALIFIER (loop may be *)',
      );
    }
    keys.add(`${m[1]}/${m[2]}${m[3] === undefined ? '' : `*${m[3]}`}`);
  }
  const has = (loop: string, id: string, qualifier: string): boolean =>
    keys.has(`${loop}/${id}`) || (qualifier !== '' && keys.has(`${loop}/${id}*${qualifier}`));
  return {
    size: keys.size,
    allows(segment) {
      if (structural(segment)) return true;
      const qualifier = segment.elements[1] ?? '';
      return (
        has(segment.loop, segment.id, qualifier) ||
        has('*', segment.id, qualifier) ||
        keys.has(`${segment.loop}/*`)
      );
    },
  };
}

/** The allow-list of a contract, read from its `x12` field when the contract schema carries one. */
export function contractX12Keep(contract: unknown): readonly string[] | undefined {
  const x12 = (contract as { x12?: { keep?: unknown } } | undefined)?.x12;
  const keep = x12?.keep;
  return Array.isArray(keep) ? (keep as string[]) : undefined;
}
