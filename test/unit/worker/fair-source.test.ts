/**
 * Fair scheduling of the jobs queue on an in-memory queue double (deferrals come back after a tenth of their
 * delay in ms, to keep the test fast): another user's message jumps a long batch, a user's excess is deferred
 * rather than held, nothing is lost, and a drain gives held messages back.
 */
import { describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../../functions/ports/queue.ts';
import { FairMessageSource } from '../../../functions/worker/fair-source.ts';

class MemoryQueue {
  visible: { message: QueueMessage; at: number }[] = [];
  acked: string[] = [];
  deferrals: { id: string; seconds: number }[] = [];
  returned: string[] = [];
  private n = 0;
  send(owner: string, at = 0) {
    const id = `${owner}-${this.n++}`;
    this.visible.push({ message: { id, body: owner, receiptHandle: id, receiveCount: 1 }, at });
    return id;
  }
  async receive(max: number, waitSeconds: number, signal?: AbortSignal) {
    const deadline = Date.now() + Math.min(waitSeconds * 1000, 50);
    for (;;) {
      const now = Date.now();
      const ready = this.visible.filter((v) => v.at <= now).slice(0, max);
      if (ready.length || now >= deadline || signal?.aborted) {
        this.visible = this.visible.filter((v) => !ready.includes(v));
        return ready.map((r) => r.message);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  async ack(m: QueueMessage) {
    this.acked.push(m.id);
  }
  async retry(m: QueueMessage) {
    this.returned.push(m.id);
    this.visible.push({ message: m, at: 0 });
  }
  async extend() {}
  async defer(m: QueueMessage, seconds: number) {
    this.deferrals.push({ id: m.id, seconds });
    this.visible.push({ message: m, at: Date.now() + seconds * 10 });
  }
}

function fair(queue: MemoryQueue, slots: number) {
  return new FairMessageSource({
    inner: queue,
    ownerOf: (m) => m.body,
    slots,
    waitSeconds: 1,
    holdSeconds: 30,
  });
}

/** `loops` consumers that take a message, "run" it for `jobMs`, then ack it; returns the order jobs started. */
async function consume(source: FairMessageSource, loops: number, total: number, jobMs: number) {
  const order: string[] = [];
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (order.length < total) {
        const [m] = await source.receive(1, 0.05);
        if (!m) continue;
        order.push(m.id);
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, jobMs));
        running--;
        await source.ack(m);
      }
    }),
  );
  return { order, peak };
}

describe('FairMessageSource', () => {
  it('starts another user’s single upload at once although a 30-file batch was queued first', async () => {
    const queue = new MemoryQueue();
    for (let i = 0; i < 30; i++) queue.send('a');
    const single = queue.send('b');
    const source = fair(queue, 2);
    const { order, peak } = await consume(source, 3, 31, 15);
    await source.stop();
    expect(order.indexOf(single)).toBeLessThan(3); // started while the batch held the regular slots
    expect(peak).toBeLessThanOrEqual(3);
    expect(new Set(queue.acked).size).toBe(31); // every message handled exactly once, none lost
    expect(queue.deferrals.length).toBeGreaterThan(0);
    expect(source.stats.reserveUsed).toBeGreaterThan(0);
  });

  it('uses every slot for a user who is alone, and defers that user’s excess instead of holding it', async () => {
    const queue = new MemoryQueue();
    for (let i = 0; i < 12; i++) queue.send('a');
    const source = fair(queue, 2);
    const { order, peak } = await consume(source, 3, 12, 10);
    await source.stop();
    expect(order).toHaveLength(12);
    expect(peak).toBe(2); // the extra slot is only for a user with nothing running
    expect(queue.deferrals.every((d) => d.seconds >= 1 && d.seconds <= 60)).toBe(true);
  });

  it('alternates between two users with long batches', async () => {
    const queue = new MemoryQueue();
    for (let i = 0; i < 10; i++) queue.send('a');
    for (let i = 0; i < 10; i++) queue.send('b');
    const source = fair(queue, 1);
    const { order } = await consume(source, 2, 20, 5);
    await source.stop();
    const firstB = order.findIndex((id) => id.startsWith('b'));
    expect(firstB).toBeLessThan(2);
    const firstHalf = order.slice(0, 10);
    expect(firstHalf.filter((id) => id.startsWith('b')).length).toBeGreaterThanOrEqual(4);
  });

  it('gives held messages back to the queue when stopped', async () => {
    const queue = new MemoryQueue();
    for (let i = 0; i < 3; i++) queue.send('a');
    queue.send('b');
    const source = fair(queue, 1);
    const [first] = await source.receive(1, 1);
    expect(first).toBeDefined();
    await new Promise((r) => setTimeout(r, 30)); // the pull loop holds what it received
    await source.stop();
    expect(queue.returned.length).toBeGreaterThan(0);
    expect(await source.receive(1, 0.05)).toEqual([]);
  });
});
