/**
 * At most `limit` analyses run at once; the rest wait in arrival order. Each analysis decodes in one of the
 * process's warm ingest threads (functions/audio/isolate.ts keeps two), and one more thread costs ~0.4 s of CPU to
 * start: 32 callers at once would spend more on threads than on audio. A waiting call whose deadline passes (or
 * whose caller goes away) leaves the line without having cost anything.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: { start: () => void; abort: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const release = () => {
      this.running--;
      this.waiting.shift()?.start();
    };
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          signal?.removeEventListener('abort', entry.abort);
          this.running++;
          resolve(once(release));
        },
        abort: () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', entry.abort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Analyses waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
