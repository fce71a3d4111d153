import type { X12ReadResult } from '../read-model.js';
import { answerGroup } from './999.js';
import { ta1Answer } from './ta1.js';

/**
 * The one-word outcome the door and `phi submit` show, read off the same answers the TA1 and 999
 * write, so the word and the acknowledgement never disagree:
 * - `accepted`: the envelope is right and every transaction set of every group is accepted;
 * - `accepted-with-errors`: the envelope is right and some sets are accepted, some rejected (AK9 `P`);
 * - `rejected`: no interchange, an envelope defect (TA1 `R`), or not one set accepted.
 * Issue 10 has the door refuse a claim file on any issue, so only `accepted` is stored; the middle
 * word lets `phi submit` say that part of the file was fine.
 */
export type AckOutcome = 'accepted' | 'accepted-with-errors' | 'rejected';

export function ackOutcome(result: X12ReadResult): AckOutcome {
  if (result.interchanges.length === 0) return 'rejected';
  let sets = 0;
  let accepted = 0;
  for (const [i, interchange] of result.interchanges.entries()) {
    if (ta1Answer(interchange, result.issues, i).code !== 'A') return 'rejected';
    for (const [g, group] of interchange.groups.entries()) {
      const answer = answerGroup(i, g, group, result.issues);
      sets += answer.sets.length;
      // A group rejected as a whole (GS/GE at fault) takes none of its sets, whatever their IK5.
      if (answer.code !== 'R') accepted += answer.accepted;
    }
  }
  if (accepted === 0) return 'rejected';
  const clean = accepted === sets && result.issues.length === 0 && result.moreIssues === 0;
  return clean ? 'accepted' : 'accepted-with-errors';
}
