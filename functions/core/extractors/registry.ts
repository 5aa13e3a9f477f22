/**
 * The extractors a request may choose, their descriptions (GET /v1/extractors), and the validation every edge uses
 * (upload requests, stream start messages, the CLI): one list, one error.
 */
import * as z from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import { deepfakeInfo } from './deepfake.ts';
import { pitchExtractor } from './pitch.ts';
import { tempoExtractor } from './tempo.ts';
import type { ExtractorInfo, FeatureExtractor } from './types.ts';
import { vadInfo } from './vad.ts';

export const EXTRACTOR_NAMES = ['deepfake', 'pitch', 'tempo', 'vad'] as const;
export type ExtractorName = (typeof EXTRACTOR_NAMES)[number];
/** What a request runs when it names none: the detector alone. */
export const DEFAULT_EXTRACTORS: readonly ExtractorName[] = ['deepfake'];

/** The feature extractors that run on the CPU in this process, by name (vad needs its model: see catalog.ts). */
export const CPU_EXTRACTORS: Record<'pitch' | 'tempo', FeatureExtractor> = {
  pitch: pitchExtractor,
  tempo: tempoExtractor,
};

const info = ({ name, version, device, description, outputs }: ExtractorInfo): ExtractorInfo => ({
  name,
  version,
  device,
  description,
  outputs,
});

/** Every extractor's description, in EXTRACTOR_NAMES order. */
export function describeExtractors(model: { name: string; version: string }): ExtractorInfo[] {
  return [deepfakeInfo(model), info(pitchExtractor), info(tempoExtractor), vadInfo];
}

/** The shape edges accept before the names are checked: a short list of short strings. */
export const extractorListSchema = z
  .array(z.string().max(64))
  .min(1)
  .max(EXTRACTOR_NAMES.length * 2);

/**
 * Checks a requested list: every name must be known (400 `unknown_extractor` naming the valid ones otherwise).
 * Duplicates collapse; the detector always runs, so `deepfake` is always in the result, first.
 */
export function resolveExtractors(
  names: readonly string[] | undefined,
  field = 'extractors',
): ExtractorName[] {
  const requested = names ?? DEFAULT_EXTRACTORS;
  const unknown = requested.filter((n) => !(EXTRACTOR_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    const valid = EXTRACTOR_NAMES.join(', ');
    throw new ValidationError(
      `unknown extractor${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; valid extractors: ${valid}`,
      {
        code: 'unknown_extractor',
        details: [{ field, message: `valid extractors: ${valid}` }],
      },
    );
  }
  return EXTRACTOR_NAMES.filter((n) => n === 'deepfake' || requested.includes(n));
}
