import type { ApiClient } from '../api/client';
import type { Job } from '../api/types';
import { problemMessage } from '../lib/problems';

export const TERMINAL: readonly Job['status'][] = ['completed', 'failed'];

/**
 * How a job's updates reach the page. Polling is the one every deployment has; the events socket (events.ts) is
 * the other, and falls back to polling, so the views do not change.
 */
export type JobUpdates = (jobId: string, onUpdate: (job: Job) => void, signal: AbortSignal) => Promise<Job>;

export class JobWatchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * Polls GET /v1/jobs/{id} until the job is completed or failed, waiting as long as the server's Retry-After asks.
 * A lost connection or a server error is retried with a growing pause; 404 (deleted, or never ours) ends it.
 */
export function pollingUpdates(client: ApiClient, options: { maxDelayMs?: number } = {}): JobUpdates {
  const maxDelay = options.maxDelayMs ?? 10_000;
  return async (jobId, onUpdate, signal) => {
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      let delay: number;
      try {
        const { data, error, response } = await client.GET('/v1/jobs/{id}', {
          params: { path: { id: jobId } },
          signal,
        });
        if (data) {
          failures = 0;
          onUpdate(data);
          if (TERMINAL.includes(data.status)) return data;
          const retryAfter = Number(response.headers.get('retry-after'));
          delay = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 2000;
        } else if (response.status < 500) {
          throw new JobWatchError(problemMessage(error, response), response.status);
        } else {
          delay = Math.min(maxDelay, 1000 * 2 ** failures++);
        }
      } catch (error) {
        if (error instanceof JobWatchError || signal.aborted) throw error;
        delay = Math.min(maxDelay, 1000 * 2 ** failures++);
      }
      await sleep(Math.min(delay, maxDelay), signal);
    }
  };
}
