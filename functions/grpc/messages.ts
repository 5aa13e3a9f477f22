/**
 * Results in the shapes of the two contracts. Meanings are those of the job view and the WebSocket protocol; only
 * the encoding differs (a null score or feature is an absent optional field).
 */
import type { AnalysisResult } from '../core/detection/analyze.ts';
import { labelFor, type Verdict, type VerdictPolicy } from '../core/detection/verdict.ts';
import type { ExtractorInfo } from '../core/extractors/types.ts';
import type { ChunkScore, Features } from '../core/pipeline/session.ts';
import type { ReadyMessage, SummaryMessage, WindowMessage } from '../core/streams/protocol.ts';

type FeatureGroups = Record<string, { fields: Record<string, { value?: number }> }>;

export function featureGroups(features: Features | undefined): FeatureGroups {
  const out: FeatureGroups = {};
  for (const [extractor, values] of Object.entries(features ?? {})) {
    const fields: Record<string, { value?: number }> = {};
    for (const [field, value] of Object.entries(values)) fields[field] = value === null ? {} : { value };
    out[extractor] = { fields };
  }
  return out;
}

export function chunkMessage(chunk: ChunkScore | WindowMessage, label?: string) {
  return {
    index: chunk.index,
    start_s: chunk.start_s,
    end_s: chunk.end_s,
    ...(chunk.score === null ? {} : { score: chunk.score }),
    reason: chunk.reason ?? '',
    label: label ?? '',
    features: featureGroups(chunk.features),
  };
}

const verdictMessage = (v: Verdict) => ({
  label: v.label,
  score: v.score,
  confidence: v.confidence,
  policy: v.policy,
  chunks_scored: v.chunks_scored,
});

/** realtone.v1.AnalyzeResponse */
export function analyzeResponse(result: AnalysisResult, thresholds: VerdictPolicy['thresholds']) {
  return {
    duration_s: result.duration_s,
    sample_rate_in: result.sample_rate_in,
    channels_in: result.channels_in,
    format: result.format,
    chunks: result.chunks.map((c) =>
      chunkMessage(c, c.score === null ? undefined : labelFor(c.score, thresholds)),
    ),
    overall: verdictMessage(result.overall),
    model: result.model,
    extractors: result.extractors ?? [],
    features: featureGroups(result.features),
    timings: result.timings,
  };
}

/**
 * audioanalyzer.AnalyzeAudioResponse: one prediction per judged chunk, `chunk_id` its index as a decimal string;
 * chunks that were not judged (silence, a short tail) are left out.
 */
export function legacyResponse(result: AnalysisResult) {
  return {
    predictions: result.chunks
      .filter((c) => c.score !== null)
      .map((c) => ({
        chunk_id: String(c.index),
        score: c.score!,
        start_time_seconds: c.start_s,
        end_time_seconds: c.end_s,
      })),
    error_message: '',
  };
}

/** realtone.v1.StreamAnalyzeResponse for each server message of the stream protocol. */
export function streamResponse(message: ReadyMessage | WindowMessage | SummaryMessage) {
  switch (message.type) {
    case 'ready':
      return {
        ready: {
          session_id: message.session_id,
          window_s: message.window_s,
          hop_s: message.hop_s,
          extractors: message.extractors,
        },
      };
    case 'window':
      return { window: chunkMessage(message, message.label) };
    case 'summary':
      return {
        summary: {
          session_id: message.session_id,
          duration_s: message.duration_s,
          windows: message.windows,
          ...(message.overall ? { overall: verdictMessage(message.overall) } : {}),
          reason: message.reason ?? '',
          features: featureGroups(message.features),
        },
      };
  }
}

/** realtone.v1.Extractor */
export function extractorMessage(info: ExtractorInfo) {
  return {
    name: info.name,
    version: info.version,
    device: info.device,
    description: info.description,
    outputs: Object.entries(info.outputs).map(([name, o]) => ({
      name,
      unit: o.unit,
      description: o.description,
      nullable: o.nullable,
    })),
  };
}
