import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetters } from '../../shared/ports/dead-letters.js';
import type { Queue } from '../../shared/ports/queue.js';

export interface QueueFixtureConfig {
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

export interface QueueFixture {
  readonly queue: Queue;
  /** The dead-letter queues behind `queue`. */
  readonly deadLetters: DeadLetters;
  /** Lets `seconds` pass for the queue: a fake clock's step, or a real wait against a remote service. */
  advance(seconds: number): Promise<void>;
  cleanup(): Promise<void>;
}

export const CONFIG: QueueFixtureConfig = { maxReceiveCount: 2, visibilityTimeoutSeconds: 2 };

/** Drains what is visible now, without deleting. */
async function receiveAll(queue: Queue, name: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const batch = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 600 });
    if (batch.length === 0) return bodies;
    bodies.push(...batch.map((message) => message.body));
  }
}

/**
 * SQS semantics every Queue adapter must share. Each test uses fresh queue names; `make` receives the
 * settings (maxReceiveCount 2, visibility timeout 2 s) the queues must have.
 */
export interface QueueContractOptions {
  /**
   * A delete with a receipt handle from an earlier receive: `ignored` keeps the message (the embedded
   * queue); `may-delete` allows either outcome, as SQS documents ("succeeds, but the message might not
   * be deleted"). Either way the call succeeds and touches no other message.
   */
  readonly staleDelete: 'ignored' | 'may-delete';
}

export function describeQueueContract(
  name: string,
  make: (config: QueueFixtureConfig) => Promise<QueueFixture>,
  options: QueueContractOptions = { staleDelete: 'ignored' },
): void {
  describe(`Queue contract: ${name}`, () => {
    let fixture: QueueFixture;
    let queue: Queue;
    let q: string;

    beforeEach(async () => {
      fixture = await make(CONFIG);
      queue = fixture.queue;
      q = `contract-${Math.random().toString(36).slice(2, 10)}`;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('delivers a sent message with its attributes, count and send time', async () => {
      const { messageId } = await queue.send(q, '{"submissionId":"s-1"}', { attributes: { kind: 'bundle' } });
      const [message, ...rest] = await queue.receive(q);
      expect(rest).toEqual([]);
      expect(message).toMatchObject({
        messageId,
        body: '{"submissionId":"s-1"}',
        receiveCount: 1,
        attributes: { kind: 'bundle' },
      });
      expect(message?.sentAt).toEqual(expect.any(Number));
      expect(message?.receiptHandle).toEqual(expect.any(String));
    });

    it('answers an empty list for an empty (even never used) queue', async () => {
      await expect(queue.receive(q)).resolves.toEqual([]);
    });

    it('hides a received message until its visibility timeout passes, then redelivers it with a new handle', async () => {
      await queue.send(q, 'm');
      const [first] = await queue.receive(q);
      await expect(queue.receive(q)).resolves.toEqual([]);
      await fixture.advance(CONFIG.visibilityTimeoutSeconds + 1);
      const [second] = await queue.receive(q);
      expect(second?.messageId).toBe(first?.messageId);
      expect(second?.receiveCount).toBe(2);
      expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    });

    it('respects maxMessages and never hands one message out twice in a batch', async () => {
      for (let i = 0; i < 5; i++) await queue.send(q, `m-${i}`);
      const batch = await queue.receive(q, { maxMessages: 3 });
      expect(batch).toHaveLength(3);
      const rest = await receiveAll(queue, q);
      expect(new Set([...batch.map((m) => m.body), ...rest])).toEqual(
        new Set(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']),
      );
    });

    it('deletes a message by its current receipt handle', async () => {
      await queue.send(q, 'm');
      const [message] = await queue.receive(q);
      await queue.delete(q, message?.receiptHandle ?? '');
      await fixture.advance(CONFIG.visibilityTimeoutSeconds + 1);
      await expect(queue.receive(q)).resolves.toEqual([]);
    });

    it('handles a delete with a stale receipt handle (message received again since)', async () => {
      await queue.send(q, 'm');
      const [first] = await queue.receive(q);
      await fixture.advance(CONFIG.visibilityTimeoutSeconds + 1);
      const [second] = await queue.receive(q, { visibilityTimeoutSeconds: 1 });
      await queue.delete(q, first?.receiptHandle ?? '');
      await fixture.advance(2);
      // Still there: received again, or dead-lettered if that receive would exceed maxReceiveCount.
      const survivors = [
        ...(await queue.receive(q, { visibilityTimeoutSeconds: 600 })).map((m) => m.messageId),
        ...(await fixture.deadLetters.list(q)).map((d) => d.messageId),
      ];
      if (options.staleDelete === 'ignored') expect(survivors).toEqual([second?.messageId]);
      else expect([[], [second?.messageId]]).toContainEqual(survivors);
    });

    it('makes a message visible again at once with changeVisibility 0, and ignores stale handles', async () => {
      await queue.send(q, 'm');
      const [first] = await queue.receive(q, { visibilityTimeoutSeconds: 600 });
      await queue.changeVisibility(q, first?.receiptHandle ?? '', 0);
      const [second] = await queue.receive(q, { visibilityTimeoutSeconds: 600 });
      expect(second?.messageId).toBe(first?.messageId);
      await queue.changeVisibility(q, first?.receiptHandle ?? '', 0);
      await expect(queue.receive(q)).resolves.toEqual([]);
    });

    it('holds a delayed message back until its delay passes', async () => {
      await queue.send(q, 'later', { delaySeconds: 2 });
      await expect(queue.receive(q)).resolves.toEqual([]);
      await fixture.advance(3);
      const [message] = await queue.receive(q);
      expect(message?.body).toBe('later');
    });
  });
}
