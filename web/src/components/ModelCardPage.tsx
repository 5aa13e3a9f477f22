import { useEffect, useState } from 'react';
import { Link } from './Link';

/** The default model's card, shipped with the app (/model-card.md), shown as text. */
export function ModelCardPage() {
  const [text, setText] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    fetch('/model-card.md', { signal: controller.signal })
      .then((res) =>
        res.ok ? res.text() : Promise.reject(new Error(`the card could not be loaded (${res.status})`)),
      )
      .then(setText, (e: Error) => !controller.signal.aborted && setError(e.message));
    return () => controller.abort();
  }, []);
  return (
    <section className="card" aria-labelledby="card-title">
      <p>
        <Link href="/">← Back</Link>
      </p>
      <h2 id="card-title">Model card: realtone-wavlm-small</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {text === undefined && !error ? <p>Loading…</p> : <pre className="model-card">{text}</pre>}
    </section>
  );
}
