import { useEffect, useRef, useState } from 'react';
import type { Chunk } from '../api/types';
import { BAND_COLORS, bandOf } from '../lib/colors';
import { formatScore, formatTime } from '../lib/format';
import type { Peaks } from '../lib/peaks';

interface Props {
  chunks: Chunk[];
  duration: number;
  thresholds: { likely_fake: number; fake: number };
  peaks?: Peaks;
  selected?: number;
  onSelect?: (index: number) => void;
}

const HEIGHT = 120;

/**
 * The recording as a canvas: each chunk's time range is shaded in its band's colour (stronger for a higher score),
 * the waveform is drawn over it when the file was decoded in this tab. A click selects the chunk under the pointer.
 * The chunks table carries the same information for screen readers and keyboards.
 */
export function Waveform({ chunks, duration, thresholds, peaks, selected, onSelect }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);

  // Redraw at the new size when the layout changes (rotation, window resize).
  useEffect(() => {
    const element = canvas.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context) return;
    const cssWidth = element.clientWidth || width || 600;
    const ratio = window.devicePixelRatio || 1;
    element.width = Math.round(cssWidth * ratio);
    element.height = Math.round(HEIGHT * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, cssWidth, HEIGHT);
    const x = (t: number) => (duration > 0 ? (t / duration) * cssWidth : 0);
    for (const chunk of chunks) {
      const band = bandOf(chunk.score, thresholds);
      context.globalAlpha = chunk.score === null ? 0.25 : 0.25 + 0.5 * chunk.score;
      context.fillStyle = BAND_COLORS[band];
      context.fillRect(x(chunk.start_s), 0, Math.max(1, x(chunk.end_s) - x(chunk.start_s)), HEIGHT);
      if (chunk.index === selected) {
        context.globalAlpha = 1;
        context.strokeStyle = '#1d3557';
        context.lineWidth = 2;
        context.strokeRect(x(chunk.start_s) + 1, 1, x(chunk.end_s) - x(chunk.start_s) - 2, HEIGHT - 2);
      }
    }
    context.globalAlpha = 1;
    if (peaks) {
      const columns = peaks.values.length / 2;
      const span = Math.min(1, peaks.duration / Math.max(duration, 1e-9));
      context.fillStyle = '#1d3557';
      for (let c = 0; c < columns; c++) {
        const left = (c / columns) * cssWidth * span;
        const min = peaks.values[2 * c]!;
        const max = peaks.values[2 * c + 1]!;
        const top = HEIGHT / 2 - max * (HEIGHT / 2 - 4);
        const bottom = HEIGHT / 2 - min * (HEIGHT / 2 - 4);
        context.fillRect(left, top, Math.max(1, (cssWidth * span) / columns), Math.max(1, bottom - top));
      }
    }
  }, [chunks, duration, thresholds, peaks, selected, width]);

  const worst = chunks.reduce<Chunk | undefined>(
    (w, c) => (c.score !== null && (w?.score === null || w === undefined || c.score > w.score!) ? c : w),
    undefined,
  );
  const summary =
    `Waveform of ${formatTime(duration)} with ${chunks.length} chunks coloured by score` +
    (worst
      ? `; the highest score, ${formatScore(worst.score!)}, is at ${formatTime(worst.start_s)}–${formatTime(worst.end_s)}`
      : '') +
    (peaks ? '' : '; the waveform itself is shown only for files uploaded from this tab');

  return (
    <figure className="waveform">
      <canvas
        ref={canvas}
        role="img"
        aria-label={summary}
        height={HEIGHT}
        onClick={(event) => {
          if (!onSelect || duration <= 0) return;
          const box = event.currentTarget.getBoundingClientRect();
          const t = ((event.clientX - box.left) / box.width) * duration;
          const hit = [...chunks].reverse().find((c) => t >= c.start_s && t < c.end_s);
          if (hit) onSelect(hit.index);
        }}
      />
      <figcaption className="legend">
        {(['real', 'likely_fake', 'fake', 'unscored'] as const).map((band) => (
          <span key={band}>
            <span className="swatch" style={{ backgroundColor: BAND_COLORS[band] }} aria-hidden="true" />
            {band === 'likely_fake' ? 'likely fake' : band === 'unscored' ? 'not judged' : band}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
