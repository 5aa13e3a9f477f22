// @vitest-environment happy-dom
/**
 * The web app follows a job through the events socket (a real `ws` server on 127.0.0.1 speaking the protocol of
 * docs/webhooks.md), and falls back to polling when there is no socket or it goes away.
 */
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../web/src/api/client.ts';
import { eventUpdates } from '../../web/src/jobs/events.ts';
import { fakeFetch, on, TOKEN } from './fake-api.ts';

const job = (id: string, status: string, done = 0) => ({
  id,
  kind: 'file',
  status,
  filename: 'a.wav',
  extractors: ['deepfake'],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  progress: { chunks_done: done, chunks_total: 3 },
  result: null,
  error: null,
  timings: null,
  batch_id: null,
  manifest_url: null,
});

const servers: WebSocketServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function socketServer(onConnection: (ws: NodeWebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', onConnection);
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/events`;
}

const factory = (url: string) => new NodeWebSocket(url) as unknown as WebSocket;

describe('eventUpdates', () => {
  it('shows each pushed state of its job only, and ends with the finished job without polling', async () => {
    const url = await socketServer((ws) => {
      ws.send(JSON.stringify({ type: 'ready' }));
      setTimeout(() => {
        ws.send(JSON.stringify({ type: 'job', job: job('other', 'completed', 3) }));
        ws.send(JSON.stringify({ type: 'job', job: job('j', 'processing', 2) }));
        ws.send('not json');
        ws.send(JSON.stringify({ type: 'job', job: job('j', 'completed', 3) }));
      }, 50);
    });
    const { fetcher, calls } = fakeFetch(
      on('POST', '/v1/events/tickets', {
        status: 201,
        body: { ticket: 't'.repeat(43), url, expires_in: 60 },
      }),
      on('GET', '/v1/jobs/j', { status: 200, body: job('j', 'queued') }),
    );
    const api = createApi('', fetcher);
    api.session.accept(TOKEN);
    const seen: string[] = [];
    const done = await eventUpdates(api.client, { socket: factory })(
      'j',
      (j) => seen.push(`${j.id}:${j.status}`),
      new AbortController().signal,
    );
    expect(done.status).toBe('completed');
    expect(seen.filter((s) => s !== 'j:queued')).toEqual(['j:processing', 'j:completed']);
    expect(seen.every((s) => s.startsWith('j:'))).toBe(true);
    // A GET before and after connecting catch up on what happened before; there is no polling loop.
    expect(calls.filter((c) => c.path === '/v1/jobs/j').length).toBeLessThanOrEqual(3);
  });

  it('falls back to polling when the socket closes before the job ends', async () => {
    const url = await socketServer((ws) => ws.close(1011));
    let polls = 0;
    const { fetcher } = fakeFetch(
      on('POST', '/v1/events/tickets', {
        status: 201,
        body: { ticket: 't'.repeat(43), url, expires_in: 60 },
      }),
      on('GET', '/v1/jobs/j', () => ({
        status: 200,
        body: job('j', ++polls >= 2 ? 'completed' : 'processing'),
        headers: { 'retry-after': '1' },
      })),
    );
    const api = createApi('', fetcher);
    api.session.accept(TOKEN);
    const done = await eventUpdates(api.client, { socket: factory })(
      'j',
      () => {},
      new AbortController().signal,
    );
    expect(done.status).toBe('completed');
    expect(polls).toBeGreaterThanOrEqual(2);
  });

  it('polls when no events ticket can be had (a deployment without the socket)', async () => {
    let reads = 0;
    const { fetcher, calls } = fakeFetch(
      on('POST', '/v1/events/tickets', { status: 404, body: { code: 'not_found', status: 404 } }),
      on('GET', '/v1/jobs/j', () => ({
        status: 200,
        body: job('j', ++reads > 1 ? 'completed' : 'processing', 3),
      })),
    );
    const api = createApi('', fetcher);
    api.session.accept(TOKEN);
    let opened = false;
    const done = await eventUpdates(api.client, {
      socket: (u) => {
        opened = true;
        return factory(u);
      },
    })('j', () => {}, new AbortController().signal);
    expect(done.status).toBe('completed');
    expect(opened).toBe(false);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /v1/jobs/j',
      'POST /v1/events/tickets',
      'GET /v1/jobs/j',
    ]);
  });

  it('opens no socket for a job that has finished already', async () => {
    const { fetcher, calls } = fakeFetch(
      on('GET', '/v1/jobs/j', { status: 200, body: job('j', 'failed', 3) }),
    );
    const api = createApi('', fetcher);
    api.session.accept(TOKEN);
    const done = await eventUpdates(api.client, {
      socket: () => {
        throw new Error('no socket expected');
      },
    })('j', () => {}, new AbortController().signal);
    expect(done.status).toBe('failed');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1/jobs/j']);
  });
});
