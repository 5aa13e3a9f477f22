/**
 * The events socket on the local stack's API port (`/v1/events?ticket=…`): a client trades its JWT for a ticket
 * (POST /v1/events/tickets), opens the socket, and receives `{"type":"job","job":…}` on every status change of its
 * jobs and `{"type":"stream","job":…}` when one of its streams ends (docs/webhooks.md). It only listens: anything a
 * client sends is ignored. This server is also the local ConnectionPusher: the in-process sender pushes through it,
 * to the sockets of the job's owner only. In AWS the same messages go through API Gateway's @connections API.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { redeemTicket } from '../core/tickets/tickets.ts';
import type { ConnectionPusher } from '../ports/notifications.ts';
import type { TicketStore } from '../ports/tickets.ts';
import { isRealToneError } from '../shared/errors.ts';
import { closeCodeFor, WS_CLOSE } from '../shared/error-table.ts';

const PING_MS = 30_000;
/** Events sockets one user may hold open at once (tabs, devices); one more is closed with 1013. */
export const MAX_SOCKETS_PER_USER = 16;

export class LocalEventsServer implements ConnectionPusher {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly byUser = new Map<string, Set<WebSocket>>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly tickets: TicketStore) {
    // A socket that misses a ping round is gone (a laptop went to sleep): it is dropped rather than kept forever.
    this.pinger = setInterval(() => {
      for (const sockets of this.byUser.values())
        for (const ws of sockets) {
          if (!this.alive.has(ws)) ws.terminate();
          else {
            this.alive.delete(ws);
            ws.ping();
          }
        }
    }, PING_MS).unref();
  }

  readonly handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const ticket = new URL(req.url ?? '/', 'http://local').searchParams.get('ticket') ?? undefined;
    void redeemTicket(this.tickets, ticket, 'events').then(
      (userId) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, userId)),
      (error: unknown) =>
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          const code = isRealToneError(error) ? error.code : 'unauthorized';
          const message = isRealToneError(error) && error.expose ? error.message : 'not authorised';
          ws.send(JSON.stringify({ type: 'error', code, message }));
          ws.close(closeCodeFor(code), code);
        }),
    );
  };

  private accept(ws: WebSocket, userId: string): void {
    let sockets = this.byUser.get(userId);
    if (!sockets) this.byUser.set(userId, (sockets = new Set()));
    if (sockets.size >= MAX_SOCKETS_PER_USER) {
      ws.send(
        JSON.stringify({ type: 'error', code: 'too_many_sessions', message: 'too many events sockets open' }),
      );
      ws.close(closeCodeFor('too_many_sessions'), 'too_many_sessions');
      return;
    }
    sockets.add(ws);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('close', () => {
      sockets.delete(ws);
      if (!sockets.size && this.byUser.get(userId) === sockets) this.byUser.delete(userId);
    });
    ws.on('error', () => ws.terminate());
    ws.send(JSON.stringify({ type: 'ready' }));
  }

  async push(userId: string, message: string): Promise<void> {
    for (const ws of this.byUser.get(userId) ?? []) if (ws.readyState === ws.OPEN) ws.send(message);
  }

  /**
   * Closes every socket with 1001 (the stack is stopping) and waits until they are gone; one whose client does not
   * answer the close within 2 s is cut.
   */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    const all = [...this.byUser.values()].flatMap((sockets) => [...sockets]);
    this.byUser.clear();
    await Promise.all(
      all.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(WS_CLOSE.goingAway, 'shutting_down');
            setTimeout(() => ws.terminate(), 2000).unref();
          }),
      ),
    );
    this.wss.close();
  }
}
