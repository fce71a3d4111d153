import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createDeliverHandler } from '../../functions/sqs-deliver.js';
import { startQueuePoller } from '../../local/queue-poller.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { argMatches } from '../helpers/faulty-ports.js';
import { type FaultStack, peekBodies, startFaultStack, validContract } from '../helpers/invariants.js';
import { until } from '../helpers/until.js';

/** At-least-once queues deliver copies; replays move dead letters back. Neither may duplicate an effect. */
// Under a loaded machine (the full suite on 2 cores) a settle can take past 20 s; it returns as soon as the queues are quiet.
describe('Invariants: duplicate deliveries and replays', { timeout: 150_000 }, () => {
  let s: FaultStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const consumers = ['alpha', 'beta'];
  const depthIs = (stack: FaultStack, queue: string, visible: number) =>
    stack.queue.depth(queue).visible === visible && stack.queue.depth(queue).total === visible;

  it('ignores the same ingest and deliver messages sent again after delivery', async () => {
    s = await startFaultStack({ consumers });
    const stack = s;
    const deliverReceive = stack.faults.hold({
      port: 'queue',
      method: 'receive',
      when: argMatches(/^deliver-/),
    });
    const [id = ''] = await stack.submit(1);
    const ingestBodies = await peekBodies(stack.base.queue, queueNames.ingest);
    expect(ingestBodies).toHaveLength(1);

    stack.startWorkers();
    await until(async () =>
      consumers.every((c) => depthIs(stack, queueNames.deliver(c), 1)) &&
      stack.queue.depth(queueNames.ingest).total === 0
        ? true
        : undefined,
    );
    const deliverBodies = new Map<string, string[]>();
    for (const c of consumers)
      deliverBodies.set(c, await peekBodies(stack.base.queue, queueNames.deliver(c)));
    deliverReceive.release();
    const first = await stack.settleAndCheck([id]);
    expect(first.violations).toEqual([]);

    for (const body of ingestBodies) await stack.base.queue.send(queueNames.ingest, body);
    for (const [c, bodies] of deliverBodies) {
      for (const body of bodies) await stack.base.queue.send(queueNames.deliver(c), body);
    }
    const second = await stack.settleAndCheck([id]);
    expect(second.violations).toEqual([]);
    expect(second.notifications.map((n) => n.consumer).sort()).toEqual(consumers);
    expect(await stack.base.objects.list('consumers/')).toHaveLength(consumers.length);
  });

  it('delivers once when copies of the same ingest and deliver messages are processed concurrently', async () => {
    s = await startFaultStack({ consumers });
    const stack = s;
    const deliverReceive = stack.faults.hold({
      port: 'queue',
      method: 'receive',
      when: argMatches(/^deliver-/),
    });
    const [id = ''] = await stack.submit(1);
    // Three copies of the ingest message, processed in one batch.
    const [ingestBody = ''] = await peekBodies(stack.base.queue, queueNames.ingest);
    await stack.base.queue.send(queueNames.ingest, ingestBody);
    await stack.base.queue.send(queueNames.ingest, ingestBody);

    stack.startWorkers();
    await until(async () =>
      consumers.every((c) => depthIs(stack, queueNames.deliver(c), 3)) &&
      stack.queue.depth(queueNames.ingest).total === 0
        ? true
        : undefined,
    );
    // Each deliver message once more: six copies per consumer, all in the first batch.
    for (const c of consumers) {
      for (const body of await peekBodies(stack.base.queue, queueNames.deliver(c))) {
        await stack.base.queue.send(queueNames.deliver(c), body);
      }
    }
    deliverReceive.release();
    const report = await stack.settleAndCheck([id]);
    expect(report.violations).toEqual([]);
    expect(report.notifications.map((n) => n.consumer).sort()).toEqual(consumers);
  });

  it('delivers once when a second worker instance takes a copy while the first is mid-delivery', async () => {
    s = await startFaultStack({ consumers: ['alpha'] });
    const stack = s;
    const deliverReceive = stack.faults.hold({
      port: 'queue',
      method: 'receive',
      when: argMatches(/^deliver-alpha$/),
    });
    const notify = stack.faults.hold({ port: 'queue', method: 'send', when: argMatches(/^notify-alpha$/) });
    const [id = ''] = await stack.submit(1);
    stack.startWorkers();
    await until(async () => (depthIs(stack, queueNames.deliver('alpha'), 1) ? true : undefined));
    const [body = ''] = await peekBodies(stack.base.queue, queueNames.deliver('alpha'));

    // Instance 1 (the local worker) claims the delivery and stops just before notifying.
    deliverReceive.release();
    await notify.reached(1);
    // Instance 2 (Lambda runs several batches of one queue at once) gets an at-least-once copy.
    await stack.base.queue.send(queueNames.deliver('alpha'), body);
    const second = startQueuePoller({
      queueName: queueNames.deliver('alpha'),
      queue: stack.deps.queue,
      handler: createDeliverHandler(() => Promise.resolve(stack.deps)),
      functionName: 'deliver-2',
    });
    try {
      // Either instance 2 also reaches the notification, or it backs off and records why.
      await until(async () =>
        notify.waiting >= 2 || (await stack.base.objects.list('failures/deliver-alpha/')).length > 0
          ? true
          : undefined,
      );
      notify.release();
      const report = await stack.settleAndCheck([id], 60_000);
      expect(report.violations).toEqual([]);
      expect(report.notifications).toHaveLength(1);
    } finally {
      notify.release();
      await second.stop();
    }
  });

  it('delivers a replayed dead letter exactly once, however often and concurrently it is replayed', async () => {
    s = await startFaultStack({ consumers: ['alpha', 'fixme'] });
    const stack = s;
    await stack.writeContract('fixme', { ...validContract('fixme'), extends: 'no-such-profile' });
    stack.startWorkers();
    const [id = ''] = await stack.submit(1);
    const broken = await stack.settleAndCheck([id], 60_000);
    expect(broken.violations).toEqual([]);
    expect(broken.pairs.find((p) => p.consumer === 'fixme')).toMatchObject({
      kind: 'dead-lettered',
      reason: 'contract-invalid',
    });
    const [dl, ...more] = await stack.base.deadLetters.list(queueNames.deliver('fixme'));
    expect(more).toEqual([]);
    if (!dl) throw new Error('no dead letter');

    await stack.writeContract('fixme', validContract('fixme'));
    const moved = await Promise.all([
      stack.base.deadLetters.replay(dl.queue, dl.messageId),
      stack.base.deadLetters.replay(dl.queue, dl.messageId),
    ]);
    expect(moved.filter(Boolean)).toHaveLength(1);
    const replayed = await stack.settleAndCheck([id], 60_000);
    expect(replayed.violations).toEqual([]);
    expect(replayed.pairs.every((p) => p.kind === 'delivered')).toBe(true);

    // A second replay run finds nothing left; a replay that copied instead of moved changes nothing either.
    expect(await stack.base.deadLetters.replay(dl.queue, dl.messageId)).toBe(false);
    expect(await stack.base.deadLetters.list(queueNames.deliver('fixme'))).toEqual([]);
    await Promise.all([
      stack.base.queue.send(dl.sourceQueue, dl.body),
      stack.base.queue.send(dl.sourceQueue, dl.body),
    ]);
    const again = await stack.settleAndCheck([id], 60_000);
    expect(again.violations).toEqual([]);
    expect(again.notifications.map((n) => n.consumer).sort()).toEqual(['alpha', 'fixme']);
    expect(await stack.base.objects.list('consumers/fixme/')).toEqual([`consumers/fixme/${id}.ndjson`]);
  });
});
