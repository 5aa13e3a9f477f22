/**
 * Decode overlapped with inference, in a warm process: a 60 s MP3 against the same 60 s as WAV (44.1 kHz stereo),
 * alternating for BENCH_ROUNDS rounds (default 5) after a warm-up, and a 600 s WAV (16 kHz mono) in × real time,
 * with the share of wall time the model was busy (inference_busy: near 1 means decoding hides behind inference).
 * Inputs: espeak-ng speech encoded by ffmpeg (bench/audio-inputs.ts). Prints JSON with `uptime`.
 *
 *   npm run bench:pipeline-warm
 * The detector loads as a server's does (INFERENCE_WORKERS, default auto: a pool of single-session threads on a
 * multi-core CPU). Then the 600 s WAV again with one session in this thread, in a second detector (or with a pool
 * of two when the first was one session): `wav_600s_x_realtime_other`.
 * Targets (issue 29): MP3 ≤ 1.2× WAV; 600 s WAV ≥ 500× real time.
 */
import { execFileSync } from 'node:child_process';
import { makeInputs } from './audio-inputs.ts';
import { median, round, warmAnalyzer } from './warm-analysis.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const loadBefore = execFileSync('uptime').toString().trim();
const short = makeInputs(60, ['wav-44k-stereo-pcm16', 'mp3-44k-stereo-128k']);
const long = makeInputs(600, ['wav-16k-mono-pcm16']);
const [wav, mp3] = short.inputs;
const wav600 = long.inputs[0]!;
const analyzer = await warmAnalyzer();
const otherWorkers = analyzer.concurrency > 1 ? 0 : 2;
try {
  await analyzer.run(wav!.file); // warm-up: thread, kernels, page cache
  await analyzer.run(mp3!.file);
  const times: Record<string, number[]> = { wav: [], mp3: [], wav600: [] };
  const busy: Record<string, number[]> = { wav: [], mp3: [], wav600: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: [string, string][] = [
      ['wav', wav!.file],
      ['mp3', mp3!.file],
    ];
    if (r % 2) order.reverse();
    for (const [name, file] of order) {
      const run = await analyzer.run(file);
      times[name]!.push(run.ms);
      busy[name]!.push(run.inference_busy);
    }
  }
  for (let r = 0; r < Math.max(2, Math.ceil(ROUNDS / 2)); r++) {
    const run = await analyzer.run(wav600.file);
    times.wav600!.push(run.ms);
    busy.wav600!.push(run.inference_busy);
  }
  // The other way to run the model on the 600 s WAV: a second detector, loaded after this one has gone quiet.
  times.wav600_other = [];
  busy.wav600_other = [];
  const other = await warmAnalyzer(undefined, otherWorkers);
  try {
    await other.run(wav!.file);
    for (let r = 0; r < Math.max(2, Math.ceil(ROUNDS / 2)); r++) {
      const run = await other.run(wav600.file);
      times.wav600_other.push(run.ms);
      busy.wav600_other.push(run.inference_busy);
    }
  } finally {
    await other.close();
  }
  const ms = (k: string) => median(times[k]!);
  const mp3OverWav = ms('mp3') / ms('wav');
  const realtime600 = 600_000 / ms('wav600');
  console.log(
    JSON.stringify(
      {
        bench: 'pipeline-warm',
        rounds: ROUNDS,
        inputs: Object.fromEntries(
          [
            ['wav', wav!],
            ['mp3', mp3!],
            ['wav600', wav600],
          ].map(([k, i]) => [k, { format: (i as typeof wav600).name, bytes: (i as typeof wav600).bytes }]),
        ),
        median_ms: {
          wav_60s: round(ms('wav'), 1),
          mp3_60s: round(ms('mp3'), 1),
          wav_600s: round(ms('wav600'), 1),
        },
        all_ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map((x) => Math.round(x))])),
        inference_busy: Object.fromEntries(Object.entries(busy).map(([k, v]) => [k, round(median(v))])),
        mp3_over_wav: round(mp3OverWav),
        wav_600s_x_realtime: Math.round(realtime600),
        inference_runners: analyzer.concurrency,
        wav_600s_x_realtime_other: {
          inference_workers: otherWorkers,
          x_realtime: Math.round(600_000 / ms('wav600_other')),
        },
        meets_target: { mp3_over_wav_le_1_2: mp3OverWav <= 1.2, wav_600s_ge_500x: realtime600 >= 500 },
        load: { before: loadBefore, after: execFileSync('uptime').toString().trim() },
      },
      null,
      2,
    ),
  );
} finally {
  await analyzer.close();
  short.cleanup();
  long.cleanup();
}
