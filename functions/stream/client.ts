/**
 * A streaming-protocol client (docs/streaming.md) on the `ws` package: used by `realtone stream` and
 * `npm run bench:stream`. It sends the start message, PCM frames (as fast as the server reads them, or paced at
 * real time), then `end`, and collects the server's messages until the socket closes.
 */
import WebSocket from 'ws';
import type { ServerMessage } from '../core/streams/protocol.ts';

export interface StreamClientOptions {
  url: string;
  /** e.g. { authorization: 'Bearer …' } for server-side clients (browsers use a ticket in the URL). */
  headers?: Record<string, string>;
  start: {
    encoding?: 's16le' | 'f32le';
    sample_rate?: number;
    channels?: number;
    hop_s?: number;
    name?: string;
  };
  /** Interleaved little-endian PCM in the start message's format. */
  pcm: Uint8Array;
  /** Bytes per frame (default: 100 ms of audio). */
  frameBytes?: number;
  /** Pace frames at real time instead of as fast as the server reads them. */
  realtime?: boolean;
  /** Called with each server message as it arrives (performance.now() at arrival). */
  onMessage?: (message: ServerMessage, at: number) => void;
}

export interface StreamClientResult {
  messages: ServerMessage[];
  code: number;
  /** performance.now() when each frame was handed to the socket, and the byte offset where it ended. */
  sent: { at: number; end: number }[];
}

export function bytesPerSecond(start: StreamClientOptions['start']): number {
  const width = (start.encoding ?? 's16le') === 's16le' ? 2 : 4;
  return width * (start.channels ?? 1) * (start.sample_rate ?? 16000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function streamPcm(options: StreamClientOptions): Promise<StreamClientResult> {
  const rate = bytesPerSecond(options.start);
  const width = ((options.start.encoding ?? 's16le') === 's16le' ? 2 : 4) * (options.start.channels ?? 1);
  const frameBytes = options.frameBytes ?? Math.max(width, Math.round(rate / 10 / width) * width);
  const ws = new WebSocket(options.url, { headers: options.headers });
  const messages: ServerMessage[] = [];
  const sent: StreamClientResult['sent'] = [];
  let ready: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined); // a refused or dropped socket shows as its close code
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    messages.push(message);
    options.onMessage?.(message, performance.now());
    if (message.type === 'ready') ready();
  });
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))),
    closed.then(() => false),
  ]);
  if (opened) {
    ws.send(JSON.stringify({ type: 'start', ...options.start }));
    await Promise.race([isReady, closed]);
    const t0 = performance.now();
    for (let offset = 0; offset < options.pcm.length && ws.readyState === ws.OPEN; offset += frameBytes) {
      const end = Math.min(options.pcm.length, offset + frameBytes);
      if (options.realtime) {
        const due = t0 + (end / rate) * 1000;
        if (due > performance.now()) await sleep(due - performance.now());
      }
      ws.send(options.pcm.subarray(offset, end));
      sent.push({ at: performance.now(), end });
      // Do not let the socket's send buffer grow without bound when the server reads slower than we write.
      while (ws.bufferedAmount > 1 << 20 && ws.readyState === ws.OPEN) await sleep(5);
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'end' }));
  }
  return { messages, code: await closed, sent };
}
