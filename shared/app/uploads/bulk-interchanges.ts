import { z } from 'zod';
import type { ObjectStore } from '../../ports/object-store.js';
import { jsonRecord } from '../json-records.js';
import { storageKeys } from '../storage-keys.js';
import type { LineErrorLog } from './line-errors.js';

/** The door's ISA13 markers (shared/app/claim-door.ts): `interchanges/{partner}/{ISA13}.json`. */
const markers = jsonRecord('interchange', z.object({ submissionId: z.string() }));

/** One 837 interchange of a bulk file: which file, and its ISA13. */
export interface BulkInterchange {
  readonly file: number;
  readonly control: string;
}

/**
 * The positions (in `interchanges`) of the ISA13s this partner already sent in another submission,
 * or earlier in this one: what the door refuses for /v1/claims (`invalid-claim` at `ISA13`, TA1 `025`).
 */
export async function repeatedInterchanges(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  interchanges: readonly BulkInterchange[],
): Promise<Set<number>> {
  const seen = new Set<string>();
  const repeated = new Set<number>();
  for (const [position, { control }] of interchanges.entries()) {
    const again = seen.has(control);
    seen.add(control);
    const earlier = again
      ? undefined
      : await markers.read(objects, storageKeys.interchange(partner, control));
    if (again || (earlier !== undefined && earlier.submissionId !== submissionId)) repeated.add(position);
  }
  return repeated;
}

/** As the door does for /v1/claims: a repeated ISA13 is a defect of the file that repeats it. */
export async function checkRepeatedInterchanges(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  interchanges: readonly BulkInterchange[],
  errors: LineErrorLog,
): Promise<void> {
  const repeated = await repeatedInterchanges(objects, partner, submissionId, interchanges);
  for (const [position, { file }] of interchanges.entries()) {
    if (!repeated.has(position)) continue;
    errors.add({
      file,
      code: 'invalid-claim',
      expression: 'ISA13',
      message: 'This partner already sent an interchange with this control number (ISA13).',
    });
  }
}

/** Marks the ISA13s as used by this submission; create-if-absent, so a repeat changes nothing. */
export async function recordBulkInterchanges(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  interchanges: readonly BulkInterchange[],
): Promise<void> {
  for (const { control } of interchanges) {
    await markers.write(
      objects,
      storageKeys.interchange(partner, control),
      { submissionId },
      { ifAbsent: true },
    );
  }
}
