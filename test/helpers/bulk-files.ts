import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import type { IngestMessage } from '../../shared/app/queue-messages.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { type BulkFile, rawFileEncryptionContext } from '../../shared/app/submission.js';
import { submissionRecords } from '../../shared/app/submission-records.js';

/** In the repo, so the tests run where ../shared is absent; PHI_SYNTHEA_DIR points elsewhere. */
export const SYNTHEA = resolve(import.meta.dirname, '../fixtures/synthea');

/** The resources of Synthea bundles grouped by type, as a Bulk Data export would list them. */
export async function syntheaNdjson(limit = 3): Promise<Map<string, string[]>> {
  const dir = process.env.PHI_SYNTHEA_DIR ?? SYNTHEA;
  const names = (await readdir(dir))
    .filter((n) => n.endsWith('.json'))
    .sort()
    .slice(0, limit);
  const byType = new Map<string, string[]>();
  for (const name of names) {
    const bundle = JSON.parse(await readFile(join(dir, name), 'utf8')) as {
      entry?: { resource?: { resourceType?: string } }[];
    };
    for (const entry of bundle.entry ?? []) {
      const type = entry.resource?.resourceType;
      if (type === undefined) continue;
      const lines = byType.get(type) ?? [];
      lines.push(JSON.stringify(entry.resource));
      byType.set(type, lines);
    }
  }
  return byType;
}

const digestOf = (bytes: Uint8Array): string =>
  `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;

export interface PlainFile {
  readonly kind: BulkFile['kind'];
  readonly resourceType?: string;
  readonly chunks: () => AsyncIterable<Uint8Array>;
}

/**
 * What the upload path leaves behind for a bulk submission: each file envelope-encrypted (streamed)
 * at rawFile, the submission record in `processing`, and the IngestMessage to queue.
 */
export async function storeBulkSubmission(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  files: readonly PlainFile[],
  partner = 'demo',
  submissionId = randomUUID(),
  receivedAt = new Date().toISOString(),
): Promise<IngestMessage> {
  const declared: BulkFile[] = [];
  for (const [index, file] of files.entries()) {
    const hash = createHash('sha256');
    let bytes = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of file.chunks()) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        yield chunk;
      }
    }
    await deps.objects.putStream(
      storageKeys.rawFile(partner, submissionId, index),
      deps.envelope.encryptStream('data', counted(), rawFileEncryptionContext(partner, submissionId, index)),
      { ifAbsent: true, contentType: 'application/octet-stream' },
    );
    declared.push({
      index,
      kind: file.kind,
      ...(file.resourceType === undefined ? {} : { resourceType: file.resourceType }),
      bytes,
      contentDigest: `sha-256=:${hash.digest('base64')}:`,
    });
  }
  const manifestDigest = digestOf(new TextEncoder().encode(JSON.stringify(declared)));
  await submissionRecords.create(deps.objects, partner, submissionId, {
    id: submissionId,
    partner,
    kind: 'bulk',
    status: 'processing',
    receivedAt,
    contentDigest: manifestDigest,
    bytes: declared.reduce((sum, f) => sum + f.bytes, 0),
    resourceCounts: {},
    requestId: randomUUID(),
    files: declared,
  });
  return {
    version: 1,
    type: 'submission.accepted',
    submissionId,
    partner,
    kind: 'bulk',
    bucket: deps.objects.bucket,
    key: storageKeys.raw(partner, submissionId),
    contentDigest: manifestDigest,
    receivedAt,
    files: declared,
  };
}

export const textFile = (kind: BulkFile['kind'], text: string, resourceType?: string): PlainFile => ({
  kind,
  ...(resourceType === undefined ? {} : { resourceType }),
  chunks: async function* () {
    const bytes = Buffer.from(text, 'utf8');
    // Uneven chunks, so lines straddle them.
    for (let at = 0; at < bytes.byteLength; at += 10_007) yield bytes.subarray(at, at + 10_007);
  },
});
