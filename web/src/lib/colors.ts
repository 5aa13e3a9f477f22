/** Chunk colours by verdict band, the same in the waveform, the table and the legend. */
export const BAND_COLORS = {
  real: '#2a9d8f',
  likely_fake: '#e9a23b',
  fake: '#d62839',
  unscored: '#9aa5b1',
} as const;

export type Band = keyof typeof BAND_COLORS;

export function bandOf(score: number | null, thresholds: { likely_fake: number; fake: number }): Band {
  if (score === null) return 'unscored';
  if (score >= thresholds.fake) return 'fake';
  if (score >= thresholds.likely_fake) return 'likely_fake';
  return 'real';
}
