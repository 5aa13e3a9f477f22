import type { Redis } from 'ioredis';
import type { CachedJob, StatusCache } from '../ports/cache.ts';
import { decodeCachedJob, encodeCachedJob } from './cached-job-codec.ts';

/**
 * Key design (docs/data-model.md): `{prefix}job:{jobId}` → `{owner id} {status} {view JSON}`, with a TTL. The owner's
 * id is checked on every read, so a cached job is never served to another user.
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
    if (raw === null) return undefined;
    const job = decodeCachedJob(jobId, raw);
    // Not ours (or damaged): drop it, so the caller's fill from Postgres replaces it instead of missing for a day.
    if (!job) await this.redis.del(this.key(jobId));
    return job;
  }

  async put(job: CachedJob, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(job.id), encodeCachedJob(job), 'EX', ttlSeconds);
  }

  async putIfAbsent(job: CachedJob, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(job.id), encodeCachedJob(job), 'EX', ttlSeconds, 'NX');
  }

  async delete(jobId: string): Promise<void> {
    await this.redis.del(this.key(jobId));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
