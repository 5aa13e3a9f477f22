/**
 * The first visit's JavaScript stays within 200 KB gzipped (issue budget), measured on the real build by the same
 * code as `npm run bench:web`; and the generated API types match proto/openapi.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_GZIP_JS_BYTES, ensureBuilt, measureFirstLoad } from '../../bench/web-bundle.ts';
import { ROOT } from '../support/local-stack-process.ts';

describe('web build', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('loads at most 200 KB of gzipped JavaScript on the first visit', () => {
    const load = measureFirstLoad();
    expect(load.files.some((f) => f.file.endsWith('.js'))).toBe(true);
    expect(load.js_gzip_bytes).toBeGreaterThan(10_000); // React is in there: the measure sees the real bundle
    expect(load.js_gzip_bytes).toBeLessThanOrEqual(BUDGET_GZIP_JS_BYTES);
  });

  it('has no inline script in index.html', () => {
    const html = readFileSync(path.join(ROOT, 'web/dist/index.html'), 'utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="\/assets\//);
  });
});

describe('generated API types', () => {
  it('are what openapi-typescript makes of proto/openapi.json (run `npm run gen:api` after changing it)', async () => {
    const spec = JSON.parse(readFileSync(path.join(ROOT, 'proto/openapi.json'), 'utf8'));
    const generated = astToString(await openapiTS(spec));
    const committed = readFileSync(path.join(ROOT, 'web/src/api/schema.d.ts'), 'utf8');
    const body = (s: string) => s.slice(s.indexOf('export interface paths'));
    expect(body(committed).trim()).toBe(body(generated).trim());
  });
});
