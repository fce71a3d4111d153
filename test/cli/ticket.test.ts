import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../cli/cli-error.js';
import { defaultOperatorId, operatorContextOf, requireTicket } from '../../cli/ticket.js';
import { FileAuditLog, FileAuditSink } from '../../shared/adapters/embedded/index.js';
import { exportAuditLog } from '../../shared/app/audit-admin.js';
import {
  auditedOperatorAction,
  type OperatorVerb,
  recordOperatorAction,
} from '../../shared/app/operator-actions.js';
import { PipelineError } from '../../shared/core/errors.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import type { Clock } from '../../shared/ports/index.js';

const clock: Clock = { now: () => new Date('2026-12-04T03:00:00.000Z') };

describe('cli/ticket: --ticket is a reference, required', () => {
  it.each(['CHG-1234', 'jira:SEC/42', '#981', 'INC.7_a', 'T'.repeat(64)])('accepts %s', (ticket) => {
    expect(requireTicket(ticket, 'phi x')).toBe(ticket);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['free text with a space', 'called Jane Doe'],
    ['65 characters', 'T'.repeat(65)],
    ['a semicolon', 'a;b'],
    ['a newline', 'CHG-1\nforged'],
    ['non-ASCII', 'CHG-1é'],
  ])('refuses %s as a usage error (exit 2) without echoing it', (_case, ticket) => {
    let error: unknown;
    try {
      requireTicket(ticket, 'phi dlq replay');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).not.toContain('Jane');
    expect((error as CliError).message).not.toContain('forged');
  });

  it('the operator defaults to user@host in the operator id alphabet; a bad --operator is a usage error', () => {
    expect(defaultOperatorId()).toMatch(/^[A-Za-z0-9._@:+-]{1,128}$/);
    expect(operatorContextOf({ ticket: 'CHG-1' }, 'phi x')).toEqual({
      operator: defaultOperatorId(),
      ticket: 'CHG-1',
      host: hostname(),
    });
    expect(() => operatorContextOf({ ticket: 'CHG-1', operator: 'a b' }, 'phi x')).toThrow(CliError);
    expect(() => operatorContextOf({ operator: 'bob' }, 'phi x')).toThrow(/requires --ticket/);
  });
});

