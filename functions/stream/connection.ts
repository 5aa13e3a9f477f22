/**
 * One authenticated streaming socket: the protocol's state machine over a LiveStream (docs/streaming.md).
 *
 *   awaiting start ─start→ streaming ─end→ finishing → summary, close 1000
 *
 * Binary frames are PCM; text frames are JSON control messages. Any error sends {"type":"error"} and closes with
 * its code (shared/error-table.ts); limits and shutdown send the summary of what arrived first. When the stream must slow
 * down (rate cap, model backlog) the socket stops being read, so TCP pushes back on the client.
 */
import type { WebSocket, RawData } from 'ws';
import { isRealToneError } from '../shared/errors.ts';
import { getLogger } from '../shared/logger.ts';
import { StreamLimitError, StreamProtocolError } from '../core/streams/errors.ts';
import { LiveStream, parseStart, type LiveStreamDeps } from '../core/streams/live-stream.ts';
import { endSchema, MAX_FRAME_BYTES, type ServerMessage } from '../core/streams/protocol.ts';
import { closeCodeFor, WS_CLOSE } from '../shared/error-table.ts';

const log = getLogger('stream');

export interface ConnectionOptions {
  deps: LiveStreamDeps;
  userId: string;
  idleMs: number;
  /** Asked before a stream starts: throws StreamLimitError/OverloadedError to refuse it. */
  admit: () => void;
  onClosed: (connection: StreamConnection) => void;
}

/** Errors that end a stream which had audio: the client still gets the summary of what arrived. */
const SUMMARISED = new Set(['too_long', 'idle_timeout', 'shutting_down']);

export class StreamConnection {
  live: LiveStream | undefined;
  private state: 'awaiting_start' | 'streaming' | 'finishing' | 'closed' = 'awaiting_start';
  private idle: NodeJS.Timeout | undefined;
  /** Frames are handled one at a time, in order, even while a previous one waits on back-pressure. */
  private chain = Promise.resolve();
  /** How the stream ended, for the sessions counter: `completed`, or the code that ended it. */
  private outcome: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: ConnectionOptions,
  ) {
    ws.on('message', (data, isBinary) => {
      this.touch();
      this.chain = this.chain.then(() => this.onMessage(data, isBinary)).catch((error) => this.fail(error));
    });
    ws.on('close', () => this.closed());
    ws.on('error', () => this.closed());
    this.touch();
  }

  get userId(): string {
    return this.options.userId;
  }

  /** Ends the stream with an error of `code`: the summary first when audio arrived and the code allows it. */
  async fail(error: unknown): Promise<void> {
    if (this.state === 'closed' || this.state === 'finishing') return;
    const code = isRealToneError(error) ? error.code : 'internal_error';
    this.outcome ??= code;
    const message = isRealToneError(error) && error.expose ? error.message : 'the stream failed';
    if (!isRealToneError(error)) log.error('stream failed', { error: (error as Error)?.message });
    this.send({ type: 'error', code, message });
    if (this.live && this.state === 'streaming' && SUMMARISED.has(code)) {
      await this.finish(closeCodeFor(code));
      return;
    }
    this.live?.cancel();
    this.close(closeCodeFor(code), code);
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    if (this.state !== 'awaiting_start' && this.state !== 'streaming') return;
    const bytes = toBytes(data);
    if (isBinary) {
      if (bytes.length > MAX_FRAME_BYTES)
        throw new StreamProtocolError(
          'frame_too_large',
          `a frame holds at most ${MAX_FRAME_BYTES} bytes; this one held ${bytes.length}`,
        );
      if (!this.live)
        throw new StreamProtocolError('bad_message', 'binary audio arrived before the start message');
      const wait = this.live.push(bytes);
      if (wait) {
        this.ws.pause();
        await wait.finally(() => this.ws.resume());
      }
      return;
    }
    const message = parseJson(bytes);
    if (!this.live) {
      const start = parseStart(message);
      this.options.admit();
      this.live = new LiveStream(this.options.deps, this.userId, start, (m) => this.send(m));
      this.state = 'streaming';
      this.send(this.live.ready);
      return;
    }
    if (!endSchema.safeParse(message).success)
      throw new StreamProtocolError('bad_message', 'after start, the only text message is {"type":"end"}');
    await this.finish(WS_CLOSE.normal);
  }

  /** Scores what remains, sends the summary and closes with `code`. */
  async finish(code: number): Promise<void> {
    if (!this.live || this.state !== 'streaming') return this.close(code, 'done');
    this.state = 'finishing';
    try {
      const summary = await this.live.finish();
      this.outcome ??= 'completed';
      this.send(summary);
      this.close(code, 'done');
    } catch (error) {
      this.state = 'streaming';
      this.live.cancel();
      const failed = isRealToneError(error) ? error.code : 'internal_error';
      this.outcome ??= failed;
      this.send({ type: 'error', code: failed, message: 'the stream could not be finished' });
      this.close(closeCodeFor(failed), failed);
    }
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      const seconds = Math.round(this.options.idleMs / 1000);
      void this.fail(new StreamLimitError('idle_timeout', `nothing arrived for ${seconds} s`));
    }, this.options.idleMs);
    this.idle.unref();
  }

  private send(message: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.ws.close(code, reason);
    this.closed();
  }

  /** Releases everything this connection holds: timer, queued windows, its place in the server's registry. */
  private closed(): void {
    if (this.state === 'closed') return;
    const wasFinishing = this.state === 'finishing';
    this.state = 'closed';
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (!wasFinishing) this.live?.cancel();
    if (this.live)
      this.options.deps.metrics?.increment('realtone_stream_sessions_total', {
        outcome: this.outcome ?? 'disconnected',
      });
    this.options.onClosed(this);
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (cause) {
    throw new StreamProtocolError('bad_message', 'a text message must be JSON', { cause });
  }
}
