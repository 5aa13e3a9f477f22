/**
 * The one module that owns onnxruntime-node. Everything else sees the `Detector` port (functions/ports/detector.ts):
 * a batch of prepared chunks in, one P(synthetic) per chunk out. Sessions are created once per process; inputs are checked against the
 * session's input names and the manifest at load time, and shapes are logged when a run fails.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { Detector } from '../ports/detector.ts';
import { cudaProviderInstalled } from './cuda-provider.ts';
import { getLogger } from '../shared/logger.ts';
import { InferenceRunError, ModelMismatchError } from './errors.ts';
import { optimizedGraphPath } from './graph-cache.ts';
import { loadManifest, sha256File, type ModelManifest } from './manifest.ts';

export interface DetectorOptions {
  /** intra-op threads; 0 lets onnxruntime choose. */
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  /** Check the file against the manifest's sha256 (default true). */
  verifyChecksum?: boolean;
  /** Pool threads spin between parallel sections (INFERENCE_SPIN; default false: they sleep). */
  spinning?: boolean;
  /** Keep onnxruntime's optimised graph here between processes (graph-cache.ts; INFERENCE_GRAPH_CACHE). */
  graphCacheDir?: string;
  /**
   * Prove the output shape with a two-chunk run at load (default true: a server is ready only with a model that
   * runs). false: the first real batch proves it instead, and a process that scores one short file saves a run.
   */
  probe?: boolean;
}

const log = getLogger('inference');

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * A CPU session, from the cached optimised graph when there is one; else the model is optimised and, with a cache
 * directory, the result written there (to a temporary name, then renamed, so a reader never sees half a file). A
 * cache that cannot be read or written is skipped: it only saves time.
 */
async function createCpuSession(
  modelPath: string,
  base: ort.InferenceSession.SessionOptions,
  cacheDir: string | undefined,
  sha256: string | undefined,
) {
  const options = { ...base, executionProviders: ['cpu'] };
  if (!cacheDir || !sha256) return ort.InferenceSession.create(modelPath, options);
  const cached = optimizedGraphPath(cacheDir, sha256);
  if (existsSync(cached)) {
    try {
      return await ort.InferenceSession.create(cached, { ...options, graphOptimizationLevel: 'disabled' });
    } catch (cause) {
      log.warn('cached optimised graph unusable; optimising the model again', {
        file: cached,
        reason: (cause as Error).message.split('\n')[0],
      });
      await rm(cached, { force: true });
    }
  }
  const temp = `${cached}.${process.pid}-${threadId}.tmp`;
  try {
    await mkdir(cacheDir, { recursive: true });
    // Severity 3: onnxruntime warns, rightly, that the file fits only this machine; the file name says so.
    const session = await ort.InferenceSession.create(modelPath, {
      ...options,
      optimizedModelFilePath: temp,
      logSeverityLevel: 3,
    });
    await rename(temp, cached).catch(() => rm(temp, { force: true }));
    return session;
  } catch (cause) {
    await rm(temp, { force: true });
    log.debug('optimised graph not cached', { dir: cacheDir, reason: (cause as Error).message });
    return ort.InferenceSession.create(modelPath, options);
  }
}

async function createSession(modelPath: string, options: DetectorOptions, sha256: string | undefined) {
  const spin = options.spinning ? '1' : '0';
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    // onnxruntime's pool threads spin between parallel sections unless told not to: on a machine with few cores
    // they take the CPU the decoding thread needs to run beside inference, and on a shared machine they spin while
    // another process holds the core. Off unless configured (INFERENCE_SPIN); bench:pipeline-warm measures both.
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
  const device = options.device ?? 'auto';
  if (device === 'cuda' || (device === 'auto' && cudaProviderInstalled())) {
    try {
      const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cuda'] });
      return { session, device: 'cuda' as const };
    } catch (cause) {
      if (device === 'cuda') {
        throw new ModelMismatchError(
          `INFERENCE_DEVICE=cuda but the CUDA provider failed: ${(cause as Error).message}`,
          {
            cause,
          },
        );
      }
      log.info('CUDA execution provider unavailable; using CPU', {
        reason: (cause as Error).message.split('\n')[0],
      });
    }
  }
  const session = await createCpuSession(modelPath, base, options.graphCacheDir, sha256);
  return { session, device: 'cpu' as const };
}

export class OnnxDetector implements Detector {
  /** False until a run has shown the output shape the manifest declares (probe or first batch). */
  private shapeProven = true;

  private constructor(
    readonly manifest: ModelManifest,
    readonly device: 'cpu' | 'cuda',
    private readonly session: ort.InferenceSession,
  ) {}