describe('shared/app/operator-actions: the audit record of an operator action', () => {
  let home: string;
  let deps: { audit: FileAuditSink; clock: Clock };
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-ticket-'));
    deps = { audit: new FileAuditSink(home), clock };
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const records = async () =>
    (await new FileAuditLog(home).read()).map((line) => JSON.parse(line.text) as Record<string, unknown>);

  it('records operator, ticket, host, verb, targets and outcome in the hash chain', async () => {
    const who = { operator: 'alice@desk', ticket: 'CHG-9', host: 'desk-1' };
    await recordOperatorAction(deps, who, {
      verb: 'consumer.disable',
      targets: { consumer: 'analytics', ticket: 'shadowed', host: 'shadowed' },
      outcome: 'success',
    });
    await recordOperatorAction(deps, who, { verb: 'partner.revoke', outcome: 'failure', code: 'not-found' });
    expect(await records()).toEqual([
      expect.objectContaining({
        actor: { type: 'operator', id: 'alice@desk' },
        action: 'consumer.disable',
        outcome: 'success',
        details: { consumer: 'analytics', ticket: 'CHG-9', host: 'desk-1' },
        seq: 1,
      }),
      expect.objectContaining({
        action: 'partner.revoke',
        outcome: 'failure',
        code: 'not-found',
        details: { ticket: 'CHG-9', host: 'desk-1' },
        seq: 2,
      }),
    ]);
    expect((await new FileAuditLog(home).verify()).ok).toBe(true);
  });

  it('refuses an unchecked ticket from any caller, and a host outside the name alphabet becomes unknown', async () => {
    await expect(
      recordOperatorAction(
        deps,
        { operator: 'a', ticket: 'Jane Doe' },
        { verb: 'replay', outcome: 'success' },
      ),
    ).rejects.toMatchObject({ code: 'content-invalid' });
    await recordOperatorAction(
      deps,
      { operator: 'a', ticket: 'T-1', host: 'desk 1; rm' },
      { verb: 'replay', outcome: 'success' },
    );
    const [only] = await records();
    expect(only?.details).toEqual({ ticket: 'T-1', host: 'unknown' });
  });

  it('auditedOperatorAction records success with returned targets, or failure with the code, and rethrows', async () => {
    const who = { operator: 'bob', ticket: 'INC-3' };
    const value = await auditedOperatorAction(
      deps,
      who,
      { verb: 'partner.rotate-key', targets: { partner: 'acme' } },
      async () => ({ result: 42, targets: { kid: 'k2' } }),
    );
    expect(value).toBe(42);
    await expect(
      auditedOperatorAction(deps, who, { verb: 'consumer.enable', targets: { consumer: 'x' } }, async () => {
        throw new PipelineError('not-found', 'no such consumer');
      }),
    ).rejects.toMatchObject({ code: 'not-found' });
    let ran = false;
    await expect(
      auditedOperatorAction(deps, { operator: 'bob', ticket: '' }, { verb: 'replay' }, async () => {
        ran = true;
        return { result: 1 };
      }),
    ).rejects.toMatchObject({ code: 'content-invalid' });
    expect(ran).toBe(false);
    expect((await records()).map((r) => [r.action, r.outcome, r.code, r.details])).toEqual([
      [
        'partner.rotate-key',
        'success',
        undefined,
        { partner: 'acme', kid: 'k2', ticket: 'INC-3', host: hostname() },
      ],
      ['consumer.enable', 'failure', 'not-found', { consumer: 'x', ticket: 'INC-3', host: hostname() }],
    ]);
  });

  const VERBS: readonly [OperatorVerb, string, string][] = [
    ['replay', '110100', 'E'],
    ['consumer.disable', '110113', 'U'],
    ['consumer.enable', '110113', 'U'],
    ['partner.revoke', '110113', 'U'],
    ['partner.rotate-key', '110113', 'U'],
    ['consumer.consume', '110107', 'C'],
    ['audit.export', '110106', 'R'],
  ];

  it('exports each verb as a BALP AuditEvent: the operator agent with host and the ticket as purposeOfUse', async () => {
    for (const [verb] of VERBS) {
      await recordOperatorAction(
        deps,
        { operator: 'carol@desk', ticket: `T-${verb}`, host: 'desk-2' },
        { verb, outcome: 'success', targets: { consumer: 'analytics' } },
      );
    }
    const chunks: string[] = [];
    const result = await exportAuditLog(
      () => new FileAuditLog(home).read(),
      'fhir-bundle',
      async (text) => void chunks.push(text),
    );
    expect(result).toEqual({ ok: true, count: VERBS.length });
    const bundle = JSON.parse(chunks.join(''));
    expect(validateBundle(bundle)).toMatchObject({ resourceCounts: { AuditEvent: VERBS.length } });
    const events = (bundle.entry as { resource: Record<string, unknown> }[]).map((e) => e.resource);
    expect(
      events.map((e) => [
        (e.subtype as { code: string }[]).at(-1)?.code,
        (e.type as { code: string }).code,
        e.action,
      ]),
    ).toEqual(VERBS);
    for (const [i, event] of events.entries()) {
      expect(event.agent).toEqual([
        {
          type: { coding: [expect.objectContaining({ code: 'humanuser' })] },
          who: { identifier: { system: 'urn:phi-pipeline:operator', value: 'carol@desk' } },
          requestor: true,
          network: { address: 'desk-2', type: '1' },
          purposeOfUse: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
                  code: 'HOPERAT',
                  display: 'healthcare operations',
                },
              ],
              text: `T-${VERBS[i]?.[0]}`,
            },
          ],
        },
      ]);
    }
  });
});
