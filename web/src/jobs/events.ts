import type { ApiClient } from '../api/client';
import type { Job } from '../api/types';
import { pollingUpdates, TERMINAL, type JobUpdates } from './watch';

/** The part of the browser's WebSocket this module uses (injectable for tests). */
export type SocketFactory = (url: string) => WebSocket;

export interface EventUpdatesOptions {
  socket?: SocketFactory;
  /** A GET even while the socket is open, in case a push was missed (pushes are best effort). */
  checkEveryMs?: number;
  maxDelayMs?: number;
}

/**
 * Follows a job through the events socket (docs/webhooks.md): a one-time ticket (POST /v1/events/tickets, so no
 * token goes into a URL), then `{"type":"job","job":…}` pushes for the caller's jobs, filtered to this one. A GET
 * first (a finished job needs no socket) and one after the socket is ready catch changes made before it was. Whenever the socket cannot open, or closes before
 * the job has finished, the watch falls back to polling GET /v1/jobs/{id}, so a deployment without the socket (or
 * a proxy that drops it) still works.
 */
export function eventUpdates(client: ApiClient, options: EventUpdatesOptions = {}): JobUpdates {
  const poll = pollingUpdates(client, { maxDelayMs: options.maxDelayMs });
  const open: SocketFactory = options.socket ?? ((url) => new WebSocket(url));
  const checkEvery = options.checkEveryMs ?? 15_000;

  return async (jobId, onUpdate, signal) => {
    // A job that has finished already (opened from History) needs no socket.
    const { data: now } = await client.GET('/v1/jobs/{id}', { params: { path: { id: jobId } }, signal });
    if (now) {
      onUpdate(now);
      if (TERMINAL.includes(now.status)) return now;
    }
    let ws: WebSocket | undefined;
    try {
      const { data: ticket } = await client.POST('/v1/events/tickets', { signal });
      if (!ticket) return await poll(jobId, onUpdate, signal);
      ws = open(ticket.url);
    } catch (error) {
      if (signal.aborted) throw error;
      return poll(jobId, onUpdate, signal);
    }
    const socket = ws;
    const finished = await new Promise<Job | undefined>((resolve) => {
      let done = false;
      const finish = (job: Job | undefined) => {
        if (done) return;
        done = true;
        clearInterval(check);
        signal.removeEventListener('abort', abort);
        socket.close();
        resolve(job);
      };
      const seen = (job: Job) => {
        if (done) return;
        onUpdate(job);
        if (TERMINAL.includes(job.status)) finish(job);
      };
      const read = async () => {
        const { data } = await client.GET('/v1/jobs/{id}', { params: { path: { id: jobId } }, signal });
        if (data) seen(data);
      };
      const abort = () => finish(undefined);
      signal.addEventListener('abort', abort, { once: true });
      const check = setInterval(() => void read().catch(() => undefined), checkEvery);
      socket.addEventListener('message', (event: MessageEvent) => {
        let message: { type?: string; job?: Job };
        try {
          message = JSON.parse(String(event.data)) as typeof message;
        } catch {
          return;
        }
        if (message.type === 'ready') void read().catch(() => undefined);
        else if (message.type === 'job' && message.job?.id === jobId) seen(message.job);
      });
      // In AWS the socket sends no `ready`: the GET after opening does its part.
      socket.addEventListener('open', () => void read().catch(() => undefined));
      socket.addEventListener('close', () => finish(undefined));
      socket.addEventListener('error', () => finish(undefined));
    });
    signal.throwIfAborted();
    return finished ?? poll(jobId, onUpdate, signal);
  };
}
