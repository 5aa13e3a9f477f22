import type { Redis } from 'ioredis';
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
}
