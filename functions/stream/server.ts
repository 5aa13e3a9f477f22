/**
 * The streaming service (`/v1/stream`, docs/streaming.md): authenticates each upgrade with a one-time ticket from
 * the URL or a Bearer token from the header (never a JWT in a URL), enforces the per-user and server session
 * limits, watches the shared inference queue and closes the worst offenders with 1013 when windows wait too long,
 * and drains on shutdown (summary where it can, then 1001).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { verifyAuthorization, type TokenConfig } from '../core/auth/tokens.ts';
import { OverloadedError } from '../core/pipeline/errors.ts';
import { ShuttingDownError, StreamLimitError } from '../core/streams/errors.ts';
import type { LiveStreamDeps } from '../core/streams/live-stream.ts';
import { MAX_FRAME_BYTES } from '../core/streams/protocol.ts';
import { redeemTicket } from '../core/tickets/tickets.ts';
import type { TicketStore } from '../ports/tickets.ts';
import { isRealToneError } from '../shared/errors.ts';
import { getLogger } from '../shared/logger.ts';
import { closeCodeFor } from './close-codes.ts';
import { StreamConnection } from './connection.ts';

export interface StreamServerConfig {
  idleSeconds: number;
  maxSessionsPerUser: number;
  maxSessions: number;
  /** When the oldest window in the shared queue has waited longer (ms), the heaviest stream is closed (1013). */
  maxQueueDelayMs: number;
}

export interface StreamServerDeps {
  stream: LiveStreamDeps;
  tickets: TicketStore;
  tokens: TokenConfig;
  config: StreamServerConfig;
}

const log = getLogger('stream');
const WATCH_MS = 200;

export class StreamServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_FRAME_BYTES });
  private readonly connections = new Set<StreamConnection>();
  private readonly perUser = new Map<string, number>();
  private draining = false;
  private watch: NodeJS.Timeout | undefined;
  /** Sessions closed by the overload policy (bench, logs). */
  overloadClosed = 0;

  constructor(private readonly deps: StreamServerDeps) {}

  get sessions(): number {
    return this.connections.size;
  }

  /** Upgrade handler for `/v1/stream` (UpgradeRouter). */
  readonly handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.authenticate(req).then(
      (userId) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, userId)),
      (error: unknown) => this.wss.handleUpgrade(req, socket, head, (ws) => refuse(ws, error)),
    );
  };

  /** A ticket in the query (browsers) or a Bearer JWT in the header (servers); never a JWT in the URL. */
  private async authenticate(req: http.IncomingMessage): Promise<string> {
    if (this.draining) throw new ShuttingDownError('the server is shutting down');
    const url = new URL(req.url ?? '/', 'http://local');
    const ticket = url.searchParams.get('ticket');
    if (ticket !== null || !req.headers.authorization)
      return redeemTicket(this.deps.tickets, ticket ?? undefined, 'stream');
    return verifyAuthorization(req.headers.authorization, this.deps.tokens);
  }

  private accept(ws: WebSocket, userId: string): void {
    const connection = new StreamConnection(ws, {
      deps: this.deps.stream,
      userId,
      idleMs: this.deps.config.idleSeconds * 1000,
      admit: () => this.admit(userId),
      onClosed: (c) => this.release(c),
    });
    this.connections.add(connection);
    this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    this.startWatch();
  }

  /** Limits checked when a stream starts (the connection already counts). */
  private admit(userId: string): void {
    const { maxSessionsPerUser, maxSessions } = this.deps.config;
    if (this.draining) throw new ShuttingDownError('the server is shutting down');
    if ((this.perUser.get(userId) ?? 0) > maxSessionsPerUser)
      throw new StreamLimitError(
        'too_many_sessions',
        `at most ${maxSessionsPerUser} streams per user at once`,
      );
    if (this.connections.size > maxSessions)
      throw new StreamLimitError('too_many_sessions', `the server takes at most ${maxSessions} streams`);
    if (this.overloaded())
      throw new OverloadedError('the detector is overloaded; try again in a few seconds');
  }

  private release(connection: StreamConnection): void {
    if (!this.connections.delete(connection)) return;
    const left = (this.perUser.get(connection.userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(connection.userId, left);
    else this.perUser.delete(connection.userId);
    if (!this.connections.size && this.watch) {
      clearInterval(this.watch);
      this.watch = undefined;
    }
  }

  private overloaded(): boolean {
    return this.deps.stream.queue.oldestWaitMs() > this.deps.config.maxQueueDelayMs;
  }

  /** While streams run: when windows wait too long, close the stream with the most windows waiting. */
  private startWatch(): void {
    if (this.watch) return;
    this.watch = setInterval(() => {
      if (!this.overloaded()) return;
      let worst: StreamConnection | undefined;
      let most = 0;
      for (const c of this.connections) {
        const queued = c.live?.queued() ?? 0;
        if (queued > most) [worst, most] = [c, queued];
      }
      if (!worst) return;
      this.overloadClosed++;
      log.warn('closing the heaviest stream: the inference queue is overloaded', { queued: most });
      void worst.fail(new OverloadedError('the detector is overloaded; try again in a few seconds'));
    }, WATCH_MS);
    this.watch.unref();
  }

  /**
   * Stops accepting streams; every running stream finishes the windows it has, gets its summary and is closed
   * with 1001; after `graceMs` whatever is left is cut.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const all = [...this.connections].map((c) =>
      c.fail(new ShuttingDownError('the server is shutting down')),
    );
    const timeout = new Promise<void>((r) => setTimeout(r, graceMs).unref());
    await Promise.race([Promise.allSettled(all), timeout]);
    for (const ws of this.wss.clients) ws.terminate();
    if (this.watch) clearInterval(this.watch);
    this.wss.close();
  }
}

/** An upgrade that failed authentication: the socket opens only to say why, then closes (1008). */
function refuse(ws: WebSocket, error: unknown): void {
  const code = isRealToneError(error) ? error.code : 'unauthorized';
  const message = isRealToneError(error) && error.expose ? error.message : 'not authorised';
  ws.send(JSON.stringify({ type: 'error', code, message }));
  ws.close(closeCodeFor(code), code);
}
