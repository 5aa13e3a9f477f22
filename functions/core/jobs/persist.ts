import { getLogger } from '../../shared/logger.ts';
import { JobGoneError } from './errors.ts';

const log = getLogger('persist');

/** How long the writes of a finished analysis (a job's result, a stream's record) are retried. */
export const PERSIST_FOR_MS = 30_000;

/**
 * Retries `write` with back-off (0.25 s doubling to 4 s) for PERSIST_FOR_MS, so that a database that is briefly
 * away or out of connections does not lose work already done; a deleted job is not retried. `write` must be
 * idempotent: a write that succeeded but whose answer was lost runs again.
 */
export async function persist<T>(write: () => Promise<T>): Promise<T> {
  const until = Date.now() + PERSIST_FOR_MS;
  for (let wait = 250; ; wait = Math.min(4000, wait * 2)) {
    try {
      return await write();
    } catch (error) {
      if (error instanceof JobGoneError || Date.now() + wait > until) throw error;
      log.warn('result write failed; retrying', { error: (error as Error).message, in_ms: wait });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
