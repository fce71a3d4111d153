import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetters } from '../../shared/ports/dead-letters.js';
import type { Queue } from '../../shared/ports/queue.js';
import { CONFIG, type QueueFixture, type QueueFixtureConfig } from './queue.contract.js';

/**
 * Dead-letter behaviour every DeadLetters adapter must share, over the Queue it belongs to: the same
 * fixtures as the Queue contract (maxReceiveCount 2, visibility timeout 2 s), fresh queue names per test.
 */
export function describeDeadLettersContract(
  name: string,
  make: (config: QueueFixtureConfig) => Promise<QueueFixture>,
): void {
  describe(`DeadLetters contract: ${name}`, () => {
    let fixture: QueueFixture;
    let queue: Queue;
    let deadLetters: DeadLetters;
    let q: string;

    beforeEach(async () => {
      fixture = await make(CONFIG);
      queue = fixture.queue;
      deadLetters = fixture.deadLetters;
      q = `contract-${Math.random().toString(36).slice(2, 10)}`;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('dead-letters a message after maxReceiveCount receives, keeping body, attributes and source', async () => {
      const { messageId } = await queue.send(q, 'poison', {
        attributes: { failureReason: 'contract-invalid' },
      });
      for (let i = 1; i <= CONFIG.maxReceiveCount; i++) {
        const [message] = await queue.receive(q);
        expect(message?.receiveCount).toBe(i);
        await fixture.advance(CONFIG.visibilityTimeoutSeconds + 1);
      }
      await expect(queue.receive(q)).resolves.toEqual([]);
      const dead = await deadLetters.list(q);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        messageId,
        sourceQueue: q,
        body: 'poison',
        receiveCount: CONFIG.maxReceiveCount,
        attributes: { failureReason: 'contract-invalid' },
      });
      expect(dead[0]?.queue).not.toBe(q);
      const everywhere = await deadLetters.list();
      expect(everywhere.map((d) => d.messageId)).toContain(messageId);
    });

    it('replays a dead letter to its source with a fresh receive count, exactly once', async () => {
      const { messageId } = await queue.send(q, 'poison');
      for (let i = 0; i < CONFIG.maxReceiveCount; i++) {
        await queue.receive(q);
        await fixture.advance(CONFIG.visibilityTimeoutSeconds + 1);
      }
      await queue.receive(q);
      const [dead] = await deadLetters.list(q);
      const dlq = dead?.queue ?? '';
      const outcomes = await Promise.all([
        deadLetters.replay(dlq, messageId),
        deadLetters.replay(dlq, messageId),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      await expect(deadLetters.replay(dlq, messageId)).resolves.toBe(false);
      expect(await deadLetters.list(q)).toEqual([]);
      const [again, ...rest] = await queue.receive(q, { maxMessages: 10 });
      expect(rest).toEqual([]);
      expect(again).toMatchObject({ messageId, body: 'poison', receiveCount: 1 });
    });

    it('answers false when replaying a message that is not dead-lettered', async () => {
      const { messageId } = await queue.send(q, 'fine');
      const dlq = `${q}-dlq`;
      await expect(deadLetters.replay(dlq, messageId)).resolves.toBe(false);
      await expect(deadLetters.replay(dlq, 'no-such-message')).resolves.toBe(false);
    });
  });
}
