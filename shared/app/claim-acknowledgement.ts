import { randomInt } from 'node:crypto';
import { ClaimStatusCollector, write277ca } from '../core/x12/ack/index.js';
import { claimGrouper } from '../core/x12/claims.js';
import { readX12, X12Reader } from '../core/x12/reader.js';
import { storeAcknowledgement } from './acknowledgements.js';
import { type BulkMessage, bulkFiles, rawFilePlaintext } from './bulk/raw-files.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** 2100A of every 277CA: the pipeline as information source (NM101 `AY`, NM108 `46` ETIN). */
const SOURCE = { name: 'PHI PIPELINE', id: 'PHIPIPELINE' };

/**
 * The 277CA of a claim file once processing has run: every claim the door took is acknowledged as
 * accepted into processing (STC A1:20), traced by submission id and claim index (REF*D9), never by
 * anything the partner did not send. Stored encrypted, like the file: it echoes CLM01 and names.
 */
export async function acknowledgeProcessedClaims(
  deps: Pick<PipelineDeps, 'objects' | 'envelope' | 'clock'>,
  msg: { readonly partner: string; readonly submissionId: string; readonly receivedAt: string },
  plaintext: Uint8Array,
): Promise<void> {
  const collector = new ClaimStatusCollector();
  const result = readX12(
    plaintext,
    claimGrouper((unit) => collector.add(unit, 'accepted', { trace: `${msg.submissionId}-${unit.index}` })),
  );
  const interchange = result.interchanges[0];
  if (interchange === undefined) return;
  const control = randomInt(1, 1_000_000_000);
  const text = write277ca(interchange, collector.statusSets(), {
    interchangeControl: control,
    now: deps.clock.now(),
    receivedAt: new Date(msg.receivedAt),
    source: SOURCE,
    trace: msg.submissionId.replaceAll('-', '').slice(0, 30),
    delimiters: result.delimiters,
  });
  await storeAcknowledgement(deps, msg.partner, msg.submissionId, '277ca', text);
}

/**
 * The 277CA of a bulk submission's 837 files once processing has run, as for a direct claim: each
 * file read again as it streams from the store (decrypted chunk by chunk, never whole), one 277CA
 * per file's first interchange as the direct path writes one, the documents concatenated in manifest
 * order and stored encrypted. Claims are traced by submission id, file and claim index.
 */
export async function acknowledgeProcessedBulkClaims(
  deps: Pick<PipelineDeps, 'objects' | 'envelope' | 'clock'>,
  msg: BulkMessage,
): Promise<void> {
  const parts: string[] = [];
  for (const file of bulkFiles(msg)) {
    if (file.kind !== 'x12-837') continue;
    const collector = new ClaimStatusCollector();
    const reader = new X12Reader(
      claimGrouper((unit) =>
        collector.add(unit, 'accepted', { trace: `${msg.submissionId}-${file.index}-${unit.index}` }),
      ),
    );
    for await (const chunk of rawFilePlaintext(deps, msg, file)) reader.push(chunk);
    const result = reader.end();
    const interchange = result.interchanges[0];
    if (interchange === undefined) continue;
    parts.push(
      write277ca(interchange, collector.statusSets(), {
        interchangeControl: randomInt(1, 1_000_000_000),
        now: deps.clock.now(),
        receivedAt: new Date(msg.receivedAt),
        source: SOURCE,
        trace: msg.submissionId.replaceAll('-', '').slice(0, 30),
        delimiters: result.delimiters,
      }),
    );
  }
  if (parts.length > 0)
    await storeAcknowledgement(deps, msg.partner, msg.submissionId, '277ca', parts.join(''));
}
