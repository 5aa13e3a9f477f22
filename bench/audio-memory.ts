/**
 * Peak memory of ingesting a 60-minute file, per format, through ingestIsolated (the CLI and worker path). Each
 * measurement runs in a fresh child process, which reports its resident set before and during ingestion (sampled
 * every 10 ms) and the JS heap; the bound to meet is about twice the decoded 16 kHz float signal
 * (3600 s × 16,000 × 4 B = 230.4 MB → ≈ 461 MB). Prints JSON only (stdout). Takes a few minutes (encoding).
 *
 *   npm run bench:audio-memory
 *   npm run bench:audio-memory -- --minutes 10 --formats mp3-44k-stereo-128k
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ingestIsolated } from '../functions/audio/isolate.ts';
import { makeInputs } from './audio-inputs.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    formats: {
      type: 'string',
      default:
        'wav-44k-stereo-pcm16,mp3-44k-stereo-128k,flac-44k-stereo,m4a-aac-moov-at-end,webm-opus-stereo-64k,ogg-opus-stereo-64k',
    },
    child: { type: 'string' },
  },
});

const MB = 1e6;

async function child(file: string) {
  globalThis.gc?.();
  const before = process.memoryUsage();
  let peak = before.rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const t0 = performance.now();
  const audio = await ingestIsolated(createReadStream(file, { highWaterMark: 1 << 20 }), {
    targetRate: 16000,
    minSamples: 16000,
    maxDurationS: 6 * 3600,
    maxBytes: 8 * 1024 ** 3,
    timeLimitMs: 900_000,
    memoryLimitMb: 16_384,
  });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  const outputBytes = audio.samples.byteLength;
  process.stdout.write(
    JSON.stringify({
      duration_s: Math.round(audio.durationS),
      seconds_to_ingest: Math.round(performance.now() - t0) / 1000,
      output_16k_float_mb: Math.round(outputBytes / MB),
      rss_before_mb: Math.round(before.rss / MB),
      rss_peak_mb: Math.round(peak / MB),
      peak_growth_mb: Math.round((peak - before.rss) / MB),
      peak_growth_over_output: Math.round(((peak - before.rss) / outputBytes) * 100) / 100,
    }),
  );
}

if (values.child) await child(values.child);
else {
  const minutes = Number(values.minutes);
  const { inputs, cleanup } = makeInputs(minutes * 60, values.formats!.split(','));
  try {
    const self = fileURLToPath(import.meta.url);
    const results = inputs.map((input) => {
      const out = execFileSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', self, '--child', input.file],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      return { format: input.name, file_mb: Math.round(input.bytes / MB), ...JSON.parse(out) };
    });
    const bound = 2 * minutes * 60 * 16000 * 4;
    process.stdout.write(
      `${JSON.stringify({ bench: 'audio-memory', minutes, bound_mb: Math.round(bound / MB), results }, null, 2)}\n`,
    );
  } finally {
    cleanup();
  }
}
