/** `deepfake`: the detector itself, described as an extractor (its outputs are the chunk scores and the verdict). */
import type { ExtractorInfo } from './types.ts';

export const deepfakeInfo = (model: { name: string; version: string }): ExtractorInfo => ({
  name: 'deepfake',
  version: model.version,
  device: 'gpu',
  description:
    `Synthetic-speech detector (${model.name}): P(synthetic) per 4 s window in chunks[i].score and the overall ` +
    'verdict in overall. Always runs; on CUDA where the provider is installed, else on the CPU.',
  outputs: {
    score: {
      type: 'number',
      unit: 'probability',
      nullable: true,
      description: 'chunks[i].score: P(synthetic) of the window; null with a reason when it was not judged',
    },
    overall_score: {
      type: 'number',
      unit: 'probability',
      nullable: false,
      description: 'overall.score: the file verdict score (docs/verdict.md), with overall.label',
    },
  },
});
