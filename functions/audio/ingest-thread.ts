/**
 * The worker-thread side of ingestIsolated (isolate.ts): runs `ingest` on bytes the parent streams in, and sends
 * the prepared samples back by transfer (no copy). One job at a time; the thread stays warm between jobs.
 *
 * Protocol, parent → thread: {type:'start', options}, then {type:'data', chunk} per requested chunk and {type:'end'}.
 * Thread → parent: {type:'pull'} asks for one more chunk (two are kept in flight, so reading overlaps decoding),
 * then {type:'done', result} or {type:'error', code?, message}.
 */
import { parentPort } from 'node:worker_threads';
import { AudioError } from './errors.ts';
import { ingest, type IngestOptions } from './ingest.ts';

export type ToThread =
  { type: 'start'; options: IngestOptions } | { type: 'data'; chunk: Uint8Array } | { type: 'end' };
export type FromThread =
  | { type: 'pull' }
  | {
      type: 'done';
      result: {
        format: string;
        sampleRateIn: number;
        channelsIn: number;
        durationS: number;
        samples: Float32Array;
        sampleRate: number;
      };
    }
  | { type: 'error'; code?: string; message: string };

const IN_FLIGHT = 2;
const port = parentPort!;
const post = (message: FromThread, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

let queue: Uint8Array[] = [];
let ended = false;
let wake: (() => void) | undefined;

async function* source(): AsyncIterable<Uint8Array> {
  for (;;) {
    const chunk = queue.shift();
    if (chunk) {
      if (!ended) post({ type: 'pull' });
      yield chunk;
    } else if (ended) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

async function run(options: IngestOptions): Promise<void> {
  queue = [];
  ended = false;
  for (let i = 0; i < IN_FLIGHT; i++) post({ type: 'pull' });
  try {
    const r = await ingest(source(), options);
    post({ type: 'done', result: r }, [r.samples.buffer as ArrayBuffer]);
  } catch (error) {
    if (error instanceof AudioError) post({ type: 'error', code: error.code, message: error.message });
    else post({ type: 'error', message: (error as Error)?.stack ?? String(error) });
  }
}

port.on('message', (message: ToThread) => {
  if (message.type === 'start') void run(message.options);
  else {
    if (message.type === 'data') queue.push(message.chunk);
    else ended = true;
    wake?.();
    wake = undefined;
  }
});
