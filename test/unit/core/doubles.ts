/**
 * In-memory test doubles for the worker's ports, used only inside unit tests of the domain step. The integration
 * and end-to-end tests use the real adapters.
 */
import type { CachedJob, StatusCache } from '../../../functions/ports/cache.ts';
import type {
  CompletedJob,
  JobListQuery,
  JobRecord,
  JobRepository,
  NewJob,
} from '../../../functions/ports/jobs.ts';
import type { ObjectInfo, ObjectStore, UploadForm } from '../../../functions/ports/storage.ts';
import { JobGoneError } from '../../../functions/core/jobs/errors.ts';

export class MemoryJobs implements JobRepository {
  jobs = new Map<string, JobRecord & { leaseUntil: number }>();
  failNextComplete: Error | undefined;

  async create(job: NewJob) {
    const now = new Date();
    const record = {
      ...job,
      extractors: [...(job.extractors ?? ['deepfake'])],
      kind: 'file' as const,
      status: 'awaiting_upload' as const,
      storedBytes: null,
      attempts: 0,
      chunksDone: 0,
      chunksTotal: null,
      result: null,
      errorCode: null,
      errorMessage: null,
      modelName: null,
      modelVersion: null,
      timings: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      batchId: job.batch?.id ?? null,
      batchIndex: job.batch?.index ?? null,
      correlationId: job.correlationId ?? null,
      queuedAt: null,
      manifestKey: null,
      leaseUntil: 0,
    };
    this.jobs.set(job.id, record);
    return { ...record };
  }
  private get(id: string) {
    const j = this.jobs.get(id);
    if (!j) throw new JobGoneError(`job ${id} no longer exists`);
    return j;
  }
  async findForUser(userId: string, id: string) {
    const j = this.jobs.get(id);
    return j && j.userId === userId ? { ...j } : undefined;
  }
  async find(id: string) {
    const j = this.jobs.get(id);
    return j ? { ...j } : undefined;
  }
  async claim(id: string, leaseSeconds: number, maxAttempts: number) {
    const j = this.jobs.get(id);
    if (!j || j.attempts >= maxAttempts) return undefined;
    const waiting = j.status === 'awaiting_upload' || j.status === 'queued';
    const expired = j.status === 'processing' && j.leaseUntil < Date.now();
    if (!waiting && !expired) return undefined;
    Object.assign(j, {
      status: 'processing',
      attempts: j.attempts + 1,
      startedAt: new Date(),
      leaseUntil: Date.now() + leaseSeconds * 1000,
    });
    return { ...j };
  }
  async extendLease(id: string, leaseSeconds: number) {
    this.get(id).leaseUntil = Date.now() + leaseSeconds * 1000;
  }
  async recordProgress(id: string, done: number, total: number) {
    Object.assign(this.get(id), { chunksDone: done, chunksTotal: total });
  }
  async complete(id: string, outcome: CompletedJob) {
    if (this.failNextComplete) {
      const e = this.failNextComplete;
      this.failNextComplete = undefined;
      throw e;
    }
    const j = this.get(id);
    Object.assign(j, {
      status: 'completed',
      result: outcome.result,
      timings: outcome.timings,
      storedBytes: outcome.storedBytes,
    });
    return { ...j };
  }
  async fail(id: string, code: string, message: string) {
    const j = this.get(id);
    Object.assign(j, { status: 'failed', errorCode: code, errorMessage: message });
    return { ...j };
  }
  async release(id: string) {
    const j = this.get(id);
    if (j.status === 'processing') Object.assign(j, { status: 'queued', leaseUntil: 0 });
  }
  async markQueued(id: string, storedBytes: number) {
    const j = this.jobs.get(id);
    if (j?.status === 'awaiting_upload') Object.assign(j, { status: 'queued', storedBytes });
    return j ? { ...j } : undefined;
  }
  async listForUser(_userId: string, _q: JobListQuery): Promise<JobRecord[]> {
    return [];
  }
  async deleteForUser(userId: string, id: string) {
    const j = await this.findForUser(userId, id);
    if (j) this.jobs.delete(id);
    return j;
  }
  async recordStream(): Promise<JobRecord> {
    throw new Error('not used by the file-job unit tests');
  }
  async ping() {}
}

export class MemoryCache implements StatusCache {
  entries = new Map<string, { job: CachedJob; ttl: number }>();
  async get(id: string) {
    return this.entries.get(id)?.job;
  }
  async put(job: CachedJob, ttl: number) {
    this.entries.set(job.id, { job, ttl });
  }
  async putIfAbsent(job: CachedJob, ttl: number) {
    if (!this.entries.has(job.id)) this.entries.set(job.id, { job, ttl });
  }
  async delete(id: string) {
    this.entries.delete(id);
  }
  async ping() {}
}

export class MemoryStore implements ObjectStore {
  objects = new Map<string, Uint8Array>();
  failReads = 0;
  async createUploadForm(key: string): Promise<UploadForm> {
    return { url: 'http://s3.local/bucket', fields: { key }, expiresAt: new Date(Date.now() + 60_000) };
  }
  async head(key: string): Promise<ObjectInfo | undefined> {
    const o = this.objects.get(key);
    return o ? { size: o.length, contentType: undefined } : undefined;
  }
  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('S3 is unreachable');
    }
    const o = this.objects.get(key)!;
    return (async function* () {
      yield o;
    })();
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
  async put(key: string, body: string) {
    this.objects.set(key, new TextEncoder().encode(body));
  }
  async presignGet(key: string, expiresSeconds: number) {
    return `http://s3.local/bucket/${key}?expires=${expiresSeconds}`;
  }
}
