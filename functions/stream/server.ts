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
import { closeCodeFor } from '../shared/error-table.ts';
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
  private lastShedAt = -Infinity;
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
    this.deps.stream.metrics?.set('realtone_stream_sessions', this.connections.size);
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
    this.deps.stream.metrics?.set('realtone_stream_sessions', this.connections.size);
    const left = (this.perUser.get(connection.userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(connection.userId, left);
    else this.perUser.delete(connection.userId);
    if (!this.connections.size && this.watch) {
      clearInterval(this.watch);
      this.watch = undefined;
    }
  }

  /**
   * The server is behind when a stream that keeps to real time has a window waiting longer than the configured
   * delay. Streams sent faster than real time are left out: their windows wait by their own doing, and the
   * round-robin queue already keeps them from delaying anybody else.
   */
  private lagging(now = performance.now()): StreamConnection[] {
    const behind: StreamConnection[] = [];
    for (const c of this.connections) {
      const live = c.live;
      if (!live || live.aheadOfClock(now)) continue;
      if (live.oldestWaitMs(now) > this.deps.config.maxQueueDelayMs) behind.push(c);
    }
    return behind;
  }

  private overloaded(): boolean {
    return this.lagging().length > 0;
  }

  /**
   * While streams run, every 200 ms: when real-time streams are behind, close the one of them with the most windows
   * waiting (the newest on a tie: established calls are kept), with 1013; then wait maxQueueDelayMs before the next.
   */
  private startWatch(): void {
    if (this.watch) return;
    this.watch = setInterval(() => {
      // One stream at a time: shedding takes a while to show in the queue, so wait as long as the limit itself.
      if (performance.now() - this.lastShedAt < this.deps.config.maxQueueDelayMs) return;
      const behind = this.lagging();
      if (!behind.length) return;
      this.lastShedAt = performance.now();
      let worst = behind[0]!;
      for (const c of behind) if (c.live!.queued() >= worst.live!.queued()) worst = c;
      this.overloadClosed++;
      log.warn('closing a stream: real-time streams are behind', { queued: worst.live!.queued() });
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
