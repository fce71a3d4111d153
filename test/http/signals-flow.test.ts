/**
 * Issue 12 item 3, locally: a burst of bad tokens, bad signatures and bad digests raises the
 * documented signals (`phi alerts`, `phi start`'s watcher), and the SIEM export of the audit records
 * and signals carries none of the submitted PHI (the canary), in the documented schema.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchSignals } from '../../cli/signal-watch.js';
import { listSignals } from '../../shared/app/signals.js';
import { exportSiem } from '../../shared/app/signals-siem.js';
import { SiemLineSchema, siemJsonSchema } from '../../shared/app/signals-siem-schema.js';
import type { Signal } from '../../shared/core/signals/index.js';
import { accessToken, CANARY, DOOR_ONLY, sendRaw, submission, utf8 } from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

function canaryBundle(): Buffer {
  return utf8(
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Patient',
            identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: `${CANARY}-MRN` }],
            name: [{ family: CANARY, given: [CANARY] }],
            birthDate: '1970-01-01',
          },
        },
      ],
    }),
  );
}

const NEEDLES = [
  CANARY,
  Buffer.from(CANARY).toString('base64').slice(0, 12),
  Buffer.from(CANARY).toString('hex'),
];

describe('anomaly signals over a real local stack', () => {
  let t: TestStack;
  const watched: string[] = [];
  let stopWatch: () => Promise<void>;

  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
    await accessToken(t);
    stopWatch = await watchSignals(t.stack.deps, {
      intervalMs: 200,
      write: (line) => void watched.push(line),
    });
    // One accepted canary submission, then the burst: each request carries the canary in its body.
    expect((await sendRaw(t, await submission(t, canaryBundle()))).status).toBe(202);
    for (let i = 0; i < 11; i++) {
      const req = await submission(t, canaryBundle(), {
        headers: { Authorization: `Bearer ${CANARY}.e30.e30` },
      });
      expect((await sendRaw(t, req)).status).toBe(401);
    }
    for (let i = 0; i < 4; i++) {
      const req = await submission(t, canaryBundle(), {
        headers: { 'X-JWS-Signature': `eyJhbGciOiJFUzI1NiJ9..${Buffer.from(CANARY).toString('base64url')}` },
      });
      expect((await sendRaw(t, req)).status).toBe(400);
    }
    for (let i = 0; i < 4; i++) {
      const req = await submission(t, canaryBundle(), {
        headers: { 'Content-Digest': `sha-256=:${Buffer.alloc(32, i).toString('base64')}:` },
      });
      expect((await sendRaw(t, req)).status).toBe(400);
    }
  }, 120_000);

  afterAll(async () => {
    await stopWatch?.();
    await t?.close();
  });

  const byName = (signals: readonly Signal[]) => new Map(signals.map((s) => [s.signal, s]));

  it('phi alerts lists the source-address, signature and digest signals with their keys and codes', async () => {
    const signals = byName(await listSignals(t.stack.deps));
    expect(signals.get('auth-failures-source-ip')).toMatchObject({
      key: { kind: 'sourceIp' },
      count: 11,
      threshold: 10,
      codes: ['unauthenticated'],
    });
    expect(signals.get('signature-failures')).toMatchObject({
      key: { kind: 'partner', id: 'demo' },
      count: 4,
    });
    expect(signals.get('signature-failures')?.codes?.every((c) => c.startsWith('signature-'))).toBe(true);
    expect(signals.get('digest-failures')).toMatchObject({ key: { kind: 'partner', id: 'demo' }, count: 4 });
    expect(signals.has('volume-spike')).toBe(false);
    // --since after the burst: nothing.
    expect(await listSignals(t.stack.deps, { since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it("phi start's watcher printed each of them once, as warnings", async () => {
    const deadline = Date.now() + 10_000;
    while (watched.filter((l) => l.includes('digest-failures')).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const name of ['auth-failures-source-ip', 'signature-failures', 'digest-failures']) {
      expect(watched.filter((l) => l.startsWith(`warning: signal `) && l.includes(` ${name} `))).toHaveLength(
        1,
      );
    }
  });

  it('the SIEM export is schema-valid JSON lines of every audit record and the signals, with no PHI', async () => {
    let text = '';
    const result = await exportSiem(
      t.stack.deps,
      () => t.stack.deps.auditLog.read(),
      async (chunk) => {
        text += chunk;
      },
    );
    expect(result.ok).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    for (const line of lines) expect(SiemLineSchema.safeParse(line).success).toBe(true);
    const audit = lines.filter((l) => (l as { type: string }).type === 'audit');
    expect(audit).toHaveLength((await t.stack.deps.auditLog.read()).length);
    expect(audit.filter((l) => (l as { outcome: string }).outcome === 'failure')).toHaveLength(19);
    expect(lines.filter((l) => (l as { type: string }).type === 'signal').length).toBeGreaterThanOrEqual(3);
    // The canary went into every request; the audit chain and the export hold none of it.
    for (const needle of NEEDLES) expect(text.includes(needle), needle).toBe(false);
    // The check can fail: the canary is in what was sent.
    expect(canaryBundle().toString('utf8').includes(CANARY)).toBe(true);
  });

  it('docs/siem.schema.json is the schema the export is checked against', async () => {
    const documented = JSON.parse(
      await readFile(new URL('../../docs/siem.schema.json', import.meta.url), 'utf8'),
    );
    expect(documented).toEqual(siemJsonSchema());
  });
});
