/**
 * `npm run bench:web`: what a first visit downloads, gzipped, from the built web app (web/dist, built first when
 * stale): the entry script and every module it preloads (the JavaScript that runs before the page is usable), the
 * stylesheets, and the budget (200 KB of gzipped JavaScript). Prints JSON; test/web/bundle-budget.test.ts holds the
 * budget in `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_JS_BYTES = 200 * 1024;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FirstLoad {
  files: { file: string; bytes: number; gzip_bytes: number }[];
  js_bytes: number;
  js_gzip_bytes: number;
  css_gzip_bytes: number;
  budget_gzip_js_bytes: number;
  within_budget: boolean;
}

/** The JS and CSS index.html loads (entry, modulepreloads, stylesheets), plus chunks they import statically. */
export function measureFirstLoad(dist = path.join(ROOT, 'web/dist')): FirstLoad {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const queue = [
    ...html.matchAll(/<script[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="(?:modulepreload|stylesheet)"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1]!);
  const seen = new Set<string>();
  const files: FirstLoad['files'] = [];
  while (queue.length) {
    const url = queue.shift()!;
    if (seen.has(url) || /^https?:/.test(url)) continue;
    seen.add(url);
    const body = readFileSync(path.join(dist, url));
    files.push({ file: url, bytes: body.length, gzip_bytes: gzipSync(body, { level: 9 }).length });
    if (url.endsWith('.js'))
      for (const m of body
        .toString('utf8')
        .matchAll(/(?:^|[;}\s])import\s*(?:[\w${},*\s]+from\s*)?"(\.\/[^"]+\.js)"/g))
        queue.push(path.posix.join(path.posix.dirname(url), m[1]!));
  }
  const sum = (ext: string, key: 'bytes' | 'gzip_bytes') =>
    files.filter((f) => f.file.endsWith(ext)).reduce((a, f) => a + f[key], 0);
  const jsGzip = sum('.js', 'gzip_bytes');
  return {
    files,
    js_bytes: sum('.js', 'bytes'),
    js_gzip_bytes: jsGzip,
    css_gzip_bytes: sum('.css', 'gzip_bytes'),
    budget_gzip_js_bytes: BUDGET_GZIP_JS_BYTES,
    within_budget: jsGzip <= BUDGET_GZIP_JS_BYTES,
  };
}

export function ensureBuilt(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-web.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stderr}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureBuilt();
  process.stdout.write(`${JSON.stringify(measureFirstLoad(), null, 2)}\n`);
}
