/**
 * DetectorPool: the Detector port over several worker threads, each with its own onnxruntime session (one
 * OnnxDetector per thread, detector-thread.ts). onnxruntime-node runs a session on the calling thread, so one
 * session scores one batch at a time, and on a 2-core machine one session with 2 intra-op threads used the cores
 * less well than two single-threaded sessions side by side (docs/performance.md). The inference queue keeps
 * `concurrency` batches in flight. Loading also leaves the calling thread free: it decodes while the threads load.
 *
 * A thread that ends unexpectedly (an uncaught error) fails only its own batch, with `inference_failed`, and is
 * replaced by a new one; nothing waits forever. A thread is never terminated from outside: Worker.terminate()
 * while onnxruntime runs in it aborts the whole process. close() asks each thread to finish its batch and end.
 */
import { Worker } from 'node:worker_threads';
import type { Detector } from '../ports/detector.ts';
import { InferenceRunError, ManifestError, ModelMismatchError } from './errors.ts';
import { loadManifest, type ModelManifest } from './manifest.ts';
import type { DetectorOptions } from './onnx-detector.ts';
import type { DetectorThreadData, FromDetectorThread, ToDetectorThread } from './detector-thread.ts';

const ENTRY = new URL('./detector-thread-boot.mjs', import.meta.url);

export interface PoolOptions extends DetectorOptions {
  /** Threads, each with one session (at least 1). */
  workers: number;
}

interface Call {
  resolve: (scores: Float32Array) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Settles when the thread's model has loaded (or failed to). */
  ready: Promise<'cpu' | 'cuda'>;
  busy: boolean;
  exited: boolean;
  call?: Call;
}

/** Rebuilds a thread's error as the same coded error on this side. */
function errorFrom(code: string, message: string): Error {
  if (code === 'model_mismatch') return new ModelMismatchError(message);
  if (code === 'model_manifest_invalid') return new ManifestError(message);
  return new InferenceRunError(message);
}

export class DetectorPool implements Detector {
  readonly concurrency: number;
  private deviceInUse: 'cpu' | 'cuda' = 'cpu';
  private readonly slots: Slot[] = [];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private closing = false;

  private constructor(
    readonly manifest: ModelManifest,
    private readonly data: DetectorThreadData,
    workers: number,
  ) {
    this.concurrency = workers;
    for (let i = 0; i < workers; i++) {
      const slot = { busy: false, exited: false } as Slot;
      this.start(slot);
      this.slots.push(slot);
    }
  }

  /** Starts the threads and resolves once every one has loaded the model; the first failure rejects. */
  static async load(manifestPath: string, options: PoolOptions): Promise<DetectorPool> {
    const { manifest } = await loadManifest(manifestPath);
    const { workers, ...detector } = options;
    const pool = new DetectorPool(manifest, { manifestPath, options: detector }, Math.max(1, workers));
    try {
      await Promise.all(pool.slots.map((slot) => slot.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get device(): 'cpu' | 'cuda' {
    return this.deviceInUse;
  }

  async score(batch: Float32Array, count: number): Promise<Float32Array> {
    const window = this.manifest.input.shape[1];
    if (count < 1 || batch.length < count * window) {
      throw new InferenceRunError(`batch holds ${batch.length} samples, too few for ${count} chunks`);
    }
    if (this.closing) throw new InferenceRunError('the detector is closed');
    const slot = await this.acquire();
    let worker: Worker | undefined;
    try {
      await slot.ready;
      worker = slot.worker;
      const input = batch.slice(0, count * window); // transferred to the thread: the caller keeps its buffer
      worker.ref();
      return await new Promise<Float32Array>((resolve, reject) => {
        slot.call = { resolve, reject };
        const message: ToDetectorThread = { type: 'score', batch: input, count };
        worker!.postMessage(message, [input.buffer as ArrayBuffer]);
      });
    } finally {
      slot.call = undefined;
      worker?.unref(); // the thread that ran it: a replacement keeps its reference while it loads
      this.release(slot);
    }
  }

  /** Each thread finishes the batch it runs, releases its session and ends. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async ({ worker, exited: gone }) => {
        if (gone) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.ref();
        worker.postMessage({ type: 'close' } satisfies ToDetectorThread);
        await exited;
      }),
    );
  }

  private acquire(): Promise<Slot> {
    const free = this.slots.find((slot) => !slot.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  }

  /** (Re)starts the slot's thread; an unexpected exit fails its batch and starts a new one. */
  private start(slot: Slot): void {
    // Referenced while it loads (a process awaiting the model must not exit meanwhile), then not: an idle pool never
    // keeps a process alive; score() and close() hold a reference while they wait for the thread.
    const worker = new Worker(ENTRY, { workerData: this.data });
    let loaded = false;
    slot.worker = worker;
    slot.exited = false;
    slot.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromDetectorThread) => {
        if (message.type === 'ready') {
          loaded = true;
          if (!slot.call) worker.unref();
          this.deviceInUse = message.device;
          resolve(message.device);
        } else if (message.type === 'scores') slot.call?.resolve(message.scores);
        else if (!loaded) reject(errorFrom(message.code, message.message));
        else slot.call?.reject(errorFrom(message.code, message.message));
      });
      worker.on('error', (error) => {
        const failure = new InferenceRunError(`the inference thread failed: ${error.message}`, {
          cause: error,
        });
        if (!loaded) reject(failure);
        slot.call?.reject(failure);
      });
      worker.on('exit', (code) => {
        slot.exited = true;
        const failure = new InferenceRunError(`the inference thread exited (code ${code})`);
        if (!loaded) reject(failure);
        slot.call?.reject(failure);
        if (loaded && !this.closing) this.start(slot);
      });
    });
    slot.ready.catch(() => undefined); // seen by load() or by the score() that awaits it
  }
}
