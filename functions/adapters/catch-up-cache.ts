/**
 * The status cache with its writes made good: a write that fails (Redis down or failing over) is remembered, latest
 * state per job, and written again every few seconds until Redis takes it. Without this, a job that finished while
 * Redis was away would keep its last cached in-flight state until that entry's TTL (a minute) ran out, and pollers
 * would see it `processing` long after it completed. Reads and the reader's fill path are passed through: a missed
 * fill costs nothing but a Postgres read.
 */
import type { CachedJob, StatusCache } from '../ports/cache.ts';
import { getLogger } from '../shared/logger.ts';

const RETRY_MS = 2000;
/** Pending writes kept at most (the oldest is dropped first): a bound on memory during a long outage. */
const MAX_PENDING = 10_000;

const log = getLogger('status-cache');

export class CatchUpStatusCache implements StatusCache {
  private readonly pending = new Map<string, { job: CachedJob; ttlSeconds: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly inner: StatusCache) {}

  /** Writes waiting for the cache to come back (for tests and metrics). */
  get backlog(): number {
    return this.pending.size;
  }

  get(jobId: string) {
    return this.inner.get(jobId);
  }

  async put(job: CachedJob, ttlSeconds: number): Promise<void> {
    this.pending.delete(job.id); // this write supersedes any older one still waiting
    try {
      await this.inner.put(job, ttlSeconds);
    } catch (error) {
      this.remember(job, ttlSeconds);
      throw error;
    }
  }

  putIfAbsent(job: CachedJob, ttlSeconds: number) {
    return this.inner.putIfAbsent(job, ttlSeconds);
  }

  async delete(jobId: string): Promise<void> {
    this.pending.delete(jobId);
    await this.inner.delete(jobId);
  }

  ping() {
    return this.inner.ping();
  }

  private remember(job: CachedJob, ttlSeconds: number): void {
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(job.id, { job, ttlSeconds });
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), RETRY_MS);
      this.timer.unref(); // never keeps a process alive
    }
  }

  /** Writes every pending state once; those that fail again wait for the next round. */
  async flush(): Promise<void> {
    const round = [...this.pending.entries()];
    let written = 0;
    for (const [id, entry] of round) {
      try {
        await this.inner.put(entry.job, entry.ttlSeconds);
        // Only if no newer write replaced it meanwhile (that one is either written or pending itself).
        if (this.pending.get(id) === entry) this.pending.delete(id);
        written++;
      } catch {
        break; // still down: the rest waits for the next round
      }
    }
    if (written) log.info('status cache caught up', { written, waiting: this.pending.size });
    if (!this.pending.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
