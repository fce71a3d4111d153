import { afterEach, describe, expect, it } from 'vitest';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { argMatches, type FaultCall, firstArg } from '../helpers/faulty-ports.js';
import { type FaultStack, peekBodies, startFaultStack } from '../helpers/invariants.js';
import { until } from '../helpers/until.js';

/** Matches writes of one consumer's status record for one submission. */
const statusOf =
  (id: string, consumer: string) =>
  (call: FaultCall): boolean =>
    firstArg(call) === `${storageKeys.consumerStatusPrefix('demo', id)}${consumer}.json`;

/**
 * Faults in the pipeline's own records (statuses, markers, audit order, failure records) must not
 * leave a status that contradicts what happened, or a delivery without its audit record.
 */
describe('Invariants: status and audit bookkeeping under faults', () => {
  let s: FaultStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('audits a delivery whose status write failed once', async () => {
    s = await startFaultStack({ consumers: ['alpha'] });
    const [id = ''] = await s.submit(1);
    // Status write 1 is `processing` (fan-out), 2 is `delivered`, after the notification went out.
    const fault = s.faults.fail({
      port: 'objects',
      method: 'put',
      when: statusOf(id, 'alpha'),
      nth: [2],
    });
    s.startWorkers();
    const report = await s.settleAndCheck([id], 20_000);
    expect(fault.failed).toBe(1);
    expect(report.violations).toEqual([]);
  });

  it('keeps a delivered share delivered when a redundant copy of its message is dead-lettered', async () => {
    s = await startFaultStack({ consumers: ['alpha'], env: { PHI_MAX_RECEIVE_COUNT: '2' } });
    const stack = s;
    const deliverReceive = stack.faults.hold({
      port: 'queue',
      method: 'receive',
      when: argMatches(/^deliver-alpha$/),
    });
    const [id = ''] = await stack.submit(1);
    stack.startWorkers();
    await until(async () =>
      stack.queue.depth(queueNames.deliver('alpha')).visible === 1 ? true : undefined,
    );
    const [deliverBody = ''] = await peekBodies(stack.base.queue, queueNames.deliver('alpha'));
    deliverReceive.release();
    const delivered = await stack.settleAndCheck([id], 20_000);
    expect(delivered.violations).toEqual([]);

    // A late copy of the same message cannot read the delivery marker until it runs out of tries.
    stack.faults.fail({
      port: 'objects',
      method: 'get',
      when: argMatches(/^deliveries\/alpha\//),
      times: Number.POSITIVE_INFINITY,
    });
    await stack.base.queue.send(queueNames.deliver('alpha'), deliverBody);
    const report = await stack.settleAndCheck([id]);
    expect(report.violations).toEqual([]);
    expect(report.pairs).toMatchObject([{ kind: 'delivered', consumer: 'alpha' }]);
  }, 90_000);

  it('marks a share dead-lettered even when the first try to record that fails', async () => {
    s = await startFaultStack({ consumers: ['alpha'], env: { PHI_MAX_RECEIVE_COUNT: '2' } });
    const [id = ''] = await s.submit(1);
    s.faults.fail({
      port: 'objects',
      method: 'put',
      when: argMatches(/^consumers\/alpha\//),
      times: Number.POSITIVE_INFINITY,
    });
    // Status write 1 is `processing` (fan-out), 2 is `dead-lettered` on the last try.
    const statusFault = s.faults.fail({
      port: 'objects',
      method: 'put',
      when: statusOf(id, 'alpha'),
      nth: [2],
    });
    s.startWorkers();
    const report = await s.settleAndCheck([id]);
    expect(statusFault.failed).toBe(1);
    expect(report.violations).toEqual([]);
    expect(report.pairs).toMatchObject([{ kind: 'dead-lettered', reason: 'store-unavailable' }]);
  }, 90_000);

  it('shows a submission dead-lettered mid fan-out as dead-lettered, and a replay completes it', async () => {
    s = await startFaultStack({ consumers: ['alpha', 'beta'], env: { PHI_MAX_RECEIVE_COUNT: '2' } });
    const stack = s;
    // The ingest worker can reach alpha's deliver queue but never beta's.
    const sendFault = stack.faults.fail({
      port: 'queue',
      method: 'send',
      when: argMatches(/^deliver-beta$/),
      times: Number.POSITIVE_INFINITY,
    });
    stack.startWorkers();
    const [id = ''] = await stack.submit(1);
    const faulted = await stack.settleAndCheck([id]);
    expect(sendFault.failed).toBe(2);
    expect.soft(faulted.violations).toEqual([]);
    expect.soft(faulted.pairs.map((p) => [p.consumer, p.kind])).toEqual([
      ['alpha', 'delivered'],
      ['beta', 'submission-dead-lettered'],
    ]);

    sendFault.disable();
    const [dl, ...more] = await stack.base.deadLetters.list(queueNames.ingest);
    expect(more).toEqual([]);
    expect(await stack.base.deadLetters.replay(dl?.queue ?? '', dl?.messageId ?? '')).toBe(true);
    const replayed = await stack.settleAndCheck([id], 20_000);
    expect(replayed.violations).toEqual([]);
    expect(replayed.pairs.every((p) => p.kind === 'delivered')).toBe(true);
  }, 90_000);
});
