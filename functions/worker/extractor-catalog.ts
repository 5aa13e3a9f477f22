/**
 * The process's extractor catalog from typed configuration, with the VAD model from the inference module. Kept apart
 * from process-deps.ts so the CLI can build it without loading the worker's storage and database adapters.
 */
import { ExtractorCatalog } from '../core/extractors/catalog.ts';
import { SileroVad } from '../inference/silero-vad.ts';
import type { ConfigOf } from '../shared/config.ts';

/** The VAD model is loaded on first use, or at start-up when it gates verdicts (a broken model stops start-up). */
export async function extractorCatalogFromConfig(config: ConfigOf<'extractors'>): Promise<ExtractorCatalog> {
  const catalog = new ExtractorCatalog(() => SileroVad.load(), {
    minSpeechFraction: config.VAD_MIN_SPEECH_FRACTION,
    speechThreshold: config.VAD_SPEECH_THRESHOLD,
  });
  await catalog.warm();
  return catalog;
}
