/**
 * Outbound webhook POSTs with node:http/https. The request connects only to addresses the SSRF guard checked (the
 * `lookup` hook answers with them, so the TLS name is still the URL's host), follows no redirect (node never does),
 * stops after the timeout, and reads only the first bytes of the answer.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { WebhookTransport } from '../ports/webhooks.ts';
import type { Resolve } from '../core/webhooks/url-guard.ts';

const KEEP_BYTES = 1024;

/** Every address of a host (IPv4 and IPv6), as dns.lookup sees it. */
export const resolveHost: Resolve = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class HttpWebhookTransport implements WebhookTransport {
  post(request: Parameters<WebhookTransport['post']>[0]): ReturnType<WebhookTransport['post']> {
    const { url, addresses, headers, body, timeoutMs } = request;
    const pinned: LookupFunction = (_host, options, callback) => {
      const all = addresses.map((address) => ({ address, family: isIP(address) }));
      if ((options as { all?: boolean }).all) (callback as (e: null, a: typeof all) => void)(null, all);
      else callback(null, all[0]!.address, all[0]!.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          lookup: pinned,
          agent: false,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < KEEP_BYTES) {
              chunks.push(chunk);
              kept += chunk.length;
            }
            if (kept >= KEEP_BYTES) res.destroy();
          });
          const done = () => {
            clearTimeout(overall);
            resolve({
              statusCode: res.statusCode ?? 0,
              responsePrefix: Buffer.concat(chunks).subarray(0, KEEP_BYTES).toString('utf8'),
            });
          };
          res.once('end', done);
          res.once('close', done);
        },
      );
      // `timeout` is idle time on the socket; the whole exchange is bounded too.
      const overall = setTimeout(
        () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
        timeoutMs,
      );
      req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.once('error', (error) => {
        clearTimeout(overall);
        reject(error);
      });
      req.end(body);
    });
  }
}
