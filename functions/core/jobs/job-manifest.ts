import type { JobRecord } from '../../ports/jobs.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import type { ModelManifest } from '../../inference/manifest.ts';
import { ranExtractors, type AnalysisResult } from '../detection/analyze.ts';
import { resolveExtractors } from '../extractors/registry.ts';
import { buildManifest, serializeManifest } from '../manifests/audio-manifest.ts';
import { resultKey } from './object-key.ts';

export interface JobManifestDeps {
  storage: Pick<ObjectStore, 'put' | 'delete'>;
  model: ModelManifest;
}

/**
 * Writes a finished job's audio_manifest_v1 to `results/<user>/<job>.json` and returns its key. The worker writes it
 * before it records the outcome in Postgres, so a job that reads `completed` always has its manifest.
 */
export async function writeJobManifest(
  deps: JobManifestDeps,
  job: JobRecord,
  outcome: { result: AnalysisResult } | { error: { code: string; message: string } },
  timings: Record<string, number>,
  sizeBytes: number | undefined,
): Promise<string> {
  const key = resultKey(job.userId, job.id);
  const manifest = buildManifest({
    component: 'worker',
    model: deps.model,
    extractors: ranExtractors(resolveExtractors(job.extractors), deps.model),
    job: { id: job.id, batchId: job.batchId, createdAt: job.createdAt },
    file: { name: job.filename, contentType: job.contentType, sizeBytes },
    outcome,
    timings,
  });
  await deps.storage.put(key, serializeManifest(manifest), 'application/json');
  return key;
}
