import type { ApiClient } from '../api/client';
import type { Verdict } from '../api/types';
import { problemMessage } from '../lib/problems';
import workletUrl from './mic-worklet.ts?worker&url';

/**
 * Messages of the streaming protocol (docs/streaming.md) that the page shows: the browser's copy of the shapes in
 * functions/core/streams/protocol.ts, which the server build (Node, zod) keeps to itself.
 */
export interface WindowMessage {
  type: 'window';
  index: number;
  start_s: number;
  end_s: number;
  score: number | null;
  label?: Verdict['label'];
  reason?: string;
}
export interface SummaryMessage {
  type: 'summary';
  session_id: string;
  duration_s: number;
  windows: number;
  overall: Verdict | null;
  reason?: string;
}
type ServerMessage =
  | { type: 'ready'; session_id: string; window_s: number; hop_s: number }
  | WindowMessage
  | SummaryMessage
  | { type: 'error'; code: string; message: string };

export interface LiveHandlers {
  onReady: (info: { windowSeconds: number; hopSeconds: number }) => void;
  onWindow: (window: WindowMessage) => void;
  onSummary: (summary: SummaryMessage) => void;
  /** The stream ended without a summary; `message` says why. */
  onError: (message: string) => void;
}

export interface LiveSession {
  /** Stops the microphone and asks the server for the summary (onSummary follows). */
  stop(): void;
  /** Drops everything at once (the page is leaving). */
  abort(): void;
}

const MIC_CONSTRAINTS: MediaTrackConstraints = {
  channelCount: 1,
  // The detector must hear the microphone as it is: no processing that could mask or add artefacts.
  echoCancellation: false,
  noiseSuppression: false,
  autoGainControl: false,
};

function micMessage(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Live mode needs your microphone. Allow it for this site in the browser and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone was found.';
  return `The microphone could not be opened${name ? ` (${name})` : ''}.`;
}

/**
 * The live microphone mode: a one-time ticket (POST /v1/stream/tickets, so no token goes into a URL), the
 * streaming WebSocket, and an AudioWorklet that sends 16 kHz s16le frames; window verdicts arrive as the server
 * scores them. Create the AudioContext in the click handler: browsers start audio only after a user gesture.
 */
export async function startLive(
  client: ApiClient,
  context: AudioContext,
  name: string,
  handlers: LiveHandlers,
): Promise<LiveSession> {
  let media: MediaStream;
  try {
    media = await navigator.mediaDevices.getUserMedia({ audio: MIC_CONSTRAINTS });
  } catch (error) {
    void context.close();
    throw new Error(micMessage(error));
  }
  const release = () => {
    for (const track of media.getTracks()) track.stop();
    if (context.state !== 'closed') void context.close();
  };
  try {
    await context.audioWorklet.addModule(workletUrl);
    const ticket = await client.POST('/v1/stream/tickets');
    if (!ticket.data) throw new Error(problemMessage(ticket.error, ticket.response));
    const socket = new WebSocket(ticket.data.url);
    socket.binaryType = 'arraybuffer';
    const sender = new AudioWorkletNode(context, 'realtone-pcm-sender');
    const mute = context.createGain();
    mute.gain.value = 0; // the node must be pulled by the graph, but nothing should be heard
    let finished = false;

    socket.onopen = () =>
      socket.send(
        JSON.stringify({
          type: 'start',
          encoding: 's16le',
          sample_rate: 16_000,
          channels: 1,
          hop_s: 1,
          name,
        }),
      );
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      const message = JSON.parse(event.data) as ServerMessage;
      if (message.type === 'ready') {
        handlers.onReady({ windowSeconds: message.window_s, hopSeconds: message.hop_s });
        sender.port.onmessage = (frame) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(frame.data as ArrayBuffer);
        };
        context.createMediaStreamSource(media).connect(sender).connect(mute).connect(context.destination);
        void context.resume();
      } else if (message.type === 'window') handlers.onWindow(message);
      else if (message.type === 'summary') {
        finished = true;
        handlers.onSummary(message);
      } else if (message.type === 'error') {
        finished = true;
        release();
        handlers.onError(`${message.message} (${message.code})`);
      }
    };
    socket.onclose = (event) => {
      release();
      if (!finished)
        handlers.onError(
          `The live stream was closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).`,
        );
    };
    return {
      stop() {
        release();
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'end' }));
      },
      abort() {
        finished = true;
        release();
        socket.close(1000);
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
