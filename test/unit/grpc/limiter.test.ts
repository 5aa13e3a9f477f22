import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../functions/grpc/limiter.ts';

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` at once and starts the waiting in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const order: number[] = [];
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const c = limiter.acquire().then((release) => (order.push(3), release));
    const d = limiter.acquire().then((release) => (order.push(4), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(limiter.queued).toBe(2);
    a();
    a(); // a second release of the same slot frees nothing more
    (await c)();
    b();
    (await d)();
    expect(order).toEqual([3, 4]);
    expect(limiter.queued).toBe(0);
  });

  it('lets a waiting call whose signal aborts leave the line with the reason', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(limiter.queued).toBe(1);
    held();
    (await next)();
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('deadline');
  });
});
