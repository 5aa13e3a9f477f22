import { describe, expect, it } from 'vitest';
import { CatchUpStatusCache } from '../../../functions/adapters/catch-up-cache.ts';
import { MemoryStatusCache } from '../../../functions/adapters/memory-status-cache.ts';
import type { CachedJob } from '../../../functions/ports/cache.ts';

/** The in-memory cache with an off switch: a double for Redis going away. */
class Flaky extends MemoryStatusCache {
  down = false;
  override async put(job: CachedJob, ttl: number) {
    if (this.down) throw new Error('ECONNREFUSED');
    return super.put(job, ttl);
  }
}

const job = (status: CachedJob['status']): CachedJob => ({ id: 'j1', userId: 'u1', status, view: '{}' });

describe('CatchUpStatusCache', () => {
  it('writes the latest state that failed once the cache is back, and no older one', async () => {
    const inner = new Flaky();
    const cache = new CatchUpStatusCache(inner);
    await cache.put(job('processing'), 60);
    inner.down = true;
    await expect(cache.put(job('queued'), 60)).rejects.toThrow();
    await expect(cache.put(job('completed'), 60)).rejects.toThrow();
    expect(cache.backlog).toBe(1);
    await cache.flush(); // still down: kept
    expect((await inner.get('j1'))?.status).toBe('processing');
    inner.down = false;
    await cache.flush();
    expect((await inner.get('j1'))?.status).toBe('completed');
    expect(cache.backlog).toBe(0);
  });

  it('drops a pending write that a later successful write or a delete supersedes', async () => {
    const inner = new Flaky();
    const cache = new CatchUpStatusCache(inner);
    inner.down = true;
    await expect(cache.put(job('processing'), 60)).rejects.toThrow();
    inner.down = false;
    await cache.put(job('completed'), 60);
    expect(cache.backlog).toBe(0);
    inner.down = true;
    await expect(cache.put(job('failed'), 60)).rejects.toThrow();
    inner.down = false;
    await cache.delete('j1');
    await cache.flush();
    expect(await inner.get('j1')).toBeUndefined();
  });
});
