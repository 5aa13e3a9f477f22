import { useCallback, useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { JobSummary } from '../api/types';
import { BAND_COLORS } from '../lib/colors';
import { formatDate, labelText } from '../lib/format';
import { problemMessage } from '../lib/problems';
import { Link } from './Link';

const PAGE = 10;

interface Props {
  client: ApiClient;
  /** Changes when a job was created, finished or deleted elsewhere: the first page is reloaded. */
  version: number;
  currentJobId?: string;
  onDeleted: (id: string) => void;
}

/** The user's jobs, newest first (region "History"): open, delete, and more pages on demand (keyset cursor). */
export function History({ client, version, currentJobId, onDeleted }: Props) {
  const [items, setItems] = useState<JobSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [status, setStatus] = useState('');

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      const {
        data,
        error: problem,
        response,
      } = await client
        .GET('/v1/jobs', { params: { query: { limit: PAGE, ...(after ? { cursor: after } : {}) } } })
        .catch((e: unknown) => ({ data: undefined, error: e, response: undefined }));
      setLoading(false);
      if (!data) return setError(problemMessage(problem, response));
      setError(undefined);
      setItems((old) =>
        after ? [...old, ...data.items.filter((i) => !old.some((o) => o.id === i.id))] : data.items,
      );
      setCursor(data.next_cursor);
    },
    [client],
  );

  useEffect(() => {
    void load(null);
  }, [load, version]);

  async function remove(job: JobSummary) {
    setConfirming(undefined);
    const { error: problem, response } = await client.DELETE('/v1/jobs/{id}', {
      params: { path: { id: job.id } },
    });
    if (response.status !== 204 && response.status !== 404)
      return setError(problemMessage(problem, response));
    setItems((old) => old.filter((i) => i.id !== job.id));
    setStatus(`Deleted ${job.filename}.`);
    onDeleted(job.id);
  }

  return (
    <section className="card" aria-label="History">
      <h2>History</h2>
      <p className="sr-only" role="status">
        {status}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!loading && !error && items.length === 0 && (
        <p className="hint">No recordings yet. Analyze one above.</p>
      )}
      <ul className="history">
        {items.map((job) => (
          <li key={job.id} className={job.id === currentJobId ? 'current' : undefined}>
            <div className="history-main">
              <Link href={`/jobs/${job.id}`} aria-current={job.id === currentJobId ? 'page' : undefined}>
                {job.filename}
              </Link>
              <span className="hint">
                {formatDate(job.created_at)} ·{' '}
                {job.overall ? (
                  <span className="tag" style={{ borderColor: BAND_COLORS[job.overall.label] }}>
                    {labelText(job.overall.label)}
                  </span>
                ) : job.status === 'failed' ? (
                  `failed (${job.error_code ?? 'error'})`
                ) : (
                  job.status.replace(/_/g, ' ')
                )}
              </span>
            </div>
            {confirming === job.id ? (
              <span className="confirm">
                <button type="button" className="danger" onClick={() => void remove(job)}>
                  Delete {job.filename}
                </button>
                <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="secondary"
                aria-label={`Delete ${job.filename}…`}
                onClick={() => setConfirming(job.id)}
              >
                Delete…
              </button>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" className="secondary" disabled={loading} onClick={() => void load(cursor)}>
          {loading ? 'Loading…' : 'Show older recordings'}
        </button>
      )}
    </section>
  );
}
