/**
 * The release gate end to end (SPEC §5 `residual-phi`): a deliberately broken policy (this file
 * only, through the module seam the walker reads policies from) keeps a contact's HumanName under
 * Safe Harbor, i.e. for the analytics consumer (research and billing are limited data sets). Its share must be dead-lettered as `residual-phi`, never delivered: no object,
 * no notification; `phi dlq list` shows the path (never the value); one audit record; a metric;
 * the canary appears in no log line, audit record, key, message or dead-letter view. The other
 * consumers are unaffected. A Safe Harbor consumer with `delivery: fhir` (`ehr`, whose server does not
 * even exist) is stopped the same way, before any token request or post.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listDeadLetters } from '../../shared/app/dead-letter-admin.js';
import { ensureFhirClientKey } from '../../shared/app/fhir-client-key.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { metrics } from '../../shared/runtime/logger.js';
import { auditLines, walkFiles } from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';

const CANARY = 'Zqcanaryresidual';

vi.mock('../../shared/core/deid/policies/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../shared/core/deid/policies/registry.js')>();
  const { keep } = await import('../../shared/core/deid/policies/policy.js');
  return {
    ...original,
    // Only `decide` is broken: HumanName keeps its whole-value policy's collection, then its parts.
    wholePolicyFor: (type: string) => (type === 'HumanName' ? undefined : original.wholePolicyFor(type)),
    decide: (
      input: Parameters<typeof original.decide>[0],
      services: Parameters<typeof original.decide>[1],
    ) =>
      input.type === 'HumanName' &&
      services.settings.profile === 'safe-harbor' &&
      typeof input.value === 'string'
        ? keep(input.value)
        : original.decide(input, services),
  };
});

/** A collection with a patient whose contact (a name the Safe Harbor profile allows, then withholds) is the canary. */
function bundle(): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Patient',
            gender: 'female',
            birthDate: '1980-02-03',
            contact: [{ name: { family: CANARY, given: ['Ann'] } }],
          },
        },
      ],
    }),
  );
}

const POLL = { timeoutMs: 60_000, intervalMs: 100 };

describe('release gate: a share that fails it is dead-lettered as residual-phi', () => {
  const logLines: string[] = [];
  const restorers: (() => void)[] = [];
  let t: TestStack;
  let id = '';
  const addMetric = vi.spyOn(metrics, 'addMetric');

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
        logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        rest.find((r): r is () => void => typeof r === 'function')?.();
        return true;
      };
      stream.write = capture as typeof stream.write;
      restorers.push(() => {
        stream.write = original;
      });
    }
    t = await startTestStack({ PHI_RETRY_BASE_SECONDS: '0' });
    await ensureFhirClientKey(t.stack.deps, 'ehr');
    // Nothing listens there: a post would fail as delivery-unavailable, not residual-phi.
    const nowhere = 'http://127.0.0.1:9/fhir';
    await writeFile(
      path.join(t.home, 'contracts', 'ehr.json'),
      JSON.stringify({
        schemaVersion: 1,
        name: 'ehr',
        version: '1.0.0',
        extends: 'safe-harbor',
        delivery: { type: 'fhir', baseUrl: nowhere, tokenUrl: `${nowhere}/token`, clientId: 'c', scope: 's' },
      }),
    );
    const client = await t.client();
    const res = await client.submit(bundle());
    expect(res.status).toBe(202);
    id = (res.json as { submissionId: string }).submissionId;
    await until(async () => {
      const s = (await client.status(id)).json as { consumers: { id: string; status: string }[] };
      return s.consumers.length === 4 &&
        s.consumers.every((c) => c.status === 'delivered' || c.status === 'dead-lettered')
        ? s
        : undefined;
    }, POLL);
  }, 90_000);

  afterAll(async () => {
    for (const restore of restorers.reverse()) restore();
    await t?.close();
  });

  it('status says dead-lettered for analytics, with the reason; the others are delivered', async () => {
    const client = await t.client();
    const s = (await client.status(id)).json as {
      status: string;
      consumers: { id: string; status: string; reason?: string }[];
    };
    expect(s.status).toBe('dead-lettered');
    const byId = Object.fromEntries(s.consumers.map((c) => [c.id, c]));
    expect(byId.analytics).toMatchObject({ status: 'dead-lettered' });
    expect(byId.ehr).toMatchObject({ status: 'dead-lettered' });
    expect(byId.research?.status).toBe('delivered');
    expect(byId.billing?.status).toBe('delivered');
  });

  it('nothing of the copy reaches the consumer: no object, no notification, no delivery marker', async () => {
    expect(await t.stack.deps.objects.list('consumers/analytics/')).toEqual([]);
    expect(await t.stack.deps.objects.list('deliveries/analytics/')).toEqual([]);
    expect(await t.stack.deps.objects.list('deliveries/ehr/')).toEqual([]);
    expect(await t.stack.deps.queue.receive(queueNames.notify('analytics'), { maxMessages: 10 })).toEqual([]);
  });

  it('the dead letter says residual-phi and the path, never the value', async () => {
    const views = await listDeadLetters(t.stack.deps);
    expect(views).toHaveLength(2);
    expect(views.find((v) => v.consumer === 'ehr')).toMatchObject({
      reason: 'residual-phi',
      path: 'Patient[0].contact[0].name.family',
      pathKind: 'name',
    });
    expect(views.find((v) => v.consumer === 'analytics')).toMatchObject({
      queue: queueNames.deadLetter(queueNames.deliver('analytics')),
      reason: 'residual-phi',
      submissionId: id,
      consumer: 'analytics',
      path: 'Patient[0].contact[0].name.family',
      pathKind: 'name',
    });
    expect(JSON.stringify(views)).not.toContain(CANARY);
  });

  it('one audit record per stopped share, with the code and the path', async () => {
    const records = (await auditLines(t))
      .map(
        (line) =>
          JSON.parse(line) as { action: string; code?: string; submissionId?: string; details?: object },
      )
      .filter((r) => r.action === 'dead-letter');
    expect(records).toHaveLength(2);
    expect(records.find((r) => JSON.stringify(r.details).includes('"analytics"'))).toMatchObject({
      code: 'residual-phi',
      submissionId: id,
      details: { consumer: 'analytics', path: 'Patient[0].contact[0].name.family', kind: 'name' },
    });
  });

  it('one residualPhi metric per stopped share', () => {
    expect(addMetric.mock.calls.filter(([name]) => name === 'residualPhi')).toEqual([
      ['residualPhi', 'Count', 1],
      ['residualPhi', 'Count', 1],
    ]);
  });

  it('the canary is in no log line, audit record, key or file name, and the log names the path', async () => {
    expect(logLines.some((line) => line.includes('Patient[0].contact[0].name.family'))).toBe(true);
    expect(logLines.filter((line) => line.includes(CANARY))).toEqual([]);
    expect((await auditLines(t)).filter((line) => line.includes(CANARY))).toEqual([]);
    expect((await t.stack.deps.objects.list('')).filter((key) => key.includes(CANARY))).toEqual([]);
    expect((await walkFiles(t.home)).filter((file) => file.includes(CANARY))).toEqual([]);
  });
});
