import { Redis } from 'ioredis';
import type { CachedJob, StatusCache } from '../ports/cache.ts';

/**
 * Key design (docs/data-model.md): `{prefix}job:{jobId}` → JSON of CachedJob, with a TTL. The owner's id is inside
 * the value and checked on every read, so a cached job is never served to another user.
 */
export class RedisStatusCache implements StatusCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static connect(url: string, prefix: string): RedisStatusCache {
    const redis = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      connectTimeout: 3000,
    });
    // Connection errors surface on commands; the client reconnects by itself.
    redis.on('error', () => undefined);
    return new RedisStatusCache(redis, prefix);
  }

  private key(jobId: string) {
    return `${this.prefix}job:${jobId}`;
  }

  async get(jobId: string): Promise<CachedJob | undefined> {
    const raw = await this.redis.get(this.key(jobId));
    return raw ? (JSON.parse(raw) as CachedJob) : undefined;
  }

  async put(job: CachedJob, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(job.id), JSON.stringify(job), 'EX', ttlSeconds);
  }

  async putIfAbsent(job: CachedJob, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(job.id), JSON.stringify(job), 'EX', ttlSeconds, 'NX');
  }

  async delete(jobId: string): Promise<void> {
    await this.redis.del(this.key(jobId));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
