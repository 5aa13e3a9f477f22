/**
 * The process's extractor catalog from typed configuration, with the VAD model from the inference module. Kept apart
 * from process-deps.ts so the CLI can build it without loading the worker's storage and database adapters.
 */
import { ExtractorCatalog } from '../core/extractors/catalog.ts';
import type { ConfigOf } from '../shared/config.ts';

/**
 * The VAD model is loaded on first use, or at start-up when it gates verdicts (a broken model stops start-up). Its
 * module is imported then too: it loads onnxruntime-node's native library, which `realtone analyze` without
 * `--extractors vad` would otherwise load before it reads its first file (the detector loads it beside the read).
 */
export async function extractorCatalogFromConfig(config: ConfigOf<'extractors'>): Promise<ExtractorCatalog> {
  const loadVad = () => import('../inference/silero-vad.ts').then(({ SileroVad }) => SileroVad.load());
  const catalog = new ExtractorCatalog(loadVad, {
    minSpeechFraction: config.VAD_MIN_SPEECH_FRACTION,
    speechThreshold: config.VAD_SPEECH_THRESHOLD,
  });
  await catalog.warm();
  return catalog;
}
