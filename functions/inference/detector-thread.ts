/**
 * The thread side of DetectorPool (detector-pool.ts): one OnnxDetector, one onnxruntime session, in a worker
 * thread. onnxruntime-node runs a session on the calling thread and blocks it, so two sessions in one thread take
 * turns; two threads score two batches at once.
 *
 * Protocol. workerData: {manifestPath, options}. Thread → parent: {type:'ready', device} once the model is loaded
 * (checksum, signature, probe run), or {type:'failed', code, message} and the thread ends. Parent → thread:
 * {type:'score', batch, count} (batch transferred) → {type:'scores', scores} (transferred) or
 * {type:'failed', code, message}; {type:'close'} → the session is released and the thread ends. One batch at a
 * time: the pool sends the next only after the answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isRealToneError } from '../shared/errors.ts';
import { OnnxDetector, type DetectorOptions } from './onnx-detector.ts';

export interface DetectorThreadData {
  manifestPath: string;
  options: DetectorOptions;
}
export type ToDetectorThread = { type: 'score'; batch: Float32Array; count: number } | { type: 'close' };
export type FromDetectorThread =
  | { type: 'ready'; device: 'cpu' | 'cuda' }
  | { type: 'scores'; scores: Float32Array }
  | { type: 'failed'; code: string; message: string };

const port = parentPort!;
const { manifestPath, options } = workerData as DetectorThreadData;
const post = (message: FromDetectorThread, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);
const failure = (error: unknown) => ({
  code: isRealToneError(error) ? error.code : 'inference_failed',
  message: error instanceof Error ? error.message : String(error),
});

let detector: OnnxDetector;
try {
  detector = await OnnxDetector.load(manifestPath, options);
  post({ type: 'ready', device: detector.device });
} catch (error) {
  post({ type: 'failed', ...failure(error) });
  port.close();
  process.exit(0); // in a worker thread: ends this thread only
}

port.on('message', async (message: ToDetectorThread) => {
  if (message.type === 'close') {
    await detector.close().catch(() => undefined);
    port.close();
    return;
  }
  try {
    const scores = await detector.score(message.batch, message.count);
    post({ type: 'scores', scores }, [scores.buffer as ArrayBuffer]);
  } catch (error) {
    post({ type: 'failed', ...failure(error) });
  }
});
