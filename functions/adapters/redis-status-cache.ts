import type { CachedJob, StatusCache } from '../ports/cache.ts';
import { decodeCachedJob, encodeCachedJob } from './cached-job-codec.ts';
import type { RedisConnection } from './redis-connection.ts';

/**
 * Key design (docs/data-model.md): `{prefix}job:{jobId}` → `{owner id} {status} {view JSON}`, with a TTL. The owner's
 * id is checked on every read, so a cached job is never served to another user.
 */
export class RedisStatusCache implements StatusCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(jobId: string) {
    return `${this.prefix}job:${jobId}`;
  }

  async get(jobId: string): Promise<CachedJob | undefined> {
    const key = this.key(jobId);
    const raw = await this.redis.run((c) => c.get(key));
    if (raw === null) return undefined;
    const job = decodeCachedJob(jobId, raw);
    // Not in this format (an older release wrote it, or it is damaged): drop it, so the caller's fill from Postgres
    // replaces it instead of missing for a day.
    if (!job) await this.redis.run((c) => c.del(key));
    return job;
  }

  async put(job: CachedJob, ttlSeconds: number): Promise<void> {
    const key = this.key(job.id);
    await this.redis.run((c) => c.set(key, encodeCachedJob(job), { EX: ttlSeconds }));
  }

  async putIfAbsent(job: CachedJob, ttlSeconds: number): Promise<void> {
    const key = this.key(job.id);
    await this.redis.run((c) => c.set(key, encodeCachedJob(job), { EX: ttlSeconds, NX: true }));
  }

  async delete(jobId: string): Promise<void> {
    const key = this.key(jobId);
    await this.redis.run((c) => c.del(key));
  }

  async ping(): Promise<void> {
    await this.redis.run((c) => c.ping());
  }
}
