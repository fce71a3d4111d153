import type { X12ReadResult } from '../read-model.js';
import { type AckIssue, write999 } from './999.js';
import { readIsaHeader } from './isa-header.js';
import { type AckOutcome, ackOutcome } from './outcome.js';
import { TA1_NOTE, ta1Answer, writeTa1Answer } from './ta1.js';
import type { AckEnvelopeOptions } from './x12-writer.js';

/**
 * What a claim submission is answered with (SPEC §5): a TA1 for the interchange and, when its envelope
 * is right, a 999 for its functional groups. A rejecting TA1 comes alone: nothing inside an envelope
 * that could not be trusted is acknowledged.
 */
export interface InterchangeAcknowledgement {
  readonly outcome: AckOutcome;
  /** Undefined only when not even the ISA says who sent the bytes: then no acknowledgement can go. */
  readonly ta1: string | undefined;
  /** The 999; undefined when the TA1 rejects. */
  readonly functional: string | undefined;
}

/**
 * Acknowledges the one interchange a submission holds (the door takes one per request). `result` is
 * what the reader found, or undefined when the bytes could not be read at all (it threw
 * `invalid-x12`): then a TA1 `R` with `unreadableNote` (default `022`, invalid control structure) is
 * addressed from the raw ISA, if there is one. Both acknowledgements use the input's delimiters
 * unless `options.delimiters` says otherwise. They are two interchanges: the TA1's ISA13 is
 * `interchangeControl`, the 999's `functionalControl` (its GS06 `groupControl`, default the same).
 */
export function acknowledgeInterchange(
  result: X12ReadResult | undefined,
  bytes: Uint8Array,
  options: AckEnvelopeOptions & { readonly functionalControl: number; readonly unreadableNote?: string },
): InterchangeAcknowledgement {
  const interchange = result?.interchanges[0];
  if (result === undefined || interchange === undefined) {
    const header = readIsaHeader(bytes);
    const note = options.unreadableNote ?? TA1_NOTE.invalidControlStructure;
    const ta1 = header === undefined ? undefined : writeTa1Answer(header, { code: 'R', note }, options);
    return { outcome: 'rejected', ta1, functional: undefined };
  }
  const withDelimiters = { ...options, delimiters: options.delimiters ?? result.delimiters };
  const issues: readonly AckIssue[] = result.issues;
  // An envelope holding no functional group has nothing a 999 could answer: the TA1 rejects it.
  const answer =
    interchange.groups.length === 0
      ? { code: 'R' as const, note: TA1_NOTE.invalidContent }
      : ta1Answer(interchange, issues);
  const ta1 = writeTa1Answer(interchange, answer, withDelimiters);
  if (answer.code === 'R') return { outcome: 'rejected', ta1, functional: undefined };
  const single: X12ReadResult = { ...result, interchanges: [interchange] };
  const functional = write999(interchange, issues, {
    ...withDelimiters,
    interchangeControl: options.functionalControl,
    groupControl: options.groupControl ?? options.functionalControl,
  });
  return { outcome: ackOutcome(single), ta1, functional };
}
