/**
 * The overall assessment, computed from chunk scores with a documented policy (docs/verdict.md). It is always
 * returned beside the raw chunk scores, so a frontend may apply its own.
 *
 * Policy "top_fraction_mean" (default): score = mean of the highest `fraction` of chunk scores (at least one chunk).
 * A recording with one synthetic passage among real ones is still flagged, while a single noisy chunk in a long
 * real recording is diluted by its peers. label = fake if score ≥ thresholds.fake, likely_fake if ≥
 * thresholds.likely_fake, else real. confidence = share of scored chunks on the same side of the likely_fake
 * threshold as the label.
 */
export type VerdictLabel = 'real' | 'likely_fake' | 'fake';

export interface Verdict {
  label: VerdictLabel;
  score: number;
  confidence: number;
  policy: string;
  chunks_scored: number;
}

export interface VerdictPolicy {
  /** Fraction of the highest-scoring chunks averaged into the overall score, in (0, 1]. */
  fraction: number;
  thresholds: { likely_fake: number; fake: number };
}

export function labelFor(score: number, thresholds: VerdictPolicy['thresholds']): VerdictLabel {
  if (score >= thresholds.fake) return 'fake';
  if (score >= thresholds.likely_fake) return 'likely_fake';
  return 'real';
}

/** Returns undefined when no chunk has a score (all silent). */
export function computeVerdict(
  scores: readonly (number | null)[],
  policy: VerdictPolicy,
): Verdict | undefined {
  const scored = scores.filter((s): s is number => s !== null).sort((a, b) => b - a);
  if (!scored.length) return undefined;
  const k = Math.max(1, Math.ceil(scored.length * policy.fraction - 1e-9));
  const score = scored.slice(0, k).reduce((a, b) => a + b, 0) / k;
  const label = labelFor(score, policy.thresholds);
  const fakeSide = label !== 'real';
  const agreeing = scored.filter((s) => s >= policy.thresholds.likely_fake === fakeSide).length;
  return {
    label,
    score: round(score),
    confidence: round(agreeing / scored.length),
    policy: `top_fraction_mean(${Number(policy.fraction.toFixed(3))})`,
    chunks_scored: scored.length,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