  /** Loads the manifest and model, and refuses a model that disagrees with its manifest. */
  static async load(manifestPath: string, options: DetectorOptions = {}): Promise<OnnxDetector> {
    const { manifest, modelPath } = await loadManifest(manifestPath);
    if (options.verifyChecksum !== false) {
      let digest: string;
      try {
        digest = await sha256File(modelPath);
      } catch (cause) {
        throw new ModelMismatchError(`model file ${modelPath} cannot be read: ${(cause as Error).message}`, {
          cause,
        });
      }
      if (digest !== manifest.sha256) {
        throw new ModelMismatchError(
          `model file ${modelPath} has sha256 ${digest}, manifest says ${manifest.sha256}`,
        );
      }
    }
    let created;
    try {
      // The cache is keyed by the manifest's checksum, so only a model checked against it may use the cache.
      const verified = options.verifyChecksum !== false ? manifest.sha256 : undefined;
      created = await createSession(modelPath, options, verified);
    } catch (cause) {
      if (cause instanceof ModelMismatchError) throw cause;
      throw new ModelMismatchError(`onnxruntime cannot load ${modelPath}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const detector = new OnnxDetector(manifest, created.device, created.session);
    detector.checkSignature();
    if (options.probe === false) detector.shapeProven = false;
    else await detector.checkOutputShape();
    log.info('model loaded', {
      model: manifest.name,
      version: manifest.version,
      fixture: manifest.fixture,
      device: created.device,
      input: manifest.input,
      output: manifest.output,
    });
    if (manifest.fixture) log.warn('this model is a TEST FIXTURE, not a detector; its scores mean nothing');
    return detector;
  }

  /** Input and output names and static dimensions must match the manifest. */
  private checkSignature(): void {
    const { input, output } = this.manifest;
    const names = this.session.inputNames;
    if (names.length !== 1 || names[0] !== input.name) {
      throw new ModelMismatchError(
        `model inputs are [${names.join(', ')}], manifest expects exactly [${input.name}]`,
      );
    }
    if (!this.session.outputNames.includes(output.name)) {
      throw new ModelMismatchError(
        `model outputs are [${this.session.outputNames.join(', ')}], manifest expects ${output.name}`,
      );
    }
    const meta = this.session.inputMetadata[0];
    if (meta?.isTensor) {
      if (meta.type !== 'float32')
        throw new ModelMismatchError(`model input ${input.name} is ${meta.type}, not float32`);
      const shape = meta.shape;
      if (
        shape.length &&
        (shape.length !== 2 || (typeof shape[1] === 'number' && shape[1] !== input.shape[1]))
      ) {
        throw new ModelMismatchError(
          `model input ${input.name} has shape [${shape.join(', ')}], manifest says [${input.shape.join(', ')}]`,
        );
      }
    }
  }

  /** A two-chunk warm-up run proves the output shape and warms the session up. */
  private async checkOutputShape(): Promise<void> {
    const window = this.manifest.input.shape[1];
    const probe = new Float32Array(2 * window);
    for (let i = 0; i < probe.length; i++) probe[i] = Math.sin(i * 0.05) * 0.5 + Math.sin(i * 0.0131);
    this.checkDims((await this.run(probe, 2)).dims, 2);
  }

  private checkDims(dims: readonly number[], count: number): void {
    const ok =
      this.manifest.output.kind === 'two_class_logits'
        ? dims.length === 2 && dims[0] === count && dims[1] === 2
        : dims[0] === count && (dims.length === 1 || (dims.length === 2 && dims[1] === 1));
    if (!ok) {
      throw new ModelMismatchError(
        `model output ${this.manifest.output.name} has shape [${dims.join(', ')}] for a batch of ${count}; manifest says [${this.manifest.output.shape.join(', ')}] (${this.manifest.output.kind})`,
      );
    }
    this.shapeProven = true;
  }

  private async run(batch: Float32Array, count: number): Promise<ort.Tensor> {
    const { input, output } = this.manifest;
    const dims = [count, input.shape[1]];
    try {
      const tensor = new ort.Tensor('float32', batch.subarray(0, count * input.shape[1]), dims);
      const result = await this.session.run({ [input.name]: tensor }, [output.name]);
      const out = result[output.name];
      if (!out) throw new Error(`no output named ${output.name}`);
      return out;
    } catch (cause) {
      log.error('inference failed', {
        model: this.manifest.name,
        inputDims: dims,
        error: (cause as Error).message,
      });
      throw new InferenceRunError(
        `inference failed for input [${dims.join(', ')}]: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }

  /** The graph's raw output values for `count` chunks (parity checks and benchmarks). */
  async raw(batch: Float32Array, count: number): Promise<Float32Array> {
    return (await this.run(batch, count)).data as Float32Array;
  }

  async score(batch: Float32Array, count: number): Promise<Float32Array> {
    if (count < 1 || batch.length < count * this.manifest.input.shape[1]) {
      throw new InferenceRunError(`batch holds ${batch.length} samples, too few for ${count} chunks`);
    }
    const out = await this.run(batch, count);
    if (!this.shapeProven) this.checkDims(out.dims, count);
    const values = out.data as Float32Array;
    const probs = new Float32Array(count);
    const { kind, fake_index } = this.manifest.output;
    for (let i = 0; i < count; i++) {
      let p: number;
      if (kind === 'logit') p = sigmoid(values[i]!);
      else if (kind === 'probability') p = values[i]!;
      else {
        const a = values[2 * i]!;
        const b = values[2 * i + 1]!;
        const fake = fake_index === 0 ? a : b;
        const real = fake_index === 0 ? b : a;
        p = sigmoid(fake - real); // softmax over two classes
      }
      if (!(p >= 0 && p <= 1)) {
        log.error('model produced an invalid score', {
          model: this.manifest.name,
          value: values[i],
          dims: out.dims,
        });
        throw new InferenceRunError(`model produced ${values[i]} for chunk ${i}, not a valid ${kind}`);
      }
      probs[i] = p;
    }
    return probs;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
