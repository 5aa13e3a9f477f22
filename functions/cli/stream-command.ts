/**
 * `realtone stream FILE`: decodes a file as the worker does (16 kHz mono) and streams it over the streaming
 * protocol, printing the server's messages as JSON lines (ready, window…, summary). With `--local` the same
 * pipeline runs in this process instead of a server. Exit status: 0 after a summary, 1 when the stream failed,
 * 2 on a usage, model or connection error.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ingestIsolated } from '../audio/isolate.ts';
import { InferenceQueue } from '../core/pipeline/inference-queue.ts';
import { LiveStream, parseStart } from '../core/streams/live-stream.ts';
import type { ServerMessage } from '../core/streams/protocol.ts';
import { detectorOptions, loadDetector } from '../inference/load-detector.ts';
import type { Detector } from '../ports/detector.ts';
import { loadConfig, resolveProjectPath } from '../shared/config.ts';
import { isRealToneError } from '../shared/errors.ts';
import { extractorCatalogFromConfig, verdictFromConfig } from '../worker/process-deps.ts';
import { streamPcm } from '../stream/client.ts';

export const STREAM_USAGE = `usage: realtone stream [--realtime] [--hop S] [--extractors LIST] [--url URL | --local] FILE

Streams FILE (decoded to 16 kHz mono) to a running RealTone stack and prints its messages as JSON lines.
  --url       the stream socket (default ws://127.0.0.1:3000/v1/stream); authenticates with $REALTONE_TOKEN,
              an access token from POST /v1/auth/login, sent as an Authorization header (never in the URL)
  --local     run the same pipeline in this process instead (no server, no token)
  --realtime  send at real-time pace instead of as fast as the server reads
  --hop       seconds between window starts, 0.5 to 4 (default 1)
  --extractors  comma-separated extractors beside the detector (pitch, tempo, vad): windows and the summary
              then carry "features" (docs/extractors.md)
  --model     model manifest for --local (default: $MODEL_MANIFEST or the bundled default model)`;

const RATE = 16000;
const print = (message: ServerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function streamCommand(argv: string[]): Promise<number> {
  let values;
  let files: string[];
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        local: { type: 'boolean' },
        realtime: { type: 'boolean' },
        hop: { type: 'string' },
        extractors: { type: 'string' },
        model: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
    if (values.help) {
      process.stdout.write(`${STREAM_USAGE}\n`);
      return 0;
    }
    files = parsed.positionals;
    if (files.length !== 1) throw new Error('give exactly one FILE');
    if (values.local && values.url) throw new Error('--local and --url exclude each other');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${STREAM_USAGE}\n`);
    return 2;
  }
  const hop = values.hop === undefined ? 1 : Number(values.hop);
  let start;
  try {
    start = parseStart({
      type: 'start',
      encoding: 'f32le',
      sample_rate: RATE,
      channels: 1,
      hop_s: hop,
      ...(values.extractors ? { extractors: values.extractors.split(',').map((n) => n.trim()) } : {}),
    });
  } catch (error) {
    process.stderr.write(`realtone: --hop/--extractors: ${(error as Error).message}\n`);
    return 2;
  }
  const env = { ...process.env, ...(values.model ? { MODEL_MANIFEST: values.model } : {}) };
  let config;
  let samples: Float32Array;
  try {
    config = loadConfig(['model', 'limits', 'verdict', 'extractors'], env);
    const audio = await ingestIsolated(createReadStream(files[0]!), {
      targetRate: RATE,
      maxDurationS: config.MAX_DURATION_SECONDS,
      maxBytes: config.MAX_UPLOAD_BYTES,
      minSamples: 1,
      sourceBytes: (await stat(files[0]!)).size,
    });
    samples = audio.samples;
  } catch (error) {
    const code = isRealToneError(error) ? error.code : 'file_unreadable';
    process.stderr.write(`realtone: ${files[0]}: ${code}: ${(error as Error).message}\n`);
    return 2;
  }
  const pcm = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  if (!values.local) {
    const token = process.env.REALTONE_TOKEN;
    if (!token) {
      process.stderr.write(
        'realtone: set REALTONE_TOKEN to an access token (POST /v1/auth/login), or use --local\n',
      );
      return 2;
    }
    const result = await streamPcm({
      url: values.url ?? 'ws://127.0.0.1:3000/v1/stream',
      headers: { authorization: `Bearer ${token}` },
      start,
      pcm,
      realtime: values.realtime,
      onMessage: print,
    });
    if (!result.messages.length) process.stderr.write(`realtone: the server closed with ${result.code}\n`);
    return result.messages.some((m) => m.type === 'summary') ? 0 : result.messages.length ? 1 : 2;
  }
  return streamLocally(samples, start, config, values.realtime ?? false);
}

async function streamLocally(
  samples: Float32Array,
  start: ReturnType<typeof parseStart>,
  config: ReturnType<typeof loadConfig<'model' | 'limits' | 'verdict' | 'extractors'>>,
  realtime: boolean,
): Promise<number> {
  let detector: Detector;
  let extractors;
  try {
    detector = await loadDetector(resolveProjectPath(config.MODEL_MANIFEST), {
      ...detectorOptions(config),
      shortLived: true,
    });
    extractors = await extractorCatalogFromConfig(config);
  } catch (error) {
    process.stderr.write(`realtone: ${(error as Error).message}\n`);
    return 2;
  }
  const queue = new InferenceQueue(detector, {
    maxBatch: config.INFERENCE_MAX_BATCH,
    maxWaitMs: config.INFERENCE_MAX_WAIT_MS,
  });
  const live = new LiveStream(
    {
      queue,
      verdict: verdictFromConfig(config, detector.manifest),
      limits: { maxSeconds: config.MAX_DURATION_SECONDS, maxRateX: 1000, burstSeconds: 600 },
      extractors,
    },
    'local',
    start,
    print,
  );
  print(live.ready);
  try {
    const frame = RATE / 10; // 100 ms, as the network client sends
    const t0 = performance.now();
    for (let offset = 0; offset < samples.length; offset += frame) {
      const block = samples.subarray(offset, offset + frame);
      if (realtime) await sleep(t0 + ((offset + block.length) / RATE) * 1000 - performance.now());
      await live.push(new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
    }
    print(await live.finish());
    return 0;
  } catch (error) {
    const code = isRealToneError(error) ? error.code : 'internal_error';
    print({ type: 'error', code, message: (error as Error).message });
    return 1;
  } finally {
    await Promise.all([detector.close(), extractors.close()]);
  }
}
