import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { processUpload, type ProcessDeps } from '../../../functions/core/jobs/process-upload.ts';
import { uploadKey } from '../../../functions/core/jobs/object-key.ts';
import { InferenceQueue } from '../../../functions/core/pipeline/inference-queue.ts';
import { OnnxDetector } from '../../../functions/inference/onnx-detector.ts';
import { encodeWav16 } from '../../support/wav.ts';
import { MemoryCache, MemoryJobs, MemoryStore } from './doubles.ts';

const USER = '11111111-1111-4111-8111-111111111111';
let detector: OnnxDetector;
let deps: ProcessDeps & { jobs: MemoryJobs; cache: MemoryCache; storage: MemoryStore };
const tone = (seconds: number) =>
  encodeWav16(
    Float32Array.from({ length: 16000 * seconds }, (_, i) => 0.3 * Math.sin(i / 5)),
    16000,
  );

beforeAll(async () => {
  detector = await OnnxDetector.load('test/fixtures/models/energy-fixture/model.json');
});

beforeEach(() => {
  deps = {
    jobs: new MemoryJobs(),
    cache: new MemoryCache(),
    storage: new MemoryStore(),
    inference: new InferenceQueue(detector),
    limits: { maxUploadBytes: 10_000_000, maxDurationS: 60 },
    leaseSeconds: 30,
    maxAttempts: 2,
    resultTtlSeconds: 3600,
  };
});

async function newJob(bytes: Uint8Array, declared = bytes.length, contentType = 'audio/wav') {
  const id = crypto.randomUUID();
  const key = uploadKey(USER, id, 'a.wav');
  await deps.jobs.create({
    id,
    userId: USER,
    filename: 'a.wav',
    contentType,
    declaredBytes: declared,
    objectKey: key,
  });
  deps.storage.objects.set(key, bytes);
  return { id, key };
}

describe('processUpload', () => {
  it('completes a job once; a replayed event is ignored', async () => {
    const { id, key } = await newJob(tone(9));
    expect(await processUpload(deps, { key })).toEqual({ outcome: 'completed', jobId: id });
    const job = deps.jobs.jobs.get(id)!;
    expect(job.status).toBe('completed');
    expect(job.result!.chunks.map((c) => [c.start_s, c.end_s])).toEqual([
      [0, 4],
      [4, 8],
      [5, 9],
    ]);
    expect(deps.cache.entries.get(id)).toMatchObject({ job: { status: 'completed' }, ttl: 3600 });
    expect(await processUpload(deps, { key })).toMatchObject({
      outcome: 'ignored',
      reason: 'not_claimable:completed',
    });
    expect(deps.jobs.jobs.get(id)!.attempts).toBe(1);
  });

  it('fails corrupt audio with its code and caches the failure', async () => {
    const wav = tone(5);
    const { id, key } = await newJob(wav.slice(0, 30_000));
    expect(await processUpload(deps, { key })).toEqual({
      outcome: 'failed',
      jobId: id,
      code: 'corrupt_audio',
    });
    const cached = deps.cache.entries.get(id)!.job;
    expect(cached.status).toBe('failed');
    expect(JSON.parse(cached.view).error.code).toBe('corrupt_audio');
  });

  it('fails an object larger than declared as too_large, without decoding it', async () => {
    const { id, key } = await newJob(tone(2), 1000);
    expect(await processUpload(deps, { key })).toEqual({ outcome: 'failed', jobId: id, code: 'too_large' });
  });

  it('fails content that disagrees with the declared type', async () => {
    const { key } = await newJob(tone(2), undefined, 'audio/mpeg');
    expect(await processUpload(deps, { key })).toMatchObject({
      outcome: 'failed',
      code: 'unsupported_format',
    });
  });

  it('gives a job back on an infrastructure error, then fails it after the last attempt', async () => {
    const { id, key } = await newJob(tone(2));
    deps.storage.failReads = 5;
    expect(await processUpload(deps, { key })).toMatchObject({ outcome: 'retry', jobId: id });
    expect(deps.jobs.jobs.get(id)!.status).toBe('queued');
    expect(await processUpload(deps, { key })).toEqual({
      outcome: 'failed',
      jobId: id,
      code: 'processing_failed',
    });
    expect(deps.jobs.jobs.get(id)!.errorMessage).toBe('processing failed after 2 attempts');
  });

  it('hands the job back when aborted (drain), leaving nothing in processing', async () => {
    const { id, key } = await newJob(tone(20));
    const abort = new AbortController();
    abort.abort();
    expect(await processUpload(deps, { key }, { signal: abort.signal })).toMatchObject({
      outcome: 'retry',
      reason: 'drain',
    });
    expect(deps.jobs.jobs.get(id)!.status).toBe('queued');
  });

  it('ignores keys it did not issue and jobs deleted meanwhile', async () => {
    expect(await processUpload(deps, { key: 'uploads/../etc/passwd' })).toEqual({
      outcome: 'ignored',
      reason: 'not_an_upload_key',
    });
    const { id, key } = await newJob(tone(2));
    expect(await processUpload(deps, { key: key.replace('a.wav', 'b.wav') })).toMatchObject({
      reason: 'foreign_key',
    });
    deps.jobs.failNextComplete = new (await import('../../../functions/core/jobs/errors.ts')).JobGoneError(
      'gone',
    );
    expect(await processUpload(deps, { key })).toEqual({
      outcome: 'ignored',
      jobId: id,
      reason: 'deleted_while_processing',
    });
  });
});
