/**
 * ingestIsolated: `ingest` in a worker thread, with a hard time bound and memory bounds.
 *
 * Why a thread: the decoders are WebAssembly; one stuck in a loop on a hostile file never returns to the event
 * loop, so no in-thread timer can stop it. Worker.terminate() can. Why these bounds:
 *  - time: terminate() when decoding has taken longer than its budget (time spent waiting for the source excluded;
 *    default 50 ms per second of the longest accepted audio, at least 60 s) → `corrupt_audio`; a source that
 *    delivers nothing for that long is a plain error instead (a slow download is not a bad file: the worker retries);
 *  - JS heap: the thread's resourceLimits (maxOldGenerationSizeMb); exceeding it kills only the thread →
 *    `corrupt_audio`;
 *  - everything else (typed arrays and WASM memories live outside the JS heap): the parent samples the process's
 *    resident set every 100 ms and terminates the thread when the job has grown it by more than its budget
 *    (default: twice the largest allowed output at the model's rate, plus 256 MiB) → `corrupt_audio`.
 * The parent streams the source to the thread with two chunks in flight (bounded input memory) and receives the
 * 16 kHz samples by transfer, without a copy. Threads are kept warm and reused (one costs ~0.4 s to start, most
 * of it loading tsx, and the first is started when this module loads); a terminated thread is replaced on the next
 * call.
 */
import { Worker } from 'node:worker_threads';
import { AudioError, corrupt } from './errors.ts';
import { defaultTimeLimitMs, type AudioInfo, type IngestOptions, type PreparedAudio } from './ingest.ts';
import type { FromThread, ToThread } from './ingest-thread.ts';

export interface IsolatedIngestOptions extends IngestOptions {
  /** Growth of the process's resident memory allowed for this job, in MiB (default: see above). */
  memoryLimitMb?: number;
}

const ENTRY = new URL('./ingest-thread-boot.mjs', import.meta.url);
const HEAP_LIMIT_MB = 512;
const MAX_IDLE = 2;
const WATCH_MS = 100;

const idle: Worker[] = [];
let active = 0;

function acquire(): Worker {
  const worker =
    idle.pop() ?? new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
  worker.removeAllListeners();
  worker.ref();
  return worker;
}

function release(worker: Worker, healthy: boolean): void {
  worker.removeAllListeners();
  if (healthy && idle.length < MAX_IDLE) {
    worker.unref(); // an idle thread must not keep the process (CLI, tests) alive
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      const i = idle.indexOf(worker);
      if (i >= 0) idle.splice(i, 1);
    });
    idle.push(worker);
  } else void worker.terminate();
}

/**
 * Starts one thread in the background when this module is loaded. The processes that import it (the CLI, the
 * worker) ingest soon after, and the thread's start (~0.4 s, mostly loading tsx) then overlaps their own start-up
 * (onnxruntime, the model) instead of delaying the first file. The thread is unreferenced: it never keeps a
 * process alive.
 */
setImmediate(() => {
  if (!idle.length && !active) release(acquire(), true);
});

/**
 * Default memory budget: twice the largest output the limits allow, plus 256 MiB: room for the output itself (held
 * once), a held M4A, the decoders' state and the thread's own start-up, with a margin against false alarms.
 */
export function defaultMemoryLimitMb(options: IngestOptions): number {
  return Math.ceil((2 * options.maxDurationS * options.targetRate * 4) / 2 ** 20) + 256;
}

/** Same contract as `ingest`; decoding runs in a worker thread that is terminated if it exceeds its bounds. */
export function ingestIsolated(
  source: AsyncIterable<Uint8Array>,
  options: IsolatedIngestOptions,
): Promise<PreparedAudio> {
  return runIsolated(source, options, undefined) as Promise<PreparedAudio>;
}

/** What a streaming consumer of ingestIsolatedBlocks is told. */
export interface IsolatedIngestEvents {
  /**
   * A block of 16 kHz mono samples, owned by the callee. A returned promise holds back further reading from the
   * source until it settles (back-pressure: decoding runs ahead by at most what is already in flight).
   */
  block(samples: Float32Array): void | Promise<void>;
  declared?(durationS: number): void;
}

/**
 * Same contract as `ingestBlocks`, isolated like ingestIsolated: samples reach `events.block` about a second at a
 * time while the file decodes, so the consumer (the chunk pipeline) works while decoding goes on.
 */
