import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../functions/core/detection/analyze.ts';
import { analyzeResponse, legacyResponse, streamResponse } from '../../../functions/grpc/messages.ts';

const result: AnalysisResult = {
  duration_s: 9.2,
  sample_rate_in: 16000,
  channels_in: 1,
  format: 'wav',
  chunks: [
    { index: 0, start_s: 0, end_s: 4, score: 0.91, features: { pitch: { median_hz: 180, min_hz: null } } },
    {
      index: 1,
      start_s: 4,
      end_s: 8,
      score: null,
      reason: 'silence',
      features: { pitch: { median_hz: null } },
    },
    { index: 2, start_s: 5.2, end_s: 9.2, score: 0.2 },
  ],
  overall: { label: 'fake', score: 0.91, confidence: 0.8, policy: 'top-1/3-mean', chunks_scored: 2 },
  model: { name: 'm', version: '1', fixture: false },
  timings: { decode_ms: 3, inference_ms: 5 },
  features: { pitch: { median_hz: 175 } },
};

describe('gRPC messages', () => {
  it('leaves unjudged chunks out of the original contract, ids being chunk indexes', () => {
    expect(legacyResponse(result)).toEqual({
      predictions: [
        { chunk_id: '0', score: 0.91, start_time_seconds: 0, end_time_seconds: 4 },
        { chunk_id: '2', score: 0.2, start_time_seconds: 5.2, end_time_seconds: 9.2 },
      ],
      error_message: '',
    });
  });

  it('encodes null scores and features as absent optional values, with labels from the thresholds', () => {
    const response = analyzeResponse(result, { likely_fake: 0.5, fake: 0.9 });
    expect(response.chunks[0]).toMatchObject({ score: 0.91, label: 'fake', reason: '' });
    expect(response.chunks[0]!.features).toEqual({
      pitch: { fields: { median_hz: { value: 180 }, min_hz: {} } },
    });
    expect('score' in response.chunks[1]!).toBe(false);
    expect(response.chunks[1]).toMatchObject({ reason: 'silence', label: '' });
    expect(response.chunks[2]).toMatchObject({ label: 'real', features: {} });
    expect(response.features).toEqual({ pitch: { fields: { median_hz: { value: 175 } } } });
  });

  it('wraps stream messages in the oneof of StreamAnalyzeResponse', () => {
    expect(
      streamResponse({
        type: 'summary',
        session_id: 's',
        duration_s: 0.4,
        windows: 1,
        overall: null,
        reason: 'too_short',
      }),
    ).toEqual({
      summary: { session_id: 's', duration_s: 0.4, windows: 1, reason: 'too_short', features: {} },
    });
    expect(
      streamResponse({ type: 'window', index: 3, start_s: 3, end_s: 7, score: 0.4, label: 'real' }).window,
    ).toMatchObject({ index: 3, score: 0.4, label: 'real', reason: '' });
  });
});
