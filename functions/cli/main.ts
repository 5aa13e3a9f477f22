/**
 * `realtone analyze FILE...`: the worker's decode → chunk → inference core on local files, no server needed.
 * Prints one JSON line per file on stdout (format in README, kept stable for other tools); logs go to stderr.
 * Exit status: 0 when every file was analysed, 1 when any file failed, 2 on a usage or model error.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { analyzeAudio, ranExtractors, type AnalysisResult } from '../core/detection/analyze.ts';
import type { ExtractorCatalog } from '../core/extractors/catalog.ts';
import { resolveExtractors, type ExtractorName } from '../core/extractors/registry.ts';
import { InferenceQueue } from '../core/pipeline/inference-queue.ts';
import { PendingDetector } from '../core/pipeline/pending-detector.ts';
import { loadManifest } from '../inference/manifest.ts';
import { extractorCatalogFromConfig } from '../worker/extractor-catalog.ts';
import { loadConfig, resolveProjectPath } from '../shared/config.ts';
import { isRealToneError } from '../shared/errors.ts';
import { expandInputs, totalBytes } from './file-list.ts';
import { SAFE_COMMAND_LINE_BYTES, analyzeInChild, commandLineBytes } from './long-command-line.ts';
import { ManifestWriter } from './manifest-writer.ts';

const USAGE = `usage: realtone analyze [--model path/to/model.json] [--threads N] [--extractors pitch,tempo,vad]
                         [--manifest DIR] [--files-from LIST|-] FILE|DIR...
       realtone stream [--realtime] [--hop S] [--url URL | --local] FILE   (realtone stream --help)
       realtone --version

Analyses audio files for synthetic speech and prints one JSON line per file.
  --model     model manifest (default: $MODEL_MANIFEST or the bundled default model)
  --threads   onnxruntime intra-op threads (default: $INFERENCE_THREADS or automatic)
  --extractors  comma-separated extractors to run beside the detector: pitch, tempo, vad (deepfake always runs);
              adds "features" to each line and to each chunk (docs/extractors.md)
  --manifest  also write an audio_manifest_v1 JSON per file into DIR (DIR/<file name>.json)
  --files-from  also analyse the files listed in LIST, one per line or NUL-separated (- reads stdin); repeatable
A directory stands for the audio files under it, recursively (by extension: .wav .mp3 .flac .ogg .opus .m4a ...).
Limits: $MAX_DURATION_SECONDS (default 3600) and $MAX_UPLOAD_BYTES (default 200 MiB).`;

export function formatSuccess(file: string, r: AnalysisResult) {
  return {
    file,
    ok: true,
    duration_s: r.duration_s,
    sample_rate_in: r.sample_rate_in,
    chunks: r.chunks.map((c) => ({
      index: c.index,
      start_s: c.start_s,
      end_s: c.end_s,
      score: c.score,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.features ? { features: c.features } : {}),
    })),
    overall: { label: r.overall.label, score: r.overall.score, confidence: r.overall.confidence },
    model: { name: r.model.name, version: r.model.version },
    ...(r.features ? { features: r.features } : {}),
    ...(r.warnings ? { warnings: r.warnings } : {}),
  };
}

export function formatFailure(file: string, error: unknown) {
  const code = isRealToneError(error) ? error.code : 'internal_error';
  const message = error instanceof Error ? error.message : String(error);
  return { file, ok: false, error: { code, message } };
}

/** What analysing one file needs: the shared queue, the limits, the chosen extractors, where manifests go. */
interface FileRun {
  inference: InferenceQueue;
  limits: { maxBytes: number; maxDurationS: number };
  extractors: { names: readonly ExtractorName[]; catalog: ExtractorCatalog };
  manifests?: ManifestWriter;
  /** Called once, as the first file starts to be read (REALTONE_TRACE_START). */
  onFirstRead?: () => void;
}

