/** Display helpers: sizes, times, scores and labels as people read them. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as m:ss.s (or h:mm:ss for an hour and more). */
export function formatTime(seconds: number): string {
  const s = Math.max(0, seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(rest)).padStart(2, '0')}`;
  return `${m}:${rest.toFixed(1).padStart(4, '0')}`;
}

export const formatScore = (score: number) => score.toFixed(3);
export const formatPercent = (fraction: number) => `${Math.round(fraction * 100)} %`;

/** `likely_fake` → `likely fake`: the label as the Verdict region shows it. */
export const labelText = (label: string) => label.replace(/_/g, ' ');

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const FRACTIONS: Record<string, string> = {
  '1': 'all',
  '0.5': 'the highest half',
  '0.333': 'the highest third',
};

/**
 * The verdict policy in plain words, from the job's `policy` string (docs/verdict.md) and, when the job was scored
 * by the active model, that model's thresholds.
 */
export function policyInWords(
  verdict: { policy: string; chunks_scored: number },
  thresholds?: { likely_fake: number; fake: number },
): string {
  const match = /^top_fraction_mean\(([\d.]+)\)$/.exec(verdict.policy);
  const chunks = `${verdict.chunks_scored} scored chunk${verdict.chunks_scored === 1 ? '' : 's'}`;
  let text: string;
  if (match) {
    const fraction = Number(match[1]);
    const used = Math.max(1, Math.ceil(verdict.chunks_scored * fraction - 1e-9));
    const share = FRACTIONS[match[1]!] ?? `the highest ${formatPercent(fraction)}`;
    text =
      fraction >= 1
        ? `The overall score is the average of all ${chunks}.`
        : `The overall score is the average of ${share} of the ${chunks} (${used} of ${verdict.chunks_scored}), so a synthetic passage in a longer recording is not averaged away, while one odd chunk does not decide alone.`;
  } else {
    text = `Policy ${verdict.policy}, over ${chunks}.`;
  }
  if (thresholds)
    text += ` A score of ${formatScore(thresholds.likely_fake)} or more reads as likely fake, ${formatScore(thresholds.fake)} or more as fake. Confidence is the share of chunks that agree with the label.`;
  return text;
}
