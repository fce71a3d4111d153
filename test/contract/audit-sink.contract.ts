import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChainLine, GENESIS_HASH, hashRecord, verifyChain } from '../../shared/core/audit/hash-chain.js';
import type { AuditEvent, AuditLog, AuditRecord, AuditSink } from '../../shared/ports/audit-sink.js';

export interface AuditSinkFixture {
  readonly sink: AuditSink;
  /** The adapter's own reader of the same log (the AuditLog port). */
  readonly log: AuditLog;
  /** The stored log, in chain order, as the verifier reads it. */
  read(): Promise<ChainLine[]>;
  cleanup(): Promise<void>;
}

export const auditEvent = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  time: '2026-08-01T12:00:00.000Z',
  actor: { type: 'partner', id: 'demo' },
  action: 'submission.accepted',
  outcome: 'success',
  requestId: 'req-1',
  submissionId: 'sub-1',
  details: { bytes: 1234, kind: 'bundle', duplicate: false },
  ...overrides,
});

const withoutHash = ({ hash: _hash, ...rest }: AuditRecord): Record<string, unknown> => rest;

/** Hash-chain behaviour every AuditSink adapter must share. `make` gives an empty log. */
export function describeAuditSinkContract(name: string, make: () => Promise<AuditSinkFixture>): void {
  describe(`AuditSink contract: ${name}`, () => {
    let fixture: AuditSinkFixture;

    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('starts the chain at seq 1 from 64 zeros and links each record to the previous hash', async () => {
      const first = await fixture.sink.append(auditEvent());
      const second = await fixture.sink.append(
        auditEvent({ action: 'delivery', actor: { type: 'system', id: 'worker' } }),
      );
      expect(first).toMatchObject({ seq: 1, prev: GENESIS_HASH, action: 'submission.accepted' });
      expect(first.hash).toBe(hashRecord(withoutHash(first)));
      expect(second).toMatchObject({ seq: 2, prev: first.hash });
      expect(second.hash).toBe(hashRecord(withoutHash(second)));
    });

    it('stores records that verify end to end, head being the last hash', async () => {
      const records: AuditRecord[] = [];
      for (let i = 0; i < 5; i++)
        records.push(await fixture.sink.append(auditEvent({ requestId: `req-${i}` })));
      const verification = verifyChain(await fixture.read());
      expect(verification).toEqual({ ok: true, count: 5, head: records.at(-1)?.hash });
    });

    it('keeps one unbroken chain under concurrent appends', async () => {
      const records = await Promise.all(
        Array.from({ length: 25 }, (_, i) => fixture.sink.append(auditEvent({ requestId: `req-${i}` }))),
      );
      expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
      expect(verifyChain(await fixture.read())).toMatchObject({ ok: true, count: 25 });
    });

    it('stores only the event fields of the port, dropping anything else a caller attached', async () => {
      const smuggled = { ...auditEvent(), patientName: 'Jane Roe' } as AuditEvent;
      const record = await fixture.sink.append(smuggled);
      expect(record).not.toHaveProperty('patientName');
      const lines = await fixture.read();
      expect(lines.some((line) => line.text.includes('Jane Roe'))).toBe(false);
    });

    it('reads the log back through the AuditLog port, in chain order, and verifies it to the last hash', async () => {
      await expect(fixture.log.read()).resolves.toEqual([]);
      await expect(fixture.log.verify()).resolves.toMatchObject({ ok: true, count: 0 });
      const records: AuditRecord[] = [];
      for (let i = 0; i < 3; i++)
        records.push(await fixture.sink.append(auditEvent({ requestId: `req-${i}` })));
      const lines = await fixture.log.read();
      expect(lines.map((line) => (JSON.parse(line.text) as AuditRecord).seq)).toEqual([1, 2, 3]);
      expect(lines.map((line) => line.text)).toEqual((await fixture.read()).map((line) => line.text));
      expect(lines.every((line) => line.file.length > 0 && line.line >= 1)).toBe(true);
      await expect(fixture.log.verify()).resolves.toEqual({ ok: true, count: 3, head: records.at(-1)?.hash });
    });

    it('refuses an event without a valid time', async () => {
      await expect(fixture.sink.append(auditEvent({ time: 'yesterday' }))).rejects.toMatchObject({
        code: 'content-invalid',
      });
    });
  });
}
