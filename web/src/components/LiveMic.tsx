import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { ActiveModel } from '../api/types';
import { startLive, type LiveSession, type SummaryMessage, type WindowMessage } from '../live/live-stream';
import { BAND_COLORS } from '../lib/colors';
import { formatScore, formatTime, labelText } from '../lib/format';
import { Link } from './Link';
import { VerdictPanel } from './VerdictPanel';

type State = 'idle' | 'starting' | 'live' | 'finishing' | 'done';
const SHOWN = 8;

/**
 * Live microphone mode (region "Live microphone"): the microphone streams to the detector and each window's verdict
 * appears as it arrives (a 4 s window every second); Stop asks for the summary, which is also kept in History.
 */
export function LiveMic({
  client,
  model,
  onRecorded,
}: {
  client: ApiClient;
  model: ActiveModel;
  onRecorded: () => void;
}) {
  const [state, setState] = useState<State>('idle');
  const [windows, setWindows] = useState<WindowMessage[]>([]);
  const [summary, setSummary] = useState<SummaryMessage | undefined>();
  const [error, setError] = useState<string | undefined>();
  const session = useRef<LiveSession | undefined>(undefined);

  useEffect(() => () => session.current?.abort(), []);

  async function start() {
    // Created inside the click: browsers start audio only after a user gesture.
    const context = new AudioContext({ sampleRate: 16_000 });
    setState('starting');
    setWindows([]);
    setSummary(undefined);
    setError(undefined);
    const name = `Microphone ${new Date().toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}`;
    try {
      session.current = await startLive(client, context, name, {
        onReady: () => setState('live'),
        onWindow: (w) => setWindows((old) => [...old, w]),
        onSummary: (s) => {
          setSummary(s);
          setState('done');
          session.current = undefined;
          onRecorded();
        },
        onError: (message) => {
          setError(message);
          setState('idle');
          session.current = undefined;
        },
      });
    } catch (caught) {
      setError((caught as Error).message);
      setState('idle');
    }
  }

  function stop() {
    setState('finishing');
    session.current?.stop();
  }

  const latest = windows.at(-1);
  const running = state === 'starting' || state === 'live' || state === 'finishing';
  return (
    <section className="card" aria-label="Live microphone">
      <h2>Live microphone</h2>
      <p className="hint">
        Scores what your microphone hears: a verdict for the last 4 seconds, every second. The server keeps no
        audio unless its operator turned that on.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        {running ? (
          <button type="button" className="danger" onClick={stop} disabled={state !== 'live'}>
            Stop listening
          </button>
        ) : (
          <button type="button" onClick={() => void start()}>
            Start listening
          </button>
        )}
      </div>
      <p role="status" className={running || latest ? 'live-status' : 'sr-only'}>
        {state === 'starting' && 'Connecting…'}
        {state === 'live' && (latest ? '' : 'Listening: the first verdict comes after 4 seconds.')}
        {state === 'finishing' && 'Finishing: scoring the last seconds…'}
        {latest && state !== 'done' && (
          <>
            Now:{' '}
            <span className="badge" style={{ backgroundColor: BAND_COLORS[latest.label ?? 'unscored'] }}>
              {latest.label ? labelText(latest.label) : 'not judged'}
            </span>
          </>
        )}
      </p>
      {windows.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Live windows">
            <caption>The latest windows ({windows.length} so far)</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Score</th>
                <th scope="col">Label</th>
              </tr>
            </thead>
            <tbody>
              {windows
                .slice(-SHOWN)
                .reverse()
                .map((w) => (
                  <tr key={w.index}>
                    <td>
                      {formatTime(w.start_s)}–{formatTime(w.end_s)}
                    </td>
                    <td>{w.score === null ? '—' : formatScore(w.score)}</td>
                    <td>{w.label ? labelText(w.label) : `not judged (${w.reason ?? 'no score'})`}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {summary && (
        <>
          {summary.overall ? (
            <VerdictPanel verdict={summary.overall} thresholds={model.thresholds} title="Live verdict" />
          ) : (
            <p className="error" role="alert">
              Nothing could be judged ({summary.reason ?? 'no speech'}).
            </p>
          )}
          <p className="hint">
            {formatTime(summary.duration_s)} streamed, {summary.windows} windows.{' '}
            <Link href={`/jobs/${summary.session_id}`}>Open it from History</Link>
          </p>
        </>
      )}
    </section>
  );
}
