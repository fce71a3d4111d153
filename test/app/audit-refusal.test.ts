import { describe, expect, it } from 'vitest';
import { auditRefusal } from '../../shared/app/audit-events.js';
import { OAuthError, reject } from '../../shared/core/errors.js';
import type { AuditEvent, AuditRecord, AuditSink, Clock } from '../../shared/ports/index.js';

class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  async append(event: AuditEvent): Promise<AuditRecord> {
    this.events.push(event);
    return { ...event, prev: '', hash: '' } as unknown as AuditRecord;
  }
}

const clock: Clock = { now: () => new Date('2026-01-02T03:04:05.000Z') };
/** What a request does on success: names its partner and writes its own success record. */
async function succeed(audit: AuditSink, identify: (partnerId: string) => void): Promise<void> {
  identify('demo');
  await audit.append({ time: 't', actor: { type: 'partner', id: 'demo' }, action: 'ok', outcome: 'success' });
}

const refusal = { action: 'submission.rejected', requestId: 'req-1', sourceIp: '192.0.2.1' };

describe('Function: auditRefusal', () => {
  it('writes no audit record of its own when the work succeeds, and returns its result', async () => {
    const audit = new MemoryAudit();
    const result = await auditRefusal(audit, clock, refusal, async (identify) => {
      await succeed(audit, identify);
      return 42;
    });
    expect(result).toBe(42);
    expect(audit.events.map((e) => e.action)).toEqual(['ok']);
  });

  it('writes exactly one failure record with the error code and the known partner, then rethrows', async () => {
    const audit = new MemoryAudit();
    const error = reject('insufficient-scope', 'no scope');
    await expect(
      auditRefusal(audit, clock, { ...refusal, details: { kind: 'bundle', bytes: 3 } }, async (identify) => {
        identify('demo');
        throw error;
      }),
    ).rejects.toBe(error);
    expect(audit.events).toEqual([
      {
        time: '2026-01-02T03:04:05.000Z',
        actor: { type: 'partner', id: 'demo' },
        action: 'submission.rejected',
        outcome: 'failure',
        code: 'insufficient-scope',
        requestId: 'req-1',
        sourceIp: '192.0.2.1',
        details: { kind: 'bundle', bytes: 3 },
      },
    ]);
  });

  it('names the actor anonymous until identified, and records uncoded errors as internal', async () => {
    const audit = new MemoryAudit();
    await expect(
      auditRefusal(audit, clock, refusal, async () => {
        throw new TypeError('boom');
      }),
    ).rejects.toThrow(TypeError);
    await expect(
      auditRefusal(audit, clock, { ...refusal, action: 'token.refused' }, async (identify) => {
        identify(undefined);
        throw new OAuthError('invalid_client', 'client is not registered');
      }),
    ).rejects.toBeInstanceOf(OAuthError);
    expect(audit.events).toHaveLength(2);
    expect(audit.events[0]).toMatchObject({ actor: { type: 'anonymous', id: 'unknown' }, code: 'internal' });
    expect(audit.events[0]).not.toHaveProperty('details');
    expect(audit.events[1]).toMatchObject({
      actor: { type: 'anonymous', id: 'unknown' },
      action: 'token.refused',
      code: 'invalid_client',
    });
  });

  it('writes one failure record when the work fails after its own success record', async () => {
    const audit = new MemoryAudit();
    await expect(
      auditRefusal(audit, clock, refusal, async (identify) => {
        await succeed(audit, identify);
        throw reject('not-found', 'no such submission');
      }),
    ).rejects.toMatchObject({ code: 'not-found' });
    expect(audit.events.map((e) => [e.action, e.outcome])).toEqual([
      ['ok', 'success'],
      ['submission.rejected', 'failure'],
    ]);
  });
});
