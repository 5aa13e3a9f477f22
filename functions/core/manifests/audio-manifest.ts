/**
 * The result manifest, `audio_manifest_v1`: one JSON document per analysed file that says what was analysed (file,
 * duration, sample rates), how (model and its checksum, extractors and their versions, windowing), what came out
 * (per-chunk results, overall verdict, features) and how long each stage took. The worker writes it to S3 at
 * `results/<user>/<job>.json` when a job finishes; `realtone analyze --manifest DIR` writes the same document for
 * local files. Its JSON Schema is proto/audio_manifest_v1.schema.json; tests validate what both writers produce.
 */
import type { ModelManifest } from '../../inference/manifest.ts';
import type { AnalysisResult } from '../detection/analyze.ts';

export const MANIFEST_SCHEMA = 'audio_manifest_v1';

export interface ExtractorVersion {
  name: string;
  version: string;
}

export interface AudioManifestV1 {
  schema: typeof MANIFEST_SCHEMA;
  status: 'completed' | 'failed';
  generator: { name: 'realtone'; component: 'worker' | 'cli' };
  created_at: string;
  job: { id: string; batch_id: string | null; created_at: string } | null;
  file: { name: string; content_type: string | null; size_bytes: number | null; format: string | null };
  audio: {
    duration_s: number;
    sample_rate_in: number;
    channels_in: number;
    sample_rate_model: number;
    warnings?: { code: string; message: string }[];
  } | null;
  model: { name: string; version: string; fixture: boolean; sha256: string };
  extractors: ExtractorVersion[];
  windowing: { window_s: number; hop_s: number; min_s: number };
  chunks: AnalysisResult['chunks'];
  overall: AnalysisResult['overall'] | null;
  features: Record<string, unknown> | null;
  timings: Record<string, number>;
  error: { code: string; message: string } | null;
}

export interface ManifestInput {
  component: 'worker' | 'cli';
  model: ModelManifest;
  /**
   * The extractors the request chose, with their versions, when the result does not say (a failed file); a
   * result's own list wins. Without either, the detector alone, with the model's version.
   */
  extractors?: readonly ExtractorVersion[];
  job?: { id: string; batchId: string | null; createdAt: Date };
  file: { name: string; contentType?: string; sizeBytes?: number };
  outcome: { result: AnalysisResult } | { error: { code: string; message: string } };
  timings: Record<string, number>;
  now?: Date;
}

const seconds = (samples: number, rate: number) => Math.round((samples / rate) * 1000) / 1000;

export function buildManifest(input: ManifestInput): AudioManifestV1 {
  const { model } = input;
  const result = 'result' in input.outcome ? input.outcome.result : undefined;
  const error = 'error' in input.outcome ? input.outcome.error : null;
  const features = result?.features ?? null;
  return {
    schema: MANIFEST_SCHEMA,
    status: result ? 'completed' : 'failed',
    generator: { name: 'realtone', component: input.component },
    created_at: (input.now ?? new Date()).toISOString(),
    job: input.job
      ? { id: input.job.id, batch_id: input.job.batchId, created_at: input.job.createdAt.toISOString() }
      : null,
    file: {
      name: input.file.name,
      content_type: input.file.contentType ?? null,
      size_bytes: input.file.sizeBytes ?? null,
      format: result?.format ?? null,
    },
    audio: result
      ? {
          duration_s: result.duration_s,
          sample_rate_in: result.sample_rate_in,
          channels_in: result.channels_in,
          sample_rate_model: model.sample_rate,
          ...(result.warnings?.length ? { warnings: result.warnings } : {}),
        }
      : null,
    model: { name: model.name, version: model.version, fixture: model.fixture, sha256: model.sha256 },
    extractors: [
      ...(result?.extractors ?? input.extractors ?? [{ name: 'deepfake', version: model.version }]),
    ],
    windowing: {
      window_s: seconds(model.chunk.window_samples, model.sample_rate),
      hop_s: seconds(model.chunk.hop_samples, model.sample_rate),
      min_s: seconds(model.chunk.min_samples, model.sample_rate),
    },
    chunks: result?.chunks ?? [],
    overall: result?.overall ?? null,
    features,
    timings: input.timings,
    error,
  };
}

export function serializeManifest(manifest: AudioManifestV1): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
