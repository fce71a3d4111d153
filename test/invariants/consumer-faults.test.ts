import { afterEach, describe, expect, it } from 'vitest';
import { readFailure } from '../../shared/app/failures.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { argMatches } from '../helpers/faulty-ports.js';
import { consumerStatus, type FaultStack, startFaultStack } from '../helpers/invariants.js';
import { until } from '../helpers/until.js';

/** A consumer that fails, alone or while others work, must never hold up, lose or duplicate anything. */
describe('Invariants: a consumer failing and recovering', () => {
  let s: FaultStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const flakyPut = argMatches(/^consumers\/flaky\//);

  it('delivers the other consumer without waiting, then the failing one exactly once after N=2 retryable faults', async () => {
    s = await startFaultStack({ consumers: ['steady', 'flaky'] });
    const stack = s;
    const gate = stack.faults.hold({ port: 'objects', method: 'put', when: flakyPut });
    const faults = stack.faults.fail({ port: 'objects', method: 'put', when: flakyPut, times: 2 });
    stack.startWorkers();
    const [id = ''] = await stack.submit(1);

    // flaky's first write is parked at the gate; steady must finish regardless.
    await gate.reached(1);
    await until(async () =>
      (await consumerStatus(stack.base, id, 'steady'))?.status === 'delivered' ? true : undefined,
    );
    expect((await consumerStatus(stack.base, id, 'flaky'))?.status).toBe('processing');
    expect(await stack.base.objects.list('consumers/flaky/')).toEqual([]);

    gate.release();
    const report = await stack.settleAndCheck([id]);
    expect(report.violations).toEqual([]);
    expect(faults.failed).toBe(2);
    expect(report.pairs.map((p) => [p.consumer, p.kind]).sort()).toEqual([
      ['flaky', 'delivered'],
      ['steady', 'delivered'],
    ]);
  });

  it('dead-letters with store-unavailable after maxReceiveCount faults, and a replay then delivers exactly once', async () => {
    s = await startFaultStack({ consumers: ['steady', 'flaky'], env: { PHI_MAX_RECEIVE_COUNT: '3' } });
    const stack = s;
    const faults = stack.faults.fail({
      port: 'objects',
      method: 'put',
      when: flakyPut,
      times: Number.POSITIVE_INFINITY,
    });
    stack.startWorkers();
    const [id = ''] = await stack.submit(1);

    // The local poller's visibility timeout (30 s, not configurable) delays only the move to the DLQ.
    const report = await stack.settleAndCheck([id]);
    expect(report.violations).toEqual([]);
    expect(faults.failed).toBe(3);
    const flaky = report.pairs.find((p) => p.consumer === 'flaky');
    expect(flaky).toMatchObject({ kind: 'dead-lettered', reason: 'store-unavailable' });
    expect(report.pairs.find((p) => p.consumer === 'steady')?.kind).toBe('delivered');
    expect(await consumerStatus(stack.base, id, 'flaky')).toMatchObject({
      status: 'dead-lettered',
      reason: 'store-unavailable',
    });
    const [dl, ...more] = await stack.base.deadLetters.list(queueNames.deliver('flaky'));
    expect(more).toEqual([]);
    expect(
      await readFailure(stack.base.objects, queueNames.deliver('flaky'), dl?.messageId ?? ''),
    ).toMatchObject({
      attempts: 3,
      lastReason: 'store-unavailable',
    });

    // Nothing accepted is lost: once the store recovers, the dead letter replays to a single delivery.
    faults.disable();
    expect(await stack.base.deadLetters.replay(dl?.queue ?? '', dl?.messageId ?? '')).toBe(true);
    const after = await stack.settleAndCheck([id]);
    expect(after.violations).toEqual([]);
    expect(after.pairs.every((p) => p.kind === 'delivered')).toBe(true);
  }, 90_000);

  it("keeps a failed message for retry while another consumer's batch runs at the same time", async () => {
    s = await startFaultStack({ consumers: ['steady', 'flaky'] });
    const stack = s;
    // Both deliver pollers wait at their receive until the test has arranged the batches.
    const flakyReceive = stack.faults.hold({
      port: 'queue',
      method: 'receive',
      when: argMatches(/^deliver-flaky$/),
    });
    const steadyReceive = stack.faults.hold({
      port: 'queue',
      method: 'receive',
      when: argMatches(/^deliver-steady$/),
    });
    const [x = '', y = ''] = await stack.submit(2);
    const failX = stack.faults.fail({
      port: 'objects',
      method: 'put',
      when: argMatches(new RegExp(`^consumers/flaky/${x}\\.`)),
    });
    const holdY = stack.faults.hold({
      port: 'objects',
      method: 'put',
      when: argMatches(new RegExp(`^consumers/flaky/${y}\\.`)),
    });
    stack.startWorkers();
    await until(async () =>
      stack.queue.depth(queueNames.deliver('flaky')).visible === 2 &&
      stack.queue.depth(queueNames.deliver('steady')).visible === 2
        ? true
        : undefined,
    );

    // flaky's batch [x, y]: x fails at once (retryable), y is parked mid-write.
    flakyReceive.release();
    await holdY.reached(1);
    await until(async () =>
      failX.failed === 1 && (await stack.base.objects.list('failures/deliver-flaky/')).length === 1
        ? true
        : undefined,
    );
    // steady's batch runs to completion while flaky's batch is still open.
    steadyReceive.release();
    await until(async () => {
      const both = await Promise.all([x, y].map((id) => consumerStatus(stack.base, id, 'steady')));
      return both.every((st) => st?.status === 'delivered') ? true : undefined;
    });
    holdY.release();

    const report = await stack.settleAndCheck([x, y], 20_000);
    expect(report.violations).toEqual([]);
    expect(report.pairs.every((p) => p.kind === 'delivered')).toBe(true);
  });

  it('does not repeat a notification when marking it sent fails transiently', async () => {
    s = await startFaultStack({ consumers: ['steady', 'flaky'] });
    const stack = s;
    // Call 1 claims the marker (pending), call 2 marks it sent after the notification went out.
    const faults = stack.faults.fail({
      port: 'objects',
      method: 'put',
      when: argMatches(/^deliveries\/flaky\//),
      nth: [2],
    });
    stack.startWorkers();
    const [id = ''] = await stack.submit(1);
    const report = await stack.settleAndCheck([id]);
    expect(faults.failed).toBe(1);
    expect(report.violations).toEqual([]);
    expect(report.notifications.filter((n) => n.consumer === 'flaky')).toHaveLength(1);
  });
});
