import type { CachedJob, StatusCache } from '../ports/cache.ts';
import { decodeCachedJob, encodeCachedJob } from './cached-job-codec.ts';

/**
 * In-process cache behind the StatusCache port, for the local stack when no Redis is configured. Same semantics
 * as RedisStatusCache (TTL, NX fill); one instance is shared by everything in the process.
 */
export class MemoryStatusCache implements StatusCache {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  private live(jobId: string) {
    const entry = this.entries.get(jobId);
    if (entry && entry.expires <= Date.now()) {
      this.entries.delete(jobId);
      return undefined;
    }
    return entry;
  }

  async get(jobId: string): Promise<CachedJob | undefined> {
    const entry = this.live(jobId);
    // Stored encoded, as in Redis, so callers never share mutable objects.
    return entry ? decodeCachedJob(jobId, entry.value) : undefined;
  }

  async put(job: CachedJob, ttlSeconds: number): Promise<void> {
    this.entries.set(job.id, { value: encodeCachedJob(job), expires: Date.now() + ttlSeconds * 1000 });
  }

  async putIfAbsent(job: CachedJob, ttlSeconds: number): Promise<void> {
    if (!this.live(job.id)) await this.put(job, ttlSeconds);
  }

  async delete(jobId: string): Promise<void> {
    this.entries.delete(jobId);
  }

  async ping(): Promise<void> {}
}