export function ingestIsolatedBlocks(
  source: AsyncIterable<Uint8Array>,
  options: IsolatedIngestOptions,
  events: IsolatedIngestEvents,
): Promise<AudioInfo> {
  return runIsolated(source, options, events) as Promise<AudioInfo>;
}

function runIsolated(
  source: AsyncIterable<Uint8Array>,
  options: IsolatedIngestOptions,
  events: IsolatedIngestEvents | undefined,
): Promise<PreparedAudio | AudioInfo> {
  const { memoryLimitMb = defaultMemoryLimitMb(options), ...ingestOptions } = options;
  const limitMs = options.timeLimitMs ?? defaultTimeLimitMs(options.maxDurationS);
  const worker = acquire();
  const it = source[Symbol.asyncIterator]();
  let baseline = process.memoryUsage.rss();
  active++;
  return new Promise<PreparedAudio | AudioInfo>((resolve, reject) => {
    let settled = false;
    let ended = false;
    let reading = Promise.resolve();
    /** The consumer's work on the blocks received so far; reading waits for it (back-pressure). */
    let consumer = Promise.resolve();
    const started = Date.now();
    let waited = 0; // ms the parent spent waiting for the source or the consumer
    let readSince: number | undefined; // start of the read in progress
    const settle = (healthy: boolean, error?: unknown, value?: PreparedAudio | AudioInfo) => {
      if (settled) return;
      settled = true;
      active--;
      clearInterval(watch);
      release(worker, healthy);
      if (!ended) void Promise.resolve(it.return?.()).catch(() => undefined);
      if (error) reject(error);
      else resolve(value!);
    };
    const post = (message: ToThread, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);
    const pull = async () => {
      if (ended || settled) return;
      readSince = Date.now();
      const next = await consumer
        .then(() => it.next())
        .finally(() => {
          waited += Date.now() - readSince!;
          readSince = undefined;
        });
      if (settled) return;
      if (next.done) {
        ended = true;
        post({ type: 'end' });
      } else {
        const copy = new Uint8Array(next.value); // its own buffer, so it can be transferred
        post({ type: 'data', chunk: copy }, [copy.buffer]);
      }
    };
    worker.on('message', (message: FromThread) => {
      if (message.type === 'pull') {
        // A failing source (network, S3) is not an audio problem: reject with its error; the thread is mid-job.
        reading = reading.then(pull).catch((error) => settle(false, error));
      } else if (message.type === 'block') {
        consumer = consumer.then(() => events?.block(message.samples));
        consumer.catch((error) => settle(false, error));
      } else if (message.type === 'declared') {
        events?.declared?.(message.durationS);
      } else if (message.type === 'done') {
        const { format, ...rest } = message.result;
        const value = { ...rest, format: format as PreparedAudio['format'] };
        void consumer.then(() => settle(true, undefined, value)).catch(() => undefined);
      } else if (message.code) {
        settle(true, new AudioError(message.code as AudioError['code'], message.message));
      } else settle(true, new Error(`audio ingestion failed: ${message.message}`));
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
        settle(
          false,
          corrupt(`decoding needed more than ${HEAP_LIMIT_MB} MiB of heap; the file is probably malformed`),
        );
      else settle(false, error);
    });
    worker.on('exit', (code) => settle(false, new Error(`the audio decoding thread exited (code ${code})`)));
    // Every 100 ms: the decoding time (source waits excluded), a stalled source, and the memory budget.
    const watch = setInterval(() => {
      const now = Date.now();
      const stalled = readSince === undefined ? 0 : now - readSince;
      if (now - started - waited - stalled > limitMs)
        settle(false, corrupt(`decoding took longer than ${limitMs} ms; the file is probably malformed`));
      else if (stalled > limitMs)
        settle(false, new Error(`the audio source delivered nothing for ${stalled} ms`));
      // Growth over the lowest resident size seen during this job: memory that other work (a terminated
      // thread, a collected buffer) hands back after the job starts must not hide what this job takes.
      const rss = process.memoryUsage.rss();
      baseline = Math.min(baseline, rss);
      const grown = (rss - baseline) / 2 ** 20;
      if (grown > memoryLimitMb * Math.max(1, active))
        settle(
          false,
          corrupt(`decoding needed more than ${memoryLimitMb} MiB; the file is probably malformed`),
        );
    }, WATCH_MS);
    watch.unref();
    post({ type: 'start', options: ingestOptions, stream: events !== undefined });
  });
}
