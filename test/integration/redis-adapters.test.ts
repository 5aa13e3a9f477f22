/** The Redis adapters against the real server on 127.0.0.1, under this run's key prefix. */
import { createClient } from 'redis';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { RedisConnection } from '../../functions/adapters/redis-connection.ts';
import { RedisRateLimiter } from '../../functions/adapters/redis-rate-limiter.ts';
import { RedisStatusCache } from '../../functions/adapters/redis-status-cache.ts';
import { MemoryTicketStore } from '../../functions/adapters/memory-ticket-store.ts';
import { RedisTicketStore } from '../../functions/adapters/redis-ticket-store.ts';
import { InvalidTicketError, issueTicket, redeemTicket } from '../../functions/core/tickets/tickets.ts';
import type { CachedJob } from '../../functions/ports/cache.ts';

let connection: RedisConnection;
let redis: ReturnType<typeof createClient>; // a second, plain client to look at what the adapters stored
let prefix: string;

beforeAll(async () => {
  connection = new RedisConnection(inject('redisUrl'));
  redis = await createClient({ url: inject('redisUrl') }).connect();
  prefix = `${inject('redisPrefix')}adapters:`;
});
afterAll(async () => {
  await connection.close();
  await redis.close();
});

const OWNER = '11111111-1111-4111-8111-111111111111';
const job = (id: string, status: CachedJob['status']): CachedJob => ({
  id,
  userId: OWNER,
  status,
  view: JSON.stringify({ id, status, note: 'spaces and "quotes" survive' }),
});

describe('RedisStatusCache', () => {
  it('stores jobs under the prefix with a TTL; the NX fill never overwrites', async () => {
    const cache = new RedisStatusCache(connection, prefix);
    await cache.put(job('j1', 'processing'), 60);
    await cache.putIfAbsent(job('j1', 'awaiting_upload'), 60);
    expect(await cache.get('j1')).toEqual(job('j1', 'processing'));
    expect(await redis.get(`${prefix}job:j1`)).toBe(`${OWNER} processing ${job('j1', 'processing').view}`);
    expect(await redis.ttl(`${prefix}job:j1`)).toBeGreaterThan(55);
    await cache.delete('j1');
    expect(await cache.get('j1')).toBeUndefined();
    await cache.ping();
  });

  it('treats a value it did not write as a miss and removes it, so a fill can replace it', async () => {
    const cache = new RedisStatusCache(connection, prefix);
    for (const bad of ['{"id":"j2"}', `${OWNER} done {"x":1}`, `${OWNER} completed not-json`, 'nospace']) {
      await redis.set(`${prefix}job:j2`, bad, { EX: 60 });
      expect(await cache.get('j2')).toBeUndefined();
      expect(await redis.exists(`${prefix}job:j2`)).toBe(0);
    }
    await cache.putIfAbsent(job('j2', 'completed'), 60);
    expect((await cache.get('j2'))!.status).toBe('completed');
  });
});

describe('RedisConnection', () => {
  it('fails commands (never hangs) when Redis cannot be reached, so callers fall back', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const down = new RedisConnection('redis://127.0.0.1:1'); // nothing listens on port 1
    const started = Date.now();
    await expect(new RedisStatusCache(down, prefix).get('j')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000); // the first-connection wait is bounded (3 s)
    const again = Date.now();
    await expect(new RedisRateLimiter(down, prefix).hit('k', 3, 60)).rejects.toThrow();
    expect(Date.now() - again).toBeLessThan(500); // afterwards: at once
    // One warning for the outage, with its code, however many reconnection attempts failed meanwhile.
    const outage = warn.mock.calls.filter(([message]) => String(message).startsWith('redis unavailable'));
    expect(outage).toHaveLength(1);
    expect(outage[0]![1]).toMatchObject({ code: 'cache_unavailable', error: 'ECONNREFUSED' });
    warn.mockRestore();
    await down.close();
  });
});

describe('RedisRateLimiter', () => {
  it('counts per key within a window and resets', async () => {
    const limiter = new RedisRateLimiter(connection, prefix);
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await limiter.hit('k', 3, 60)).allowed);
    expect(results).toEqual([true, true, true, false]);
    expect((await limiter.peek('k', 3)).retryAfterSeconds).toBeGreaterThan(50);
    expect((await limiter.hit('other', 3, 60)).allowed).toBe(true);
    await limiter.reset('k');
    expect((await limiter.peek('k', 3)).allowed).toBe(true);
  });
});

describe('tickets (Redis and in-process stores)', () => {
  const stores = () => [
    ['redis', new RedisTicketStore(connection, prefix)] as const,
    ['memory', new MemoryTicketStore()] as const,
  ];

  it('redeems a ticket once, for its own purpose, and stores only its hash', async () => {
    for (const [name, store] of stores()) {
      const issued = await issueTicket(store, OWNER, 'stream', 'ws://h/v1/stream');
      expect(issued.url, name).toBe(`ws://h/v1/stream?ticket=${issued.ticket}`);
      if (name === 'redis') {
        const keys = await redis.keys(`${prefix}ticket:*`);
        expect(keys.some((k) => k.includes(issued.ticket))).toBe(false);
        expect(keys.length).toBeGreaterThan(0);
      }
      expect(await redeemTicket(store, issued.ticket, 'stream')).toBe(OWNER);
      await expect(redeemTicket(store, issued.ticket, 'stream'), name).rejects.toMatchObject({
        code: 'invalid_ticket',
      });
      const events = await issueTicket(store, OWNER, 'events', 'ws://h/v1/events');
      await expect(redeemTicket(store, events.ticket, 'stream'), name).rejects.toBeInstanceOf(
        InvalidTicketError,
      );
      await expect(redeemTicket(store, 'x'.repeat(43), 'stream'), name).rejects.toBeInstanceOf(
        InvalidTicketError,
      );
      await expect(redeemTicket(store, undefined, 'stream'), name).rejects.toBeInstanceOf(InvalidTicketError);
    }
  });

  it('expires a ticket after its TTL', async () => {
    for (const [name, store] of stores()) {
      const issued = await issueTicket(store, OWNER, 'stream', 'ws://h/v1/stream', 1);
      await new Promise((r) => setTimeout(r, 1100));
      await expect(redeemTicket(store, issued.ticket, 'stream'), name).rejects.toBeInstanceOf(
        InvalidTicketError,
      );
    }
  });
});
