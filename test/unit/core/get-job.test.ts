import { beforeEach, describe, expect, it } from 'vitest';
import { getJob } from '../../../functions/core/jobs/get-job.ts';
import { AWAITING_TTL_SECONDS, toCached } from '../../../functions/core/jobs/view.ts';
import { NotFoundError } from '../../../functions/shared/errors.ts';
import { MemoryCache, MemoryJobs, MemoryStore } from './doubles.ts';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const JOB = '33333333-3333-4333-8333-333333333333';
let deps: { jobs: MemoryJobs; cache: MemoryCache; storage: MemoryStore; resultTtlSeconds: number };

beforeEach(async () => {
  deps = {
    jobs: new MemoryJobs(),
    cache: new MemoryCache(),
    storage: new MemoryStore(),
    resultTtlSeconds: 3600,
  };
  await deps.jobs.create({
    id: JOB,
    userId: OWNER,
    filename: 'a.wav',
    contentType: 'audio/wav',
    declaredBytes: 10,
    objectKey: 'uploads/k',
  });
});

describe('getJob', () => {
  it('reports awaiting_upload with a short cache TTL until the object exists, then queued', async () => {
    expect((await getJob(deps, OWNER, JOB)).status).toBe('awaiting_upload');
    expect(deps.cache.entries.get(JOB)!.ttl).toBe(AWAITING_TTL_SECONDS);
    deps.cache.entries.clear();
    deps.storage.objects.set('uploads/k', new Uint8Array(10));
    expect((await getJob(deps, OWNER, JOB)).status).toBe('queued');
    expect(deps.jobs.jobs.get(JOB)!.storedBytes).toBe(10);
  });

  it('never serves a cached job to another user, and treats bad ids as missing', async () => {
    await getJob(deps, OWNER, JOB); // warms the cache
    await expect(getJob(deps, OTHER, JOB)).rejects.toBeInstanceOf(NotFoundError);
    deps.cache.entries.clear();
    await expect(getJob(deps, OTHER, JOB)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getJob(deps, OWNER, "1' OR '1'='1")).rejects.toBeInstanceOf(NotFoundError);
  });

  it('does not overwrite a newer cached state on a miss fill', async () => {
    await getJob(deps, OWNER, JOB);
    const newer = { ...deps.jobs.jobs.get(JOB)!, status: 'completed' as const };
    await deps.cache.put(toCached(newer), 3600);
    const job = await getJob(deps, OWNER, JOB);
    expect(job.status).toBe('completed');
    expect(JSON.parse(job.json)).toMatchObject({ id: JOB, status: 'completed', filename: 'a.wav' });
  });

  it('answers a warm poll with the cached view as it is, identical to the cold answer', async () => {
    const cold = await getJob(deps, OWNER, JOB);
    expect(deps.cache.entries.has(JOB)).toBe(true);
    const warm = await getJob(deps, OWNER, JOB);
    expect(warm).toEqual(cold);
    expect(JSON.parse(warm.json)).toEqual({
      id: JOB,
      kind: 'file',
      status: 'awaiting_upload',
      filename: 'a.wav',
      extractors: ['deepfake'],
      created_at: expect.any(String),
      updated_at: expect.any(String),
      progress: { chunks_done: 0, chunks_total: null },
      result: null,
      error: null,
      timings: null,
      batch_id: null,
      manifest_url: null,
    });
  });
});
