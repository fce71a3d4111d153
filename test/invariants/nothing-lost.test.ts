import { afterEach, describe, expect, it } from 'vitest';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { argMatches, type FaultCall } from '../helpers/faulty-ports.js';
import { type FaultStack, startFaultStack } from '../helpers/invariants.js';

/**
 * Many transient faults at once, on every port the workers use, plus one corrupted submission: once
 * the faults stop and every dead letter is replayed, each accepted submission is delivered to each
 * consumer exactly once, except the corrupted one, which stays dead-lettered with a crypto reason.
 */
describe('Invariants: nothing accepted is ever lost', () => {
  let s: FaultStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('ends every 202 delivered or dead-lettered and replayable, under faults on every worker port', async () => {
    const consumers = ['alpha', 'beta', 'gamma'];
    s = await startFaultStack({ consumers });
    const stack = s;
    const ids = await stack.submit(6);
    const [corrupted = ''] = ids;
    const rawKey = storageKeys.raw('demo', corrupted);
    const stored = await stack.base.objects.get(rawKey);
    if (!stored) throw new Error('raw submission missing');
    const body = new Uint8Array(stored.body);
    body[body.byteLength - 40] = (body[body.byteLength - 40] ?? 0) ^ 0x80;
    await stack.base.objects.put(rawKey, body);

    // Left alone here, each has its own case: marking a notification sent (consumer-faults: it repeats)
    // and the failure records (bookkeeping-faults: a fault there costs a whole visibility timeout).
    const notBookkeeping = (call: FaultCall) => !argMatches(/^(deliveries|failures)\//)(call);
    const f = stack.faults;
    f.fail({ port: 'objects', method: 'get', every: 7, when: notBookkeeping });
    f.fail({ port: 'objects', method: 'put', every: 5, when: notBookkeeping, error: 'plain' });
    f.fail({ port: 'objects', method: 'exists', every: 4 });
    f.fail({ port: 'queue', method: 'send', every: 6 });
    f.fail({ port: 'queue', method: 'receive', every: 10, error: 'plain' });
    f.fail({ port: 'envelope', method: 'encrypt', every: 5 });
    f.fail({ port: 'envelope', method: 'decrypt', every: 6, error: 'plain' });
    stack.startWorkers();

    const faulted = await stack.settleAndCheck(ids, 90_000);
    expect(f.log.length).toBeGreaterThan(0);
    expect(faulted.violations).toEqual([]);

    // Faults over: replay every dead letter once.
    f.clear();
    const deadLetters = [
      ...(await stack.base.deadLetters.list(queueNames.ingest)),
      ...(await Promise.all(consumers.map((c) => stack.base.deadLetters.list(queueNames.deliver(c))))).flat(),
    ];
    for (const dl of deadLetters)
      expect(await stack.base.deadLetters.replay(dl.queue, dl.messageId)).toBe(true);
    const report = await stack.settleAndCheck(ids, 20_000);
    expect(report.violations).toEqual([]);
    for (const pair of report.pairs) {
      if (pair.submissionId === corrupted) {
        expect(pair.kind).toBe('submission-dead-lettered');
        if (pair.kind === 'submission-dead-lettered') expect(pair.reason).toMatch(/^crypto-/);
      } else {
        expect([pair.submissionId, pair.consumer, pair.kind]).toEqual([
          pair.submissionId,
          pair.consumer,
          'delivered',
        ]);
      }
    }
    expect(report.notifications).toHaveLength((ids.length - 1) * consumers.length);
  }, 150_000);
});
