import type { Chunk } from '../api/types';
import { BAND_COLORS, bandOf } from '../lib/colors';
import { formatScore, formatTime } from '../lib/format';

const REASONS: Record<string, string> = { silence: 'silence', too_short: 'too short to judge' };

/** One row per chunk (table "Chunks"): time range, score and label. Selecting a row highlights it in the waveform. */
export function ChunksTable({
  chunks,
  thresholds,
  selected,
  onSelect,
}: {
  chunks: Chunk[];
  thresholds: { likely_fake: number; fake: number };
  selected?: number;
  onSelect?: (index: number) => void;
}) {
  return (
    <div className="table-scroll">
      <table aria-label="Chunks">
        <caption>Each chunk is scored on its own: the score is the probability of synthetic speech.</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Score</th>
            <th scope="col">Label</th>
          </tr>
        </thead>
        <tbody>
          {chunks.map((chunk) => {
            const band = bandOf(chunk.score, thresholds);
            return (
              <tr
                key={chunk.index}
                aria-selected={chunk.index === selected}
                className={chunk.index === selected ? 'selected' : undefined}
              >
                <td>{chunk.index + 1}</td>
                <td>
                  <button type="button" className="link" onClick={() => onSelect?.(chunk.index)}>
                    {formatTime(chunk.start_s)}–{formatTime(chunk.end_s)}
                  </button>
                </td>
                <td>{chunk.score === null ? '—' : formatScore(chunk.score)}</td>
                <td>
                  <span
                    className="swatch"
                    style={{ backgroundColor: BAND_COLORS[band] }}
                    aria-hidden="true"
                  />
                  {chunk.score === null
                    ? `not judged (${REASONS[chunk.reason ?? ''] ?? chunk.reason ?? 'no score'})`
                    : band === 'likely_fake'
                      ? 'likely fake'
                      : band}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
