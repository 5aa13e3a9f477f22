/**
 * Routes HTTP upgrade requests (WebSockets) by path, so several socket services share one HTTP server: the local
 * stack serves /v1/stream and /v1/events on the API's port, the detector container /v1/stream on its own.
 * A path nobody serves gets a plain 404 before any WebSocket exists.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export class UpgradeRouter {
  private readonly routes = new Map<string, UpgradeHandler>();

  add(path: string, handler: UpgradeHandler): this {
    this.routes.set(path, handler);
    return this;
  }

  /** Attaches to `server`'s upgrade event. */
  attach(server: http.Server): void {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const handler = this.routes.get(q < 0 ? url : url.slice(0, q));
      if (handler) return handler(req, socket, head);
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
  }
}
