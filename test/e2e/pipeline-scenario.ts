/**
 * The end-to-end scenario, run once against the real Postgres and Redis and once against the embedded defaults:
 * register → login → upload slot → multipart POST to S3 → poll → chunk scores, plus the failure paths.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/e2e');
export const FIXTURE_MODEL = 'test/fixtures/models/energy-fixture/model.json';

/** Expected windows for a duration under the manifest's rule: 4 s windows, end-aligned tail of ≥ 1 s. */
function expectChunksCover(
  chunks: { index: number; start_s: number; end_s: number; score: number | null }[],
  duration: number,
) {
  const full = Math.floor(duration / 4 + 1e-9);
  const tail = duration - full * 4;
  const expected = full + (tail > 1e-3 ? 1 : 0);
  expect(chunks).toHaveLength(Math.max(1, expected));
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    if (i < full) {
      expect(c.start_s).toBeCloseTo(i * 4, 3);
      expect(c.end_s).toBeCloseTo(i * 4 + 4, 3);
    }
    expect(c.score).not.toBeNull();
    expect(c.score!).toBeGreaterThanOrEqual(0);
    expect(c.score!).toBeLessThanOrEqual(1);
  });
  const last = chunks[chunks.length - 1]!;
  expect(last.end_s).toBeCloseTo(duration, 1);
  if (tail >= 1) expect(last.start_s).toBeCloseTo(duration - 4, 1);
}

export function pipelineScenario(
  stackEnv: () => Record<string, string | undefined>,
  /** Checks after the stack stopped; `email` is the scenario's user, whose jobs are the scenario's own. */
  afterStop?: (stack: StackProcess, email: string) => Promise<void>,
) {
  let stack: StackProcess;
  let client: ApiClient;
  let email: string;

  beforeAll(async () => {
    // The fixture model unless the variant runs the default detector (stackEnv sets MODEL_MANIFEST: undefined).
    stack = await startStackProcess({ MODEL_MANIFEST: FIXTURE_MODEL, ...stackEnv() });
    client = new ApiClient(stack.api);
    email = await client.signUp();
  });

  afterAll(async () => {
    if (!stack) return;
    const code = await stack.stop('SIGTERM');
    expect(code, stack.output()).toBe(0);
    await afterStop?.(stack, email);
  });

  async function upload(file: string, contentType: string, bytes?: Uint8Array) {
    const data = bytes ?? new Uint8Array(await readFile(path.join(FIXTURES, file)));
    const slot = await client.requestUpload(file, contentType, data.length);
    expect(slot.status).toBe('awaiting_upload');
    expect(slot.upload.fields.key).toMatch(new RegExp(`^uploads/[0-9a-f-]{36}/${slot.job_id}/`));
    expect(await ApiClient.postToS3(slot, data, file, contentType)).toBe(204);
    return slot.job_id;
  }

  it('analyses a WAV uploaded through the presigned form', async () => {
    const job = await client.waitForJob(await upload('speech-9.5s.wav', 'audio/wav'));
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.result.duration_s).toBeCloseTo(9.5, 2);
    expect(job.result.sample_rate_in).toBe(22050);
    expectChunksCover(job.result.chunks, 9.5);
    expect(job.progress).toEqual({ chunks_done: 3, chunks_total: 3 });
    expect(['real', 'likely_fake', 'fake']).toContain(job.result.overall.label);
    // Only a variant that names MODEL_MANIFEST (as undefined) runs the default detector.
    const env = stackEnv();
    const model =
      'MODEL_MANIFEST' in env && env.MODEL_MANIFEST === undefined
        ? { name: 'realtone-wavlm-small', fixture: false }
        : { name: 'energy-fixture', fixture: true };
    expect(job.result.model).toMatchObject(model);
  });

  it('analyses an MP3 with an ID3 tag', async () => {
    const job = await client.waitForJob(await upload('speech-6.2s.mp3', 'audio/mpeg'));
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.result.sample_rate_in).toBe(44100);
    expect(job.result.duration_s).toBeGreaterThan(6.1);
    expect(job.result.duration_s).toBeLessThan(6.3);
    expectChunksCover(job.result.chunks, job.result.duration_s);
  });

  it('fails a corrupt upload with a precise code and goes on serving the next job', async () => {
    const wav = new Uint8Array(await readFile(path.join(FIXTURES, 'speech-9.5s.wav')));
    const truncated = wav.slice(0, 100_000); // header still declares 9.5 s of samples
    const bad = await client.waitForJob(await upload('broken.wav', 'audio/wav', truncated));
    expect(bad.status).toBe('failed');
    expect(bad.error.code).toBe('corrupt_audio');
    expect(bad.error.message).toMatch(/truncated/);
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    const junk = await client.waitForJob(await upload('junk.mp3', 'audio/mpeg', noise));
    expect(junk.status).toBe('failed');
    expect(junk.error.code).toBe('unsupported_format');
    const good = await client.waitForJob(await upload('speech-9.5s.wav', 'audio/wav'));
    expect(good.status).toBe('completed');
  });

  it('hides a job from every other user', async () => {
    const jobId = await upload('speech-6.2s.mp3', 'audio/mpeg');
    await client.waitForJob(jobId);
    const other = new ApiClient(stack.api);
    await other.signUp();
    const res = await other.call('GET', `/v1/jobs/${jobId}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.code).toBe('not_found');
  });

  return () => stack;
}
