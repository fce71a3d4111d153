import { afterEach, describe, expect, it } from 'vitest';
import { readFailure } from '../../shared/app/failures.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { submissionRecords } from '../../shared/app/submission-records.js';
import { type FaultStack, startFaultStack, waitForQuiescence } from '../helpers/invariants.js';

/** Permanent failures go straight to the DLQ with a reason: no retries, nothing half-written. */
describe('Invariants: permanent failures', () => {
  let s: FaultStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('dead-letters a submission whose stored ciphertext was corrupted, at the first receive', async () => {
    s = await startFaultStack({ consumers: ['alpha', 'beta'] });
    const [id = ''] = await s.submit(1);
    const rawKey = storageKeys.raw('demo', id);
    const stored = await s.base.objects.get(rawKey);
    if (!stored) throw new Error('raw submission missing');
    const body = new Uint8Array(stored.body);
    const at = Math.floor(body.byteLength / 2);
    body[at] = (body[at] ?? 0) ^ 0x01;
    await s.base.objects.put(rawKey, body, { contentType: 'application/octet-stream' });

    s.startWorkers();
    const report = await s.settleAndCheck([id], 20_000);
    expect(report.violations).toEqual([]);
    expect(report.pairs.map((p) => p.kind)).toEqual(['submission-dead-lettered', 'submission-dead-lettered']);

    const [dl, ...more] = await s.base.deadLetters.list(queueNames.ingest);
    expect(more).toEqual([]);
    expect(dl?.attributes.failureReason).toMatch(/^crypto-/);
    const failure = await readFailure(
      s.base.objects,
      queueNames.ingest,
      dl?.attributes.originalMessageId ?? '',
    );
    expect(failure).toMatchObject({ attempts: 1 });
    expect(failure?.firstReason).toMatch(/^crypto-/);
    const record = await submissionRecords.read(s.base.objects, 'demo', id);
    expect(record?.status).toBe('dead-lettered');
    expect(await s.base.objects.list('consumers/')).toEqual([]);
    expect(await s.base.objects.list(`submissions/demo/${id}/`)).toEqual([]);
    expect(report.notifications).toEqual([]);
    expect(
      s.queue.depth(queueNames.deliver('alpha')).total + s.queue.depth(queueNames.deliver('beta')).total,
    ).toBe(0);
    const deadLetterAudits = report.auditRecords.filter(
      (r) => r.action === 'dead-letter' && r.submissionId === id,
    );
    expect(deadLetterAudits.map((r) => r.code)).toEqual([dl?.attributes.failureReason]);
  });

  it('dead-letters a non-JSON and a schema-violating ingest message at the first receive, writing nothing else', async () => {
    s = await startFaultStack({ consumers: ['alpha'] });
    const before = await s.base.objects.list('');
    await s.base.queue.send(queueNames.ingest, 'not json {');
    await s.base.queue.send(queueNames.ingest, JSON.stringify({ version: 1, type: 'submission.accepted' }));
    s.startWorkers();
    expect(await waitForQuiescence(s.queue, ['alpha'], 20_000)).toBe(true);

    const dls = await s.base.deadLetters.list(queueNames.ingest);
    expect(dls.map((d) => d.attributes.failureReason)).toEqual(['content-invalid', 'content-invalid']);
    expect(dls.map((d) => d.body).sort()).toEqual(
      ['not json {', JSON.stringify({ version: 1, type: 'submission.accepted' })].sort(),
    );
    for (const dl of dls) {
      expect(
        await readFailure(s.base.objects, queueNames.ingest, dl.attributes.originalMessageId ?? ''),
      ).toMatchObject({
        attempts: 1,
        firstReason: 'content-invalid',
      });
    }
    const written = (await s.base.objects.list('')).filter((k) => !before.includes(k));
    expect(written.every((k) => k.startsWith('failures/ingest/'))).toBe(true);
    expect(written).toHaveLength(2);
    expect(s.queue.depth(queueNames.deliver('alpha')).total).toBe(0);

    const report = await s.settleAndCheck([]);
    expect(report.violations).toEqual([]);
    expect(report.notifications).toEqual([]);
    const audits = report.auditRecords.filter((r) => r.action === 'dead-letter');
    expect(audits.map((r) => [r.code, r.outcome, r.submissionId])).toEqual([
      ['content-invalid', 'failure', undefined],
      ['content-invalid', 'failure', undefined],
    ]);
  });
});
