// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../web/src/api/client.ts';
import { JobWatchError, pollingUpdates } from '../../web/src/jobs/watch.ts';
import { fakeFetch, on, TOKEN } from './fake-api.ts';

afterEach(() => localStorage.clear());

describe('Session', () => {
  it('does not ask for a refresh at start in a browser that never logged in', async () => {
    const { fetcher, calls } = fakeFetch(on('POST', '/v1/auth/refresh', { status: 200, body: TOKEN }));
    const api = createApi('', fetcher);
    expect(await api.session.resume()).toBe(false);
    expect(calls).toEqual([]);
  });

  it('refreshes once for concurrent callers when the token is about to expire, then resumes after a reload', async () => {
    const { fetcher, calls } = fakeFetch(
      on('POST', '/v1/auth/refresh', { status: 200, body: { ...TOKEN, access_token: 'new.token.x' } }),
    );
    const api = createApi('', fetcher);
    api.session.accept({ ...TOKEN, expires_in: 30 }); // inside the refresh margin
    const tokens = await Promise.all([api.session.accessToken(), api.session.accessToken()]);
    expect(tokens).toEqual(['new.token.x', 'new.token.x']);
    expect(calls.filter((c) => c.path === '/v1/auth/refresh')).toHaveLength(1);
    const reloaded = createApi('', fetcher);
    expect(await reloaded.session.resume()).toBe(true);
  });

  it('signs out with a reason when the refresh is refused, and logout revokes on the server', async () => {
    const { fetcher, calls } = fakeFetch(
      on('POST', '/v1/auth/refresh', { status: 401, body: { code: 'unauthorized', status: 401 } }),
      on('DELETE', '/v1/auth/refresh', { status: 204 }),
    );
    const api = createApi('', fetcher);
    const events: [boolean, string | undefined][] = [];
    api.session.onChange((signedIn, reason) => events.push([signedIn, reason]));
    api.session.accept({ ...TOKEN, expires_in: 1 });
    expect(await api.session.accessToken()).toBeUndefined();
    expect(events).toEqual([
      [true, undefined],
      [false, 'Your session has ended. Please log in again.'],
    ]);
    api.session.accept(TOKEN);
    await api.session.logout();
    expect(api.session.signedIn).toBe(false);
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/v1/auth/refresh' });
  });
});

describe('pollingUpdates', () => {
  const job = (status: string, done = 0) => ({
    id: 'j',
    status,
    filename: 'a.wav',
    created_at: '',
    updated_at: '',
    progress: { chunks_done: done, chunks_total: 3 },
    result: null,
    error: null,
    timings: null,
  });

  it('reports each state until the job ends, waiting as Retry-After asks', async () => {
    const states = [job('queued'), job('processing', 2), job('completed', 3)];
    const { fetcher, calls } = fakeFetch(
      on('GET', '/v1/jobs/j', () => {
        const next = states.shift()!;
        return {
          status: 200,
          body: next,
          headers: next.status === 'completed' ? {} : ({ 'retry-after': '0.01' } as Record<string, string>),
        };
      }),
    );
    const api = createApi('', fetcher);
    api.session.accept(TOKEN);
    const seen: string[] = [];
    const final = await pollingUpdates(api.client)(
      'j',
      (j) => seen.push(`${j.status}:${j.progress.chunks_done}`),
      new AbortController().signal,
    );
    expect(seen).toEqual(['queued:0', 'processing:2', 'completed:3']);
    expect(final.status).toBe('completed');
    expect(calls).toHaveLength(3);
  });

  it('ends with a readable error when the job is gone', async () => {
    const { fetcher } = fakeFetch(
      on('GET', '/v1/jobs/j', {
        status: 404,
        body: { code: 'not_found', status: 404, detail: 'job j not found' },
      }),
    );
    const api = createApi('', fetcher);
    api.session.accept(TOKEN);
    const watching = pollingUpdates(api.client)('j', () => undefined, new AbortController().signal);
    await expect(watching).rejects.toBeInstanceOf(JobWatchError);
    await expect(watching).rejects.toThrow('Job j not found');
  });
});
