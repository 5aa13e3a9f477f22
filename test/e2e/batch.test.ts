/**
 * Batches, manifests, metrics and correlation ids end to end on the local stack (`npm start` in a child process,
 * embedded PGlite, the fixture model): a batch of 20 files (one of them corrupt) runs to the end with a result
 * and a manifest per item; every manifest agrees with its job's view; /metrics moves by exactly what ran; and the
 * request id of POST /v1/batches is the correlation id of every worker log line about its items.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { sample, scrapeMetric } from '../support/prometheus.ts';
import { FIXTURE_MODEL } from './pipeline-scenario.ts';

let stack: StackProcess;
const files: Record<string, { bytes: Uint8Array; type: string }> = {};

beforeAll(async () => {
  stack = await startStackProcess({ MODEL_MANIFEST: FIXTURE_MODEL, LOG_LEVEL: 'INFO' });
  for (const [name, type] of [
    ['e2e/speech-9.5s.wav', 'audio/wav'],
    ['e2e/speech-6.2s.mp3', 'audio/mpeg'],
    ['audio/corrupt-truncated.wav', 'audio/wav'],
  ] as const)
    files[name] = { bytes: new Uint8Array(await readFile(path.join(ROOT, 'test/fixtures', name))), type };
});

afterAll(async () => {
  if (stack) expect(await stack.stop('SIGTERM'), stack.output()).toBe(0);
});

const scrape = (name: string) => scrapeMetric(stack.endpoints.metrics!, name);

describe('a batch of 20 files', () => {
  it('completes with a result and a manifest per item, and /metrics moves by what ran', async () => {
    expect(stack.output()).toMatch(/^ {2}metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/m);
    // The worker's start to ready (the model loaded), from this process's start: set once, a few seconds at most.
    const ready = sample(await scrape('realtone_start_to_ready_seconds'), '{service="worker"}');
    expect(ready).toBeGreaterThan(0);
    expect(ready).toBeLessThan(120);
    const jobsBefore = await scrape('realtone_jobs_total');
    const windowsBefore = await scrape('realtone_windows_total');
    const decodeBefore = await scrape('realtone_stage_duration_seconds_count');
    const queuedBefore = await scrape('realtone_job_queued_seconds_count');
    const busyBefore = sample(await scrape('realtone_inference_busy_seconds_total'));
    const runners = sample(await scrape('realtone_inference_runners'));
    const batchStarted = performance.now();

    const client = new ApiClient(stack.api);
    await client.signUp();
    const names = Array.from({ length: 20 }, (_, i) =>
      i === 7 ? 'audio/corrupt-truncated.wav' : i % 2 ? 'e2e/speech-6.2s.mp3' : 'e2e/speech-9.5s.wav',
    );
    const created = await client.call('POST', '/v1/batches', {
      extractors: ['deepfake', 'pitch'],
      items: names.map((name, i) => ({
        filename: `${i}-${path.basename(name)}`,
        content_type: files[name]!.type,
        size_bytes: files[name]!.bytes.length,
      })),
    });
    expect(created.status).toBe(201);
    const requestId = created.headers.get('apigw-requestid')!;
    const slots = created.json.items as { job_id: string; filename: string; upload: object }[];
    await Promise.all(
      slots.map((slot, i) =>
        ApiClient.postToS3(slot as never, files[names[i]!]!.bytes, slot.filename, files[names[i]!]!.type),
      ),
    );
    const batch = await client.waitForBatch(created.json.batch_id, 180_000);
    expect(batch).toMatchObject({ status: 'completed', total: 20, progress: 1 });
    expect(batch.counts).toEqual({ awaiting_upload: 0, queued: 0, processing: 0, completed: 19, failed: 1 });
    expect(batch.items[7]).toMatchObject({
      status: 'failed',
      error: { code: 'corrupt_audio' },
      overall: null,
    });

    let scored = 0;
    for (const [i, item] of (batch.items as { job_id: string; index: number }[]).entries()) {
      expect(item.index).toBe(i);
      const job = (await client.call('GET', `/v1/jobs/${item.job_id}`)).json;
      expect(job.batch_id).toBe(created.json.batch_id);
      const response = await fetch(job.manifest_url);
      expect(response.status).toBe(200);
      const manifest = (await response.json()) as Record<string, any>;
      expect(manifest).toMatchObject({
        schema: 'audio_manifest_v1',
        status: job.status,
        generator: { component: 'worker' },
        job: { id: job.id, batch_id: created.json.batch_id, created_at: job.created_at },
        file: {
          name: job.filename,
          content_type: files[names[i]!]!.type,
          size_bytes: files[names[i]!]!.bytes.length,
        },
      });
      if (job.status === 'completed') {
        expect(manifest.chunks).toEqual(job.result.chunks);
        expect(manifest.overall).toEqual(job.result.overall);
        expect(manifest.audio).toEqual({
          duration_s: job.result.duration_s,
          sample_rate_in: job.result.sample_rate_in,
          channels_in: job.result.channels_in,
          sample_rate_model: 16000,
        });
        expect(manifest.model).toMatchObject({
          name: job.result.model.name,
          version: job.result.model.version,
        });
        expect(manifest.timings).toEqual(job.timings);
        expect(manifest.features).toEqual(job.result.features);
        expect(manifest.extractors).toEqual(job.result.extractors);
        expect(manifest.extractors.map((e: { name: string }) => e.name)).toEqual(['deepfake', 'pitch']);
        scored += job.result.chunks.filter((c: { score: number | null }) => c.score !== null).length;
      } else {
        expect(manifest).toMatchObject({ error: job.error, chunks: [], overall: null, audio: null });
      }
    }

    const jobsAfter = await scrape('realtone_jobs_total');
    expect(
      sample(jobsAfter, '{outcome="completed",code="none"}') -
        sample(jobsBefore, '{outcome="completed",code="none"}'),
    ).toBe(19);
    expect(
      sample(jobsAfter, '{outcome="failed",code="corrupt_audio"}') -
        sample(jobsBefore, '{outcome="failed",code="corrupt_audio"}'),
    ).toBe(1);
    expect(sample(await scrape('realtone_windows_total')) - sample(windowsBefore)).toBe(scored);
    // The runners' busy time: some, and no more than they could have run in the batch's wall time.
    const busy = sample(await scrape('realtone_inference_busy_seconds_total')) - busyBefore;
    expect(runners).toBeGreaterThanOrEqual(1);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual((runners * (performance.now() - batchStarted)) / 1000);
    const decodeAfter = await scrape('realtone_stage_duration_seconds_count');
    for (const stage of ['download', 'decode', 'inference', 'write'])
      expect(
        sample(decodeAfter, `{stage="${stage}"}`) - sample(decodeBefore, `{stage="${stage}"}`),
        stage,
      ).toBe(stage === 'download' ? 20 : 19);
    expect(sample(await scrape('realtone_job_queued_seconds_count')) - sample(queuedBefore)).toBe(20);

    // One correlation id from the request that created the batch to every worker log line about its items.
    const lines = stack
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ofItems = lines.filter((l) => slots.some((s) => s.job_id === l.job_id));
    expect(ofItems.filter((l) => l.message === 'job completed')).toHaveLength(19);
    expect(ofItems.filter((l) => l.message === 'job failed')).toHaveLength(1);
    expect(new Set(ofItems.map((l) => l.correlation_id))).toEqual(new Set([requestId]));
    expect(ofItems.every((l) => l.batch_id === created.json.batch_id)).toBe(true);
    const request = lines.find((l) => l.message === 'request' && l.route === 'POST /v1/batches');
    expect(request?.correlation_id).toBe(requestId);
  }, 240_000);
});