/** The start-up mark of REALTONE_TRACE_START: when the first file starts to be read. */
function traceFirstRead(): void {
  const sinceStart = performance.now(); // performance's origin is the process's start
  const line = { trace: 'first_read', epoch_ms: performance.timeOrigin + sinceStart, process_ms: sinceStart };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

async function analyzeFile(file: string, run: FileRun) {
  const line = await analyzeOne(file, run);
  if (run.manifests && 'error' in line) await run.manifests.write(file, { error: line.error }, {});
  return line;
}

async function analyzeOne(file: string, { inference, limits, extractors, manifests, onFirstRead }: FileRun) {
  try {
    const info = await stat(file).catch((cause) => {
      throw Object.assign(
        new Error(`cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? cause}`),
        {
          code: 'file_unreadable',
        },
      );
    });
    if (!info.isFile())
      throw Object.assign(new Error(`${file} is not a regular file`), { code: 'file_unreadable' });
    const started = performance.now();
    onFirstRead?.();
    const result = await analyzeAudio(createReadStream(file, { highWaterMark: 1 << 20 }), inference, {
      ...limits,
      sourceBytes: info.size,
      extractors,
    });
    const total = { total_ms: Math.round(performance.now() - started) };
    if (manifests) await manifests.write(file, { result }, total);
    return formatSuccess(file, result);
  } catch (error) {
    const plain = error as { code?: unknown };
    if (!isRealToneError(error) && plain?.code === 'file_unreadable') {
      return { file, ok: false, error: { code: 'file_unreadable', message: (error as Error).message } };
    }
    return formatFailure(file, error);
  }
}

export async function main(argv: string[]): Promise<number> {
  // zod compiles a fast path for each schema on its first parse, which pays off in a server that parses the same
  // shapes many times; a CLI run parses its config and manifest once, and interpreting them is 30 ms faster.
  z.config({ jitless: true });
  if (argv[0] === 'stream') {
    const { streamCommand } = await import('./stream-command.ts');
    return streamCommand(argv.slice(1));
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        threads: { type: 'string' },
        extractors: { type: 'string' },
        manifest: { type: 'string' },
        'files-from': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.version) {
    const { version } = JSON.parse(readFileSync(resolveProjectPath('package.json'), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`realtone ${version}\n`);
    return 0;
  }
  const [command, ...args] = parsed.positionals;
  const filesFrom = parsed.values['files-from'] ?? [];
  if (parsed.values.help || command !== 'analyze' || (args.length === 0 && filesFrom.length === 0)) {
    process.stderr.write(`${USAGE}\n`);
    return parsed.values.help ? 0 : 2;
  }
  let files: string[];
  try {
    files = await expandInputs(args, filesFrom);
  } catch (error) {
    process.stderr.write(`realtone: cannot read the file list: ${(error as Error).message}\n`);
    return 2;
  }
  if (files.length === 0) {
    process.stderr.write('realtone: no audio files to analyse\n');
    return 2;
  }
  if (commandLineBytes() > SAFE_COMMAND_LINE_BYTES) {
    // onnxruntime crashes in a process with a long command line: analyse in one started with a short one.
    const options = (['model', 'threads', 'extractors', 'manifest'] as const).flatMap((name) =>
      parsed.values[name] === undefined ? [] : [`--${name}`, parsed.values[name]],
    );
    return analyzeInChild(options, files);
  }
  let names: ExtractorName[];
  try {
    names = resolveExtractors(parsed.values.extractors?.split(',').map((n) => n.trim()));
  } catch (error) {
    process.stderr.write(`realtone: --extractors: ${(error as Error).message}\n`);
    return 2;
  }
  let detector: PendingDetector;
  let catalog: ExtractorCatalog;
  let queueOptions: { maxBatch?: number; maxWaitMs: number };
  let limits: { maxBytes: number; maxDurationS: number };
  let trace = false;
  try {
    const env = { ...process.env };
    if (parsed.values.model) env.MODEL_MANIFEST = parsed.values.model;
    if (parsed.values.threads) env.INFERENCE_THREADS = parsed.values.threads;
    const config = loadConfig(['model', 'limits', 'extractors', 'cli'], env);
    trace = config.REALTONE_TRACE_START;
    limits = { maxBytes: config.MAX_UPLOAD_BYTES, maxDurationS: config.MAX_DURATION_SECONDS };
    queueOptions = { maxBatch: config.INFERENCE_MAX_BATCH, maxWaitMs: config.INFERENCE_MAX_WAIT_MS };
    const manifest = parsed.values.model ? parsed.values.model : resolveProjectPath(config.MODEL_MANIFEST);
    // The model loads (onnxruntime, checksum, session; in a pool of threads for a large input) while the first
    // file is read and decoded.
    const { manifest: contract } = await loadManifest(manifest);
    const { POOL_MIN_INPUT_BYTES, detectorOptions, inferenceWorkers, loadDetector } =
      await import('../inference/load-detector.ts');
    const inputBytes = await totalBytes(files, POOL_MIN_INPUT_BYTES);
    // No probe run: the first batch proves the output shape, and a model that fails it is still a model error.
    const options = { ...detectorOptions(config), probe: false };
    // Decided once here: the queue sizes itself by it before the model has loaded.
    const workers = inferenceWorkers(options.workers, { ...options, shortLived: true, inputBytes });
    detector = new PendingDetector(
      contract,
      loadDetector(manifest, { ...options, workers }),
      Math.max(1, workers),
    );
    catalog = await extractorCatalogFromConfig(config);
  } catch (error) {
    process.stderr.write(`realtone: ${(error as Error).message}\n`);
    return 2;
  }
  const inference = new InferenceQueue(detector, queueOptions);
  let manifests: ManifestWriter | undefined;
  if (parsed.values.manifest !== undefined) {
    manifests = new ManifestWriter(
      parsed.values.manifest,
      detector.manifest,
      ranExtractors(names, detector.manifest),
    );
    try {
      await manifests.prepare();
    } catch (error) {
      process.stderr.write(
        `realtone: cannot create ${parsed.values.manifest}: ${(error as Error).message}\n`,
      );
      await detector.close();
      return 2;
    }
  }
  let failed = 0;
  let onFirstRead = trace ? traceFirstRead : undefined;
  for (const [i, file] of files.entries()) {
    const run = { inference, limits, extractors: { names, catalog }, manifests, onFirstRead };
    onFirstRead = undefined;
    const line = await analyzeFile(file, run);
    if (i === 0) {
      // A model that fails to load, or whose first run has the wrong output shape, is a model error (exit 2, no
      // result lines).
      const failure = await detector.ready.then(
        () =>
          'error' in line && line.error.code === 'model_mismatch' ? new Error(line.error.message) : undefined,
        (error: unknown) => error as Error,
      );
      if (failure) {
        process.stderr.write(`realtone: ${failure.message}\n`);
        await catalog.close();
        return 2;
      }
    }
    if (!line.ok) failed++;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  await Promise.all([detector.close(), catalog.close()]);
  return failed ? 1 : 0;
}
