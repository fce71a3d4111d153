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
 * As the door does for /v1/claims: an ISA13 this partner already sent in another submission, or twice
 * in this one, is a defect of the file that repeats it (`invalid-claim` at `ISA13`).
 */
export async function checkRepeatedInterchanges(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  interchanges: readonly BulkInterchange[],
  errors: LineErrorLog,
): Promise<void> {
  const seen = new Set<string>();
  for (const { file, control } of interchanges) {
    const repeated = seen.has(control);
    seen.add(control);
    const earlier = repeated
      ? undefined
      : await markers.read(objects, storageKeys.interchange(partner, control));
    if (repeated || (earlier !== undefined && earlier.submissionId !== submissionId)) {
      errors.add({
        file,
        code: 'invalid-claim',
        expression: 'ISA13',
        message: 'This partner already sent an interchange with this control number (ISA13).',
      });
    }
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
