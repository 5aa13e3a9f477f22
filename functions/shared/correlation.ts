import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation context of the work in progress: the API request id, and the job it concerns. One id follows a
 * request into the job it creates (stored with the job) and into every worker log line about that job, so
 * `correlation_id` finds the whole story of one upload across the API's and the worker's logs. AsyncLocalStorage
 * keeps concurrent requests and jobs in one process (the local stack, a worker running several jobs) apart.
 */
export interface Correlation {
  correlation_id?: string;
  job_id?: string;
  batch_id?: string;
}

const storage = new AsyncLocalStorage<Correlation>();

/** Runs `fn` with `keys` added to the current context (nested contexts inherit the outer keys). */
export function withCorrelation<T>(keys: Correlation, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...keys } : keys, fn);
}

/** The keys of the current context, or undefined outside any. */
export function currentCorrelation(): Correlation | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlation_id;
}
