import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimGrouper } from '../../shared/core/x12/claims.js';
import type {
  ClaimUnit,
  GroupSummary,
  InterchangeSummary,
  TransactionSetSummary,
  X12Issue,
  X12ReadResult,
} from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { tokenizeX12 } from '../../shared/core/x12/tokenize.js';

/**
 * Inputs for the acknowledgement tests: the repo's 837 samples summarised the way the reader's
 * `X12ReadResult` does (envelope control data, counts; a round-trip test proves the reader agrees),
 * issues planted by hand where a test needs them in chosen places, and the reader's own claims.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sample = (name: string): Uint8Array => readFileSync(path.join(repoRoot, 'samples/x12', name));
export const SAMPLE_837P = 'demo.example1.837';
export const SAMPLE_837I = 'institutional-claim.837i';

/** A fixed clock and our control numbers: goldens must not move. */
export const NOW = new Date('2026-12-03T18:45:07Z');
export const RECEIVED = new Date('2026-12-03T18:44:00Z');

/** What the reader reports for a file with no defect: envelope summaries, no issue. */
export function summarize(bytes: Uint8Array, issues: readonly X12Issue[] = []): X12ReadResult {
  const { delimiters, segments } = tokenizeX12(bytes);
  const interchanges: InterchangeSummary[] = [];
  let isa: string[] = [];
  let groups: GroupSummary[] = [];
  let sets: TransactionSetSummary[] = [];
  let gs: string[] = [];
  let st: string[] = [];
  let inSet = 0;
  let claims = 0;
  for (const { elements } of segments) {
    const e = [...elements];
    const id = e[0];
    if (id === 'ISA') {
      isa = e;
      groups = [];
    } else if (id === 'GS') {
      gs = e;
      sets = [];
    } else if (id === 'ST') {
      st = e;
      inSet = 0;
      claims = 0;
    }
    inSet++;
    if (id === 'CLM') claims++;
    if (id === 'SE') {
      const control = st[2] ?? '';
      const accepted = !issues.some((i) => i.group === groups.length && i.transactionSet === sets.length);
      sets.push({ id: st[1] ?? '', control, version: st[3], segments: inSet, claims, accepted });
    } else if (id === 'GE') {
      groups.push({ functional: gs[1] ?? '', control: gs[6] ?? '', version: gs[8] ?? '', sets });
    } else if (id === 'IEA') {
      interchanges.push({
        control: isa[13] ?? '',
        senderQualifier: (isa[5] ?? '').trim(),
        sender: (isa[6] ?? '').trim(),
        receiverQualifier: (isa[7] ?? '').trim(),
        receiver: (isa[8] ?? '').trim(),
        date: isa[9] ?? '',
        time: isa[10] ?? '',
        version: isa[12] ?? '',
        usage: isa[15] ?? '',
        groups,
      });
    }
  }
  return { delimiters, interchanges, issues, moreIssues: 0 };
}

/** An issue as the reader reports it, placed in the first interchange/group/set of `result`. */
export function issue(
  result: X12ReadResult,
  fields: Partial<X12Issue> & Pick<X12Issue, 'ack'>,
  where: { group?: number; set?: number } = {},
): X12Issue {
  const interchange = result.interchanges[0];
  const group = interchange?.groups[where.group ?? 0];
  const set = group?.sets[where.set ?? 0];
  return {
    snip: 2,
    expression: '',
    message: 'planted',
    loop: undefined,
    segment: undefined,
    position: 0,
    element: undefined,
    component: undefined,
    interchange: interchange === undefined ? undefined : 0,
    group: group === undefined ? undefined : (where.group ?? 0),
    transactionSet: set === undefined ? undefined : (where.set ?? 0),
    ...fields,
  };
}

/** Adds issues to a summary, marking the sets they sit in as not accepted. */
export function withIssues(result: X12ReadResult, issues: readonly X12Issue[]): X12ReadResult {
  return {
    ...result,
    issues,
    interchanges: result.interchanges.map((ic) => ({
      ...ic,
      groups: ic.groups.map((g, gi) => ({
        ...g,
        sets: g.sets.map((s, si) => ({
          ...s,
          accepted: !issues.some((i) => i.group === gi && i.transactionSet === si),
        })),
      })),
    })),
  };
}

/** The claims of a file as the reader's claim grouper hands them on. */
export function claimUnits(bytes: Uint8Array): ClaimUnit[] {
  const units: ClaimUnit[] = [];
  readX12(
    bytes,
    claimGrouper((unit) => units.push(unit)),
  );
  return units;
}

/** Segments of a written acknowledgement, each as its elements. */
export const segmentsOf = (x12: string): string[][] =>
  tokenizeX12(new TextEncoder().encode(x12)).segments.map((s) => [...s.elements]);
