/**
 * The web app on the local stack, standing in for CloudFront: files from web/dist with their content types and the
 * same security headers as in AWS, hashed assets cached for a year, the SPA fallback (a path without a file
 * extension gets index.html, so /jobs/{id} survives a reload), and /config.json written here as the stack writes
 * it to the bucket in AWS (the API is this origin).
 */
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { webSecurityHeaders } from '../shared/web-headers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export interface WebStaticOptions {
  /** The built app (web/dist). */
  distDir: string;
  /** Origins the page may connect to besides its own (the local S3 endpoint). */
  connectSources: string[];
}

export function createWebStatic(options: WebStaticOptions) {
  const root = path.resolve(options.distDir);
  const headers = webSecurityHeaders(options.connectSources);
  const config = JSON.stringify({ apiOrigin: '' });
  const cache = new Map<string, Buffer>();

  async function load(file: string): Promise<Buffer | null> {
    const cached = cache.get(file);
    if (cached) return cached;
    const body = await readFile(file).catch(() => null);
    // Only files that exist are kept (a flood of made-up paths must not grow the map), and not index.html, which
    // a rebuild while the stack runs replaces; hashed assets never change.
    if (body && !file.endsWith('index.html')) cache.set(file, body);
    return body;
  }

  function send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    type: string,
    body: Buffer | string,
    cacheControl: string,
  ) {
    res.writeHead(status, {
      ...headers,
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': cacheControl,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return async (req: http.IncomingMessage, res: http.ServerResponse, rawPath: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-length': 0 });
      return void res.end();
    }
    if (rawPath === '/config.json') return send(req, res, 200, TYPES['.json']!, config, 'no-cache');
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return send(req, res, 400, TYPES['.txt']!, 'bad path\n', 'no-store');
    }
    const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
    if (!file.startsWith(root + path.sep) && file !== root)
      return send(req, res, 404, TYPES['.txt']!, 'not found\n', 'no-store');
    const extension = path.extname(file);
    const body = extension ? await load(file) : null;
    if (body) {
      const immutable = rawPath.startsWith('/assets/');
      const type = TYPES[extension] ?? 'application/octet-stream';
      return send(req, res, 200, type, body, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    if (extension) return send(req, res, 404, TYPES['.txt']!, 'not found\n', 'no-store');
    const index = await load(path.join(root, 'index.html'));
    if (!index)
      return send(
        req,
        res,
        503,
        TYPES['.txt']!,
        'the web app is not built: run `npm run build:web`\n',
        'no-store',
      );
    send(req, res, 200, TYPES['.html']!, index, 'no-cache');
  };
}
