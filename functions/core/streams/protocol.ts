/**
 * The streaming protocol's messages (docs/streaming.md), shared by the WebSocket service and the gRPC StreamAnalyze
 * RPC. Clients are written against these shapes: field names and values here are a contract.
 */
import * as z from 'zod';
import type { Verdict, VerdictLabel } from '../detection/verdict.ts';
import { extractorListSchema, type ExtractorName } from '../extractors/registry.ts';
import type { Features, SkipReason } from '../pipeline/session.ts';

/** Largest binary frame accepted (bytes); a larger one ends the session with `frame_too_large`. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** The client's first message. Unknown fields are refused, so a typo is not silently ignored. */
export const startSchema = z
  .object({
    type: z.literal('start'),
    encoding: z.enum(['s16le', 'f32le']).default('s16le'),
    sample_rate: z.number().int().min(8000).max(48000).default(16000),
    channels: z.union([z.literal(1), z.literal(2)]).default(1),
    hop_s: z.number().min(0.5).max(4).default(1),
    /** Shown in the history (default "live stream"). */
    name: z.string().min(1).max(200).optional(),
    /** Extractors to run beside the detector, as for uploads (default ["deepfake"]). */
    extractors: extractorListSchema.optional(),
  })
  .strict();
export type StartMessage = z.infer<typeof startSchema>;

export const endSchema = z.object({ type: z.literal('end') }).strict();

export interface ReadyMessage {
  type: 'ready';
  session_id: string;
  window_s: number;
  hop_s: number;
  /** The extractors this stream runs (deepfake first). */
  extractors: ExtractorName[];
}

export interface WindowMessage {
  type: 'window';
  index: number;
  start_s: number;
  end_s: number;
  score: number | null;
  label?: VerdictLabel;
  reason?: SkipReason;
  /** `features.<extractor>.<field>` of this window, when extractors were chosen. */
  features?: Features;
}

export interface SummaryMessage {
  type: 'summary';
  /** The stream's id, also its id in the history (GET /v1/jobs/{id}). */
  session_id: string;
  duration_s: number;
  windows: number;
  /** The same shape as a file's overall verdict; null when no window could be judged (see `reason`). */
  overall: Verdict | null;
  reason?: 'too_short' | 'empty_audio';
  /** Whole-stream extractor aggregates, when extractors were chosen. */
  features?: Features;
}

export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

export type ServerMessage = ReadyMessage | WindowMessage | SummaryMessage | ErrorMessage;
