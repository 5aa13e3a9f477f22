/**
 * The worker-thread side of ingestIsolated (isolate.ts): runs `ingest` on bytes the parent streams in. A collecting
 * job sends the prepared samples back at the end by transfer (no copy); a streaming job sends them in blocks of
 * about a second as they are decoded. One job at a time; the thread stays warm between jobs.
 *
 * Protocol, parent → thread: {type:'start', options, stream}, then {type:'data', chunk} per requested chunk and
 * {type:'end'}. Thread → parent: {type:'pull'} asks for one more chunk (two are kept in flight, so reading overlaps
 * decoding); a streaming job also sends {type:'declared', durationS} once and {type:'block', samples} as it goes;
 * then {type:'done', result} or {type:'error', code?, message}.
 */
import { parentPort } from 'node:worker_threads';
import { AudioError } from './errors.ts';
import { ingest, ingestBlocks, type AudioInfo, type IngestOptions, type PreparedAudio } from './ingest.ts';

export type ToThread =
  | { type: 'start'; options: IngestOptions; stream: boolean }
  | { type: 'data'; chunk: Uint8Array }
  | { type: 'end' };
export type FromThread =
  | { type: 'pull' }
  | { type: 'declared'; durationS: number }
  | { type: 'block'; samples: Float32Array }
  | { type: 'done'; result: PreparedAudio | AudioInfo }
  | { type: 'error'; code?: string; message: string };

const IN_FLIGHT = 2;
/** Output samples per block message: a second at 16 kHz, so a message costs little next to its samples. */
const BLOCK_SAMPLES = 16384;
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

/** Gathers decoded output into blocks of BLOCK_SAMPLES and posts each one, transferred. */
function blockPoster() {
  let block = new Float32Array(BLOCK_SAMPLES);
  let filled = 0;
  const flush = () => {
    if (!filled) return;
    const out = filled === block.length ? block : block.slice(0, filled);
    post({ type: 'block', samples: out }, [out.buffer as ArrayBuffer]);
    block = new Float32Array(BLOCK_SAMPLES);
    filled = 0;
  };
  const push = (samples: Float32Array) => {
    for (let offset = 0; offset < samples.length;) {
      const n = Math.min(samples.length - offset, block.length - filled);
      block.set(samples.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === block.length) flush();
    }
  };
  return { push, flush };
}

async function run(options: IngestOptions, stream: boolean): Promise<void> {
  queue = [];
  ended = false;
  for (let i = 0; i < IN_FLIGHT; i++) post({ type: 'pull' });
  try {
    if (stream) {
      const blocks = blockPoster();
      const info = await ingestBlocks(source(), options, {
        block: blocks.push,
        declared: (durationS) => post({ type: 'declared', durationS }),
      });
      blocks.flush();
      post({ type: 'done', result: info });
    } else {
      const r = await ingest(source(), options);
      post({ type: 'done', result: r }, [r.samples.buffer as ArrayBuffer]);
    }
  } catch (error) {
    if (error instanceof AudioError) post({ type: 'error', code: error.code, message: error.message });
    else post({ type: 'error', message: (error as Error)?.stack ?? String(error) });
  }
}

port.on('message', (message: ToThread) => {
  if (message.type === 'start') void run(message.options, message.stream);
  else {
    if (message.type === 'data') queue.push(message.chunk);
    else ended = true;
    wake?.();
    wake = undefined;
  }
});
