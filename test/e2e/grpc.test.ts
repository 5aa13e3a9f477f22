/**
 * The gRPC services end to end on the local stack (`npm start` in a child process, default model), called by real
 * @grpc/grpc-js clients loaded from each .proto as an outside caller would: the original `audioanalyzer` contract
 * against the job view of the same upload, `realtone.v1` against the job view and the WebSocket, errors as
 * statuses, deadlines, message limits, health and reflection (the bearer token, idle streams and draining:
 * grpc-token.test.ts). Python and Go clients generated
 * from audio_analyzer.proto by their own toolchains call the original contract as the old detector's callers did.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamPcm } from '../../functions/stream/client.ts';
import { ApiClient } from '../support/api-client.ts';
import { buildGoClient, goClientMissing } from '../support/go-audio-analyzer-client.ts';
import { connect, failure, streamAnalyze, unary } from '../support/grpc-clients.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { glideOverNoise } from '../support/signals.ts';
import { encodeWav16 } from '../support/wav.ts';

const SLOW = 120_000;
/** Debian's python3 with python3-grpcio and python3-grpc-tools (.ci/run installs them), as an outside caller. */
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const run = promisify(execFile);
/** Debian's Go toolchain and grpc-go sources (.ci/run installs them); without them the Go client test is skipped. */
const goMissing = goClientMissing();
if (goMissing) console.warn(`grpc: the Go client test is skipped: it ${goMissing}`);
/** The first Go build compiles grpc-go from source (under a minute on two busy cores); later runs reuse it. */
const GO_BUILD = 300_000;
const BUCKET = 'realtone-uploads';
const fixture = (name: string) => readFile(path.join(ROOT, name));

const errorCode = (error: grpc.ServiceError) => error.metadata?.get('realtone-error-code')[0];

