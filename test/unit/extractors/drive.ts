/** Feeds a signal to an extractor run window by window (4 s, hop `hop`), as the pipeline's stage does. */
import type { ExtractorRun, FeatureExtractor } from '../../../functions/core/extractors/types.ts';
import type { FeatureValues } from '../../../functions/core/pipeline/session.ts';

export const WINDOW = 64000;

export async function drive(
  run: ExtractorRun,
  x: Float32Array,
  hop = WINDOW,
): Promise<{ windows: FeatureValues[]; file: FeatureValues }> {
  const windows: FeatureValues[] = [];
  let seen = 0;
  for (let start = 0; start + WINDOW <= x.length; start += hop) {
    const end = start + WINDOW;
    await run.push(x.subarray(seen, end), seen);
    seen = end;
    windows.push(run.window(start, end));
  }
  return { windows, file: run.file() };
}

export const runOf = (extractor: FeatureExtractor) => extractor.open();

export const relErr = (value: number | null | undefined, truth: number) =>
  value == null ? Infinity : Math.abs(value - truth) / truth;
