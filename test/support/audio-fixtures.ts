/** The checked-in fixture set (scripts/make-audio-fixtures.sh) and its expected outcomes, shared by tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IngestOptions } from '../../functions/audio/ingest.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/audio');
export type Expected =
  | { ok: true; format: string; duration_s: number; sample_rate_in: number; content_type: string }
  | { ok: false; code: string; content_type: string; env?: Record<string, string>; stage?: string };
export const expected: Record<string, Expected> = JSON.parse(
  readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8'),
);

export function limitsFor(entry: Expected): IngestOptions {
  const env = entry.ok ? {} : (entry.env ?? {});
  return {
    targetRate: 16000,
    minSamples: 16000,
    maxDurationS: Number(env.MAX_DURATION_SECONDS ?? 3600),
    maxBytes: Number(env.MAX_UPLOAD_BYTES ?? 200 * 1024 * 1024),
  };
}
