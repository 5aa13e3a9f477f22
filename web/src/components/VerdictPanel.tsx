import type { Verdict } from '../api/types';
import { BAND_COLORS } from '../lib/colors';
import { formatPercent, formatScore, labelText, policyInWords } from '../lib/format';

const MEANING: Record<Verdict['label'], string> = {
  real: 'The model found no sign of synthetic speech.',
  likely_fake: 'Parts of this recording look synthetic to the model.',
  fake: 'The model is confident this recording holds synthetic speech.',
};

/** The overall verdict (region "Verdict"): label, score, confidence and the policy that produced them. */
export function VerdictPanel({
  verdict,
  thresholds,
  title = 'Verdict',
}: {
  verdict: Verdict;
  thresholds?: { likely_fake: number; fake: number };
  /** The region's name: `Verdict` for a file (a contract of issue 31), another for the live summary. */
  title?: string;
}) {
  return (
    <section className="card verdict" aria-label={title}>
      <h3>{title}</h3>
      <p className="verdict-line">
        <span
          className="badge"
          data-label={verdict.label}
          style={{ backgroundColor: BAND_COLORS[verdict.label] }}
        >
          {labelText(verdict.label)}
        </span>
        <span>
          score <strong>{formatScore(verdict.score)}</strong> · confidence{' '}
          <strong>{formatPercent(verdict.confidence)}</strong>
        </span>
      </p>
      <p>{MEANING[verdict.label]}</p>
      <p className="hint">{policyInWords(verdict, thresholds)}</p>
    </section>
  );
}
