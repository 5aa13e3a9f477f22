/**
 * realtone.v1 StreamAnalyze: the WebSocket protocol's state machine (functions/stream/connection.ts) over a gRPC
 * bidirectional stream, on the same LiveStream. In: a `start`, `audio` messages of PCM (≤ 64 KiB each), an `end`.
 * Out: `ready`, a `window` per window as soon as its last sample has arrived, and the `summary`; then status OK.
 * An error ends the call with the status the error table gives its code (a bad start is INVALID_ARGUMENT with
 * `bad_start`). When the stream must slow down the call stops being read, so HTTP/2 flow control pushes back.
 * Streams of gRPC callers are not written to any user's history: they belong to no user.
 */
import type * as grpc from '@grpc/grpc-js';
import { ShuttingDownError, StreamLimitError, StreamProtocolError } from '../core/streams/errors.ts';
import { LiveStream, parseStart, type LiveStreamDeps } from '../core/streams/live-stream.ts';
import { MAX_FRAME_BYTES, type ServerMessage } from '../core/streams/protocol.ts';
import { ERROR_CODE_METADATA, toServiceError } from './status.ts';
import { streamResponse } from './messages.ts';

interface StartFields {
  encoding?: string;
  sample_rate?: number;
  channels?: number;
  hop_s?: number;
  extractors?: string[];
}

export interface StreamRequest {
  message?: 'start' | 'audio' | 'end';
  start?: StartFields | null;
  audio?: Buffer;
}

export type StreamCall = grpc.ServerDuplexStream<StreamRequest, unknown>;

/** Errors that end a stream which had audio: the caller still gets the summary of what arrived. */
const SUMMARISED = new Set(['too_long', 'idle_timeout', 'shutting_down']);

const ENCODINGS: Record<string, string> = {
  PCM_ENCODING_UNSPECIFIED: 's16le',
  PCM_ENCODING_S16LE: 's16le',
  PCM_ENCODING_F32LE: 'f32le',
};

/** The protocol's start message from the proto's StreamStart: zero values take the WebSocket defaults. */
export function startFromProto(start: StartFields) {
  return parseStart({
    type: 'start',
    encoding: ENCODINGS[start.encoding ?? ''] ?? start.encoding,
    ...(start.sample_rate ? { sample_rate: start.sample_rate } : {}),
    ...(start.channels ? { channels: start.channels } : {}),
    ...(start.hop_s ? { hop_s: start.hop_s } : {}),
    ...(start.extractors?.length ? { extractors: start.extractors } : {}),
  });
}

export interface StreamAnalyzeOptions {
  deps: LiveStreamDeps;
  idleMs: number;
  /** Asked before a stream starts; throws (too_many_sessions) to refuse it. Returns the release. */
  admit: () => () => void;
}

/** A running StreamAnalyze call, for the server's drain. */
export interface StreamHandle {
  /** Ends the stream as the server stops: its summary, then UNAVAILABLE (`shutting_down`). */
  shutdown(): void;
  /** Settles once the call has ended, however it ended. */
  closed: Promise<void>;
}

export function streamAnalyze(options: StreamAnalyzeOptions, call: StreamCall, group: string): StreamHandle {
  let live: LiveStream | undefined;
  let release: (() => void) | undefined;
  let state: 'awaiting_start' | 'streaming' | 'finishing' | 'done' = 'awaiting_start';
  let chain = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let closed!: () => void;
  const closedPromise = new Promise<void>((resolve) => (closed = resolve));

  const send = (message: ServerMessage) => {
    if (state !== 'done' && message.type !== 'error' && !call.cancelled) call.write(streamResponse(message));
  };
  /** Ends the call's state once; a stream that started counts in the sessions metric by how it ended. */
  const done = (outcome: string) => {
    if (state === 'done') return false;
    state = 'done';
    if (idle) clearTimeout(idle);
    release?.();
    if (live) options.deps.metrics?.increment('realtone_stream_sessions_total', { outcome });
    closed();
    return true;
  };
  const fail = (error: unknown) => {
    if (state === 'done') return;
    const failure = toServiceError(error);
    const code = failure.metadata.get(ERROR_CODE_METADATA)[0] as string;
    if (live && state === 'streaming' && SUMMARISED.has(code)) {
      // As on the WebSocket: a limit that ends a stream with audio sends the summary of what arrived first.
      state = 'finishing';
      void live
        .finish()
        .then(send)
        .catch(() => undefined)
        .finally(() => {
          if (done(code)) call.emit('error', failure);
        });
      return;
    }
    live?.cancel();
    if (done(code)) call.emit('error', failure);
  };
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      const seconds = Math.round(options.idleMs / 1000);
      fail(new StreamLimitError('idle_timeout', `nothing arrived for ${seconds} s`));
    }, options.idleMs);
    idle.unref();
  };

  const onMessage = async (request: StreamRequest) => {
    if (state !== 'awaiting_start' && state !== 'streaming') return;
    if (request.message === 'start') {
      if (live) throw new StreamProtocolError('bad_message', 'a stream has exactly one start message');
      const start = startFromProto(request.start ?? {});
      release = options.admit();
      live = new LiveStream(options.deps, group, start, send);
      state = 'streaming';
      send(live.ready);
      return;
    }
    if (!live) throw new StreamProtocolError('bad_message', 'the first message of a stream must be start');
    if (request.message === 'audio') {
      const bytes = request.audio ?? Buffer.alloc(0);
      if (bytes.length > MAX_FRAME_BYTES)
        throw new StreamProtocolError(
          'frame_too_large',
          `an audio message holds at most ${MAX_FRAME_BYTES} bytes; this one held ${bytes.length}`,
        );
      const wait = live.push(bytes);
      if (wait) {
        call.pause();
        await wait.finally(() => call.resume());
      }
      return;
    }
    if (request.message === 'end') return finish();
    throw new StreamProtocolError('bad_message', 'a message must hold start, audio or end');
  };

  const finish = async () => {
    if (!live || state !== 'streaming') return;
    state = 'finishing';
    if (idle) clearTimeout(idle); // the client has said all it will; scoring the tail is the server's time
    try {
      send(await live.finish());
    } catch (error) {
      state = 'streaming';
      throw error;
    }
    if (done('completed')) call.end();
  };

  call.on('data', (request: StreamRequest) => {
    touch();
    chain = chain.then(() => onMessage(request)).catch(fail);
  });
  // The client closed its side without an end message: the stream ends as if it had sent one.
  call.on('end', () => {
    chain = chain
      .then(() => {
        if (state === 'streaming') return finish();
        if (state === 'awaiting_start')
          fail(new StreamProtocolError('bad_message', 'the stream closed before its start message'));
      })
      .catch(fail);
  });
  call.on('cancelled', () => {
    live?.cancel();
    done('disconnected');
  });
  touch();
  return {
    shutdown: () => fail(new ShuttingDownError('the server is stopping')),
    closed: closedPromise,
  };
}
