import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { PipelineError, reject } from '../core/errors.js';
import { acknowledgeInterchange } from '../core/x12/ack/acknowledge.js';
import { TA1_NOTE, writeTa1Answer } from '../core/x12/ack/ta1.js';
import { guideFor } from '../core/x12/guide/index.js';
import type { InterchangeSummary, X12ReadResult } from '../core/x12/read-model.js';
import { MAX_X12_SEGMENTS } from '../core/x12/reader-tokenizer.js';
import { claimFileAccepted, validateClaimFile } from '../core/x12/validate.js';
import { jsonRecord } from './json-records.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { storageKeys } from './storage-keys.js';
import { idempotencyClaims } from './submission-records.js';

/** What the door learnt of an acceptable claim file, for its record, its answer and its replay check. */
export interface CheckedClaimFile {
  /** Claims per kind, e.g. `{ "837P": 3 }`: the record's resource counts. */
  readonly counts: Record<string, number>;
  readonly interchanges: readonly InterchangeSummary[];
  /** The accepting TA1 and 999, one of each per interchange, to store with the submission. */
  readonly ta1: string;
  readonly functional: string;
}

/** An acknowledgement's own ISA13 and GS06: random, since a refused file may store nothing to count with. */
const controlNumber = (): number => randomInt(1, 1_000_000_000);

/**
 * The door's SNIP 1–4 check of a claim file (SPEC §3 and §5). Bytes that do not read as X12 are
 * `invalid-x12`; any defect found is `invalid-claim`, one OperationOutcome issue per defect with its
 * loop, segment position and element, never a value. Either refusal carries the rejecting TA1 or 999
 * for a partner that asked for `application/edi-x12`.
 */
export function checkClaimFile(body: Uint8Array, now: Date): CheckedClaimFile {
  let result: X12ReadResult;
  try {
    result = validateClaimFile(body, { maxSegments: MAX_X12_SEGMENTS });
  } catch (error) {
    if (!(error instanceof PipelineError) || error.code !== 'invalid-x12') throw error;
    const ack = acknowledgeInterchange(undefined, body, {
      now,
      interchangeControl: controlNumber(),
      functionalControl: controlNumber(),
    });
    throw reject('invalid-x12', error.message, {
      ...(error.details ?? {}),
      ...(ack.ta1 === undefined ? {} : { acknowledgement: ack.ta1 }),
    });
  }
  const acks = result.interchanges.map((interchange) =>
    acknowledgeInterchange({ ...result, interchanges: [interchange] }, body, {
      now,
      interchangeControl: controlNumber(),
      functionalControl: controlNumber(),
    }),
  );
  if (!claimFileAccepted(result) || result.interchanges.length === 0) {
    const [first, ...rest] = result.issues;
    const rejecting = acks.map((a) => a.functional ?? a.ta1 ?? '').join('');
    const more = result.moreIssues > 0 ? ` (${result.moreIssues} more not listed)` : '';
    throw reject(
      'invalid-claim',
      first === undefined
        ? 'The file holds no 837 interchange.'
        : `The claim file breaks ${result.issues.length + result.moreIssues} rule(s) of the 005010 837 guides${more}; first: ${first.message}`,
      {
        expression: first?.expression ?? 'ISA',
        outcomeIssues: [first, ...rest].flatMap((i) =>
          i === undefined ? [] : [{ expression: i.expression, diagnostics: i.message }],
        ),
        ...(rejecting === '' ? {} : { acknowledgement: rejecting }),
      },
    );
  }
  const counts: Record<string, number> = {};
  for (const interchange of result.interchanges) {
    for (const group of interchange.groups) {
      const kind = guideFor(group.version)?.name ?? group.version;
      for (const set of group.sets) counts[kind] = (counts[kind] ?? 0) + set.claims;
    }
  }
  return {
    counts,
    interchanges: result.interchanges,
    ta1: acks.map((a) => a.ta1 ?? '').join(''),
    functional: acks.map((a) => a.functional ?? '').join(''),
  };
}

const InterchangeMarkerSchema = z.object({ submissionId: z.string() });
const interchangeMarkers = jsonRecord('interchange', InterchangeMarkerSchema);

/**
 * A repeated ISA13 from the same partner is refused (TA1 `025`) unless this request is the retry of
 * the submission that first carried it (same idempotency key, hence same content), which the
 * idempotency rules answer with that submission. Read before anything is written.
 */
export async function refuseRepeatedInterchanges(
  deps: Pick<PipelineDeps, 'objects'>,
  partner: string,
  file: CheckedClaimFile,
  idempotencyKey: string,
  now: Date,
): Promise<void> {
  for (const interchange of file.interchanges) {
    const seen = await interchangeMarkers.read(
      deps.objects,
      storageKeys.interchange(partner, interchange.control),
    );
    if (seen === undefined) continue;
    const retry = await idempotencyClaims.read(deps.objects, partner, idempotencyKey);
    if (retry?.submissionId === seen.submissionId) continue;
    const ta1 = writeTa1Answer(
      interchange,
      { code: 'R', note: TA1_NOTE.duplicateControlNumber },
      { now, interchangeControl: controlNumber() },
    );
    throw reject(
      'invalid-claim',
      'This partner already sent an interchange with this control number (ISA13).',
      {
        expression: 'ISA13',
        acknowledgement: ta1,
      },
    );
  }
}

/** Marks the file's ISA13s as used by this submission; create-if-absent, so a retry changes nothing. */
export async function recordInterchanges(
  deps: Pick<PipelineDeps, 'objects'>,
  partner: string,
  file: CheckedClaimFile,
  submissionId: string,
): Promise<void> {
  for (const interchange of file.interchanges) {
    await interchangeMarkers.write(
      deps.objects,
      storageKeys.interchange(partner, interchange.control),
      { submissionId },
      { ifAbsent: true },
    );
  }
}
