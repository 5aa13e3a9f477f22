/**
 * A webhook receiver on 127.0.0.1, written from docs/webhooks.md alone: it records every request, verifies its
 * Standard Webhooks signature with the endpoint's secret, and answers with the next status of a script (then 204).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

export interface Received {
  at: number;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: any;
  /** Whether one of the signatures verified against the secrets given to the receiver. */
  verified: boolean;
}

/** Verification as a receiver would write it: HMAC-SHA256 over `{id}.{timestamp}.{body}`, key = base64 after whsec_. */
export function verifySignature(secret: string, id: string, timestamp: string, body: string, header: string) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((part) => {
    const [version, sig] = part.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  /** When set, decides each answer (instead of the script). */
  decide?: (request: Received, earlier: Received[]) => number;
  private readonly server: http.Server;
  private waiters: (() => void)[] = [];
  url = '';

  constructor(
    /** Statuses to answer, in order (then 204); a test or bench may push more while it runs. */
    readonly script: number[] = [],
    private readonly location?: string,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id'] ?? '');
        const timestamp = String(req.headers['webhook-timestamp'] ?? '');
        const signature = String(req.headers['webhook-signature'] ?? '');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const request: Received = {
          at: Date.now(),
          id,
          timestamp,
          signature,
          body,
          json,
          verified: this.secrets.some((s) => verifySignature(s, id, timestamp, body, signature)),
        };
        const status = this.decide ? this.decide(request, [...this.received]) : (this.script.shift() ?? 204);
        this.received.push(request);
        res.writeHead(
          status,
          this.location && status >= 300 && status < 400 ? { location: this.location } : {},
        );
        res.end(status >= 300 ? 'receiver says no' : '');
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
    return this;
  }

  /** Waits until `count` requests arrived. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver got ${this.received.length} of ${count} requests`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.received.slice(0, count);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
