import { randomInt } from 'node:crypto';
import { acknowledgeInterchange } from '../../core/x12/ack/acknowledge.js';
import { TA1_NOTE, writeTa1Answer } from '../../core/x12/ack/ta1.js';
import type { X12ReadResult } from '../../core/x12/read-model.js';
import { storeAcknowledgement } from '../acknowledgements.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { SubmissionRecord } from '../submission.js';
import { repeatedInterchanges } from './bulk-interchanges.js';

/**
 * What the streamed check of one uploaded 837 keeps for its acknowledgements: the first bytes (the ISA
 * of a file the reader could not read still says who to answer) and the reader's result (envelope
 * summaries and issues by position, bounded by the reader's cap), never the file.
 */
export class ClaimFileRead {
  /** Enough for the ISA after any leading blank lines. */
  static readonly HEAD_BYTES = 4096;
  head = new Uint8Array(0);
  /** Undefined when the reader gave up (`invalid-x12`): a TA1 from the head answers then. */
  result: X12ReadResult | undefined;

  constructor(readonly file: number) {}

  /** Keeps the first HEAD_BYTES of the file as its chunks go by. */
  see(chunk: Uint8Array): void {
    if (this.head.length >= ClaimFileRead.HEAD_BYTES) return;
    const grown = new Uint8Array(Math.min(ClaimFileRead.HEAD_BYTES, this.head.length + chunk.length));
    grown.set(this.head);
    grown.set(chunk.subarray(0, grown.length - this.head.length), this.head.length);
    this.head = grown;
  }
}

const controlNumber = (): number => randomInt(1, 1_000_000_000);

/**
 * The TA1 and 999 of a bulk submission's 837 files, as the door writes them for /v1/claims (SPEC §5):
 * one TA1 and one 999 per interchange, in file order, each document the concatenation, stored
 * encrypted under the submission like a direct claim's. An interchange whose ISA13 this partner
 * already sent (here or in another submission) gets the rejecting TA1 `025` and no 999. Written for
 * an accepted submission and for one failed on its content (the partner reads why, in X12, beside
 * `/errors`); a file whose bytes are not the declared ones is not acknowledged. Create-if-absent:
 * a repeated verification changes nothing.
 */
export async function storeBulkAcknowledgements(
  deps: Pick<PipelineDeps, 'objects' | 'envelope' | 'clock'>,
  record: SubmissionRecord,
  reads: readonly ClaimFileRead[],
): Promise<void> {
  if (reads.length === 0) return;
  const now = deps.clock.now();
  const interchanges = reads.flatMap((read) =>
    (read.result?.interchanges ?? []).map((i) => ({ file: read.file, control: i.control })),
  );
  const repeated = await repeatedInterchanges(deps.objects, record.partner, record.id, interchanges);
  const ta1: string[] = [];
  const functional: string[] = [];
  let position = 0;
  for (const read of reads) {
    const result = read.result;
    if (result === undefined || result.interchanges.length === 0) {
      const ack = acknowledgeInterchange(result, read.head, {
        now,
        interchangeControl: controlNumber(),
        functionalControl: controlNumber(),
      });
      if (ack.ta1 !== undefined) ta1.push(ack.ta1);
      continue;
    }
    for (const interchange of result.interchanges) {
      if (repeated.has(position++)) {
        ta1.push(
          writeTa1Answer(
            interchange,
            { code: 'R', note: TA1_NOTE.duplicateControlNumber },
            { now, interchangeControl: controlNumber(), delimiters: result.delimiters },
          ),
        );
        continue;
      }
      const ack = acknowledgeInterchange({ ...result, interchanges: [interchange] }, read.head, {
        now,
        interchangeControl: controlNumber(),
        functionalControl: controlNumber(),
      });
      if (ack.ta1 !== undefined) ta1.push(ack.ta1);
      if (ack.functional !== undefined) functional.push(ack.functional);
    }
  }
  if (ta1.length > 0) await storeAcknowledgement(deps, record.partner, record.id, 'ta1', ta1.join(''));
  if (functional.length > 0) {
    await storeAcknowledgement(deps, record.partner, record.id, '999', functional.join(''));
  }
}