describe('gRPC on the local stack (no token: loopback only)', () => {
  let stack: StackProcess;
  let api: ApiClient;
  let legacy: grpc.Client;
  let detector: grpc.Client;

  beforeAll(async () => {
    stack = await startStackProcess({ STREAM_MAX_QUEUE_DELAY_MS: '30000' });
    expect(stack.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    api = new ApiClient(stack.api);
    await api.signUp();
    legacy = connect('legacy', stack.grpc);
    detector = connect('detector', stack.grpc);
  });
  afterAll(async () => {
    legacy?.close();
    detector?.close();
    if (stack) expect(await stack.stop(), stack.output()).toBe(0);
  });

  /** Uploads a file through the API, waits for its job and returns the object key and the job view. */
  async function uploadJob(file: string, contentType: string) {
    const bytes = await fixture(file);
    const slot = await api.requestUpload(path.basename(file), contentType, bytes.length);
    expect(await ApiClient.postToS3(slot, bytes, path.basename(file), contentType)).toBe(204);
    const job = await api.waitForJob(slot.job_id, SLOW);
    expect(job.status).toBe('completed');
    return { key: slot.upload.fields.key!, job };
  }

  it(
    'AnalyzeAudio (the original contract) on an uploaded object returns the job chunk scores within 1e-4',
    async () => {
      const { key, job } = await uploadJob('test/fixtures/e2e/speech-9.5s.wav', 'audio/wav');
      const response = await unary(legacy, 'AnalyzeAudio', {
        minio_bucket_name: BUCKET,
        minio_object_key: key,
      });
      const judged = (
        job.result.chunks as { index: number; score: number | null; start_s: number; end_s: number }[]
      ).filter((c) => c.score !== null);
      expect(judged.length).toBeGreaterThan(1);
      expect(response.error_message).toBe('');
      expect(response.predictions).toHaveLength(judged.length);
      judged.forEach((chunk, i) => {
        const p = response.predictions[i];
        expect(p.chunk_id).toBe(String(chunk.index));
        expect(Math.abs(p.score - chunk.score!)).toBeLessThan(1e-4);
        expect(p.start_time_seconds).toBeCloseTo(chunk.start_s, 4);
        expect(p.end_time_seconds).toBeCloseTo(chunk.end_s, 4);
      });

      // realtone.v1 Analyze on the same object: the job view's chunks, overall and model.
      const v1 = await unary(detector, 'Analyze', { object: { bucket: BUCKET, key } });
      expect(v1.chunks.map((c: { score?: number }) => c.score ?? null)).toEqual(
        job.result.chunks.map((c: { score: number | null }) => c.score),
      );
      expect(v1.overall).toMatchObject({
        label: job.result.overall.label,
        score: job.result.overall.score,
        confidence: job.result.overall.confidence,
        policy: job.result.overall.policy,
      });
      expect(v1.model).toMatchObject({ name: job.result.model.name, version: job.result.model.version });
      expect(v1.duration_s).toBe(job.result.duration_s);
    },
    SLOW,
  );

  it(
    'a Python client generated from audio_analyzer.proto by grpc_tools.protoc gets the same predictions',
    async () => {
      const { key, job } = await uploadJob('test/fixtures/e2e/speech-6.2s.mp3', 'audio/mpeg');
      const stubs = await mkdtemp(path.join(os.tmpdir(), 'realtone-pystubs-'));
      try {
        await run(PYTHON, [
          '-m',
          'grpc_tools.protoc',
          `-I${path.join(ROOT, 'proto')}`,
          `--python_out=${stubs}`,
          `--grpc_python_out=${stubs}`,
          'audio_analyzer.proto',
        ]);
        const client = path.join(ROOT, 'test/support/audio_analyzer_client.py');
        const call = async (k: string) =>
          JSON.parse((await run(PYTHON, [client, stubs, stack.grpc, BUCKET, k])).stdout) as Record<
            string,
            any
          >;
        const reply = await call(key);
        const judged = job.result.chunks.filter((c: { score: number | null }) => c.score !== null);
        expect(reply.predictions).toHaveLength(judged.length);
        judged.forEach((chunk: { index: number; score: number }, i: number) => {
          expect(reply.predictions[i].chunk_id).toBe(String(chunk.index));
          expect(Math.abs(reply.predictions[i].score - chunk.score)).toBeLessThan(1e-4);
        });
        expect(await call('uploads/nobody/none.wav')).toMatchObject({ code: 'NOT_FOUND' });
      } finally {
        await rm(stubs, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it.skipIf(goMissing !== null)(
    'a Go client generated from audio_analyzer.proto by protoc-gen-go and protoc-gen-go-grpc gets the same predictions',
    async () => {
      // The build overlaps the upload's job.
      const [client, { key, job }] = await Promise.all([
        buildGoClient(),
        uploadJob('test/fixtures/e2e/speech-9.5s.wav', 'audio/wav'),
      ]);
      const call = async (bucket: string, k: string) =>
        JSON.parse((await run(client, [stack.grpc, bucket, k])).stdout) as Record<string, any>;
      const reply = await call(BUCKET, key);
      const judged = job.result.chunks.filter((c: { score: number | null }) => c.score !== null);
      expect(judged.length).toBeGreaterThan(1);
      expect(reply.error_message).toBe('');
      expect(reply.predictions).toHaveLength(judged.length);
      judged.forEach((chunk: { index: number; score: number; start_s: number; end_s: number }, i: number) => {
        const p = reply.predictions[i];
        expect(p.chunk_id).toBe(String(chunk.index));
        expect(Math.abs(p.score - chunk.score)).toBeLessThan(1e-4);
        expect(p.start).toBeCloseTo(chunk.start_s, 4);
        expect(p.end).toBeCloseTo(chunk.end_s, 4);
      });
      expect(await call(BUCKET, 'uploads/nobody/none.wav')).toEqual({
        code: grpc.status.NOT_FOUND,
        name: 'NotFound',
        details: expect.stringMatching(/^not_found: /),
      });
      expect(await call('someone-elses-bucket', 'uploads/a.wav')).toMatchObject({
        code: grpc.status.PERMISSION_DENIED,
        details: expect.stringMatching(/^permission_denied: /),
      });
    },
    GO_BUILD,
  );

  it(
    'Analyze takes inline audio with extractors and reports features as the job view does',
    async () => {
      const bytes = await fixture('test/fixtures/e2e/speech-9.5s.wav');
      const [inline, upload] = await Promise.all([
        unary(detector, 'Analyze', {
          audio: { data: bytes, content_type: 'audio/wav' },
          extractors: ['pitch', 'tempo'],
        }),
        uploadJob('test/fixtures/e2e/speech-9.5s.wav', 'audio/wav'),
      ]);
      expect(inline.extractors.map((e: { name: string }) => e.name)).toEqual(['deepfake', 'pitch', 'tempo']);
      expect(inline.chunks.map((c: { score?: number }) => c.score ?? null)).toEqual(
        upload.job.result.chunks.map((c: { score: number | null }) => c.score),
      );
      expect(inline.features.pitch.fields.median_hz.value).toBeGreaterThan(60);
      expect(inline.features.tempo.fields.onset_rate_hz).toBeDefined();
      expect(inline.chunks[0].features.pitch.fields.voiced_fraction.value).toBeGreaterThan(0);
      expect(['real', 'likely_fake', 'fake']).toContain(inline.chunks[0].label);
    },
    SLOW,
  );

  it('a missing object is NOT_FOUND; another bucket or a key outside the uploads is PERMISSION_DENIED', async () => {
    const missing = await failure(
      unary(legacy, 'AnalyzeAudio', {
        minio_bucket_name: BUCKET,
        minio_object_key: 'uploads/nobody/none.wav',
      }),
    );
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    expect(errorCode(missing)).toBe('not_found');

    const other = await failure(
      unary(legacy, 'AnalyzeAudio', {
        minio_bucket_name: 'someone-elses-bucket',
        minio_object_key: 'uploads/a.wav',
      }),
    );
    expect(other.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(other.details).toMatch(/^permission_denied: /);

    const outside = await failure(
      unary(detector, 'Analyze', { object: { bucket: BUCKET, key: 'results/u/j.json' } }),
    );
    expect(outside.code).toBe(grpc.status.PERMISSION_DENIED);

    const empty = await failure(unary(detector, 'Analyze', {}));
    expect(empty.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(empty)).toBe('invalid_request');
  });

  it('bad audio is INVALID_ARGUMENT carrying the API error code', async () => {
    const cases: [string, string][] = [
      ['test/fixtures/audio/corrupt-truncated.wav', 'corrupt_audio'],
      ['test/fixtures/audio/unsupported-text.wav', 'unsupported_format'],
      ['test/fixtures/audio/too-short-0.5s.wav', 'too_short'],
      ['test/fixtures/audio/empty-silence.wav', 'empty_audio'],
    ];
    for (const [file, code] of cases) {
      const error = await failure(
        unary(detector, 'Analyze', { audio: { data: await fixture(file), content_type: 'audio/wav' } }),
      );
      expect(error.code, file).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorCode(error), file).toBe(code);
      expect(error.details, file).toMatch(new RegExp(`^${code}: `));
    }
    const unknown = await failure(
      unary(detector, 'Analyze', {
        audio: { data: await fixture('test/fixtures/e2e/speech-9.5s.wav') },
        extractors: ['pitch', 'loudness'],
      }),
    );
    expect(unknown.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(unknown)).toBe('unknown_extractor');
  });

  it('inline audio over 8 MiB is refused: too_large up to the message limit, RESOURCE_EXHAUSTED past it', async () => {
    const over = Buffer.alloc(8 * 1024 * 1024 + 1);
    const tooLarge = await failure(unary(detector, 'Analyze', { audio: { data: over } }));
    expect(tooLarge.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(tooLarge)).toBe('too_large');
    const huge = await failure(
      unary(detector, 'Analyze', { audio: { data: Buffer.alloc(12 * 1024 * 1024) } }),
    );
    expect(huge.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it(
    'a deadline shorter than the analysis ends the call with DEADLINE_EXCEEDED, and the server stays well',
    async () => {
      const wav = encodeWav16(glideOverNoise(60), 16000);
      const late = await failure(unary(detector, 'Analyze', { audio: { data: wav } }, { deadlineMs: 150 }));
      expect(late.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      const ok = await unary(detector, 'Analyze', { audio: { data: wav } }, { deadlineMs: 60_000 });
      expect(ok.chunks).toHaveLength(15);
    },
    SLOW,
  );

  it(
    'StreamAnalyze sends the windows and summary the WebSocket sends for the same PCM',
    async () => {
      const pcm = encodeWav16(glideOverNoise(7.5, 3), 16000).subarray(44);
      const ticket = await api.call('POST', '/v1/stream/tickets');
      const [overGrpc, overWs] = await Promise.all([
        streamAnalyze(detector, { hop_s: 1, extractors: ['pitch'] }, pcm),
        streamPcm({
          url: ticket.json.url as string,
          start: { hop_s: 1, extractors: ['pitch'] } as never,
          pcm,
        }),
      ]);
      expect(overGrpc.status.code, overGrpc.status.details).toBe(grpc.status.OK);
      expect(overWs.code).toBe(1000);
      const ready = overGrpc.messages[0]!;
      expect(ready.message).toBe('ready');
      expect(ready.ready).toMatchObject({ window_s: 4, hop_s: 1, extractors: ['deepfake', 'pitch'] });
      const windows = overGrpc.messages.filter((m) => m.message === 'window').map((m) => m.window);
      const wsWindows = overWs.messages.filter((m) => m.type === 'window') as Record<string, any>[];
      expect(windows.length).toBe(wsWindows.length);
      expect(windows.length).toBe(5); // 0..3 s full windows at hop 1, then the too-short tail
      windows.forEach((w, i) => {
        const ws = wsWindows[i]!;
        expect(w.index).toBe(ws.index);
        expect(w.start_s).toBe(ws.start_s);
        expect(w.end_s).toBe(ws.end_s);
        expect(w.score ?? null).toBe(ws.score);
        expect(w.reason).toBe(ws.reason ?? '');
        expect(w.label).toBe(ws.label ?? '');
        if (ws.features)
          expect(w.features.pitch.fields.median_hz.value ?? null).toBe(ws.features.pitch.median_hz);
      });
      const summary = overGrpc.messages.at(-1)!;
      const wsSummary = overWs.messages.at(-1) as Record<string, any>;
      expect(summary.message).toBe('summary');
      expect(wsSummary.type).toBe('summary');
      expect(summary.summary.windows).toBe(wsSummary.windows);
      expect(summary.summary.duration_s).toBe(wsSummary.duration_s);
      expect(summary.summary.overall).toMatchObject({
        label: wsSummary.overall.label,
        score: wsSummary.overall.score,
        chunks_scored: wsSummary.overall.chunks_scored,
      });
    },
    SLOW,
  );

  it('StreamAnalyze refuses audio before start and a bad start with INVALID_ARGUMENT', async () => {
    const badStart = await streamAnalyze(detector, { hop_s: 9 }, new Uint8Array(3200));
    expect(badStart.status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badStart.status.metadata.get('realtone-error-code')[0]).toBe('bad_start');
    const big = await streamAnalyze(detector, {}, new Uint8Array(70_000), { frameBytes: 70_000 });
    expect(big.status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(big.status.metadata.get('realtone-error-code')[0]).toBe('frame_too_large');
  });

  it('ListExtractors names every extractor with its outputs', async () => {
    const { extractors } = await unary(detector, 'ListExtractors', {});
    expect(extractors.map((e: { name: string }) => e.name)).toEqual(['deepfake', 'pitch', 'tempo', 'vad']);
    const pitch = extractors.find((e: { name: string }) => e.name === 'pitch');
    expect(pitch.outputs.map((o: { name: string }) => o.name)).toContain('median_hz');
  });

  it('counts calls by method and outcome on /metrics', async () => {
    const scrape = async () => (await fetch(stack.endpoints.metrics!)).text();
    const count = (text: string, code: string) =>
      Number(
        new RegExp(
          `^realtone_grpc_requests_total\\{method="/audioanalyzer.AudioAnalysis/AnalyzeAudio",code="${code}"\\} (\\d+)`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    const before = await scrape();
    await failure(
      unary(legacy, 'AnalyzeAudio', { minio_bucket_name: BUCKET, minio_object_key: 'uploads/nobody/x.wav' }),
    );
    await failure(
      unary(legacy, 'AnalyzeAudio', { minio_bucket_name: 'other', minio_object_key: 'uploads/x.wav' }),
    );
    const after = await scrape();
    expect(count(after, 'not_found') - count(before, 'not_found')).toBe(1);
    expect(count(after, 'permission_denied') - count(before, 'permission_denied')).toBe(1);
  });

  it('the health service and server reflection answer', async () => {
    const health = connect('health', stack.grpc);
    for (const service of ['', 'audioanalyzer.AudioAnalysis', 'realtone.v1.DetectorService']) {
      expect((await unary(health, 'Check', { service })).status).toBe('SERVING');
    }
    const unknown = await failure(unary(health, 'Check', { service: 'no.Such' }));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    health.close();

    const reflection = connect('reflection', stack.grpc);
    const call = (
      reflection as unknown as Record<string, (...args: unknown[]) => unknown>
    ).ServerReflectionInfo!.call(reflection) as grpc.ClientDuplexStream<object, Record<string, any>>;
    const answers: Record<string, any>[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (m: Record<string, any>) => answers.push(m));
      call.on('end', () => resolve());
      call.on('error', reject);
    });
    call.write({ list_services: '' });
    call.write({ file_containing_symbol: 'audioanalyzer.AudioAnalysis' });
    call.end();
    await ended;
    reflection.close();
    const names = answers[0]!.list_services_response.service.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'audioanalyzer.AudioAnalysis',
        'realtone.v1.DetectorService',
        'grpc.health.v1.Health',
      ]),
    );
    expect(answers[1]!.file_descriptor_response.file_descriptor_proto.length).toBeGreaterThan(0);
  });
});
