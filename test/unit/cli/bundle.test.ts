/**
 * The entry-point bundles (scripts/bundle.mjs): built on demand, kept while the sources are unchanged (a newer time
 * with the same content only refreshes the stamp), and the CLI's static imports hold no AWS SDK, database or cache
 * client. The golden and fixture CLI tests run the bundled CLI end to end.
 */
import { readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

interface BundleState {
  bundleState(): { state: 'fresh' | 'stale' | 'missing'; dir?: string };
  STAMP: string;
}
interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: object }>;
}

let state: BundleState;
let dir: string;

beforeAll(async () => {
  state = (await import(pathToFileURL(path.join(ROOT, 'scripts/bundle-state.mjs')).href)) as BundleState;
  if (state.bundleState().state !== 'fresh') {
    const build = (await import(pathToFileURL(path.join(ROOT, 'scripts/bundle.mjs')).href)) as {
      buildBundles(o: { quiet: boolean }): Promise<unknown>;
    };
    await build.buildBundles({ quiet: true });
  }
  dir = state.bundleState().dir!;
}, 120_000);

describe('entry-point bundles', () => {
  it('records every source the CLI was built from', () => {
    const stamp = JSON.parse(readFileSync(state.STAMP, 'utf8')) as { inputs: string[]; entries: string[] };
    expect(stamp.inputs).toEqual(
      expect.arrayContaining(['functions/cli/main.ts', 'functions/audio/ingest.ts', 'package-lock.json']),
    );
    expect(stamp.entries).toEqual(
      expect.arrayContaining(['cli', 'ingest-thread-boot', 'detector-thread-boot', 'worker', 'stream']),
    );
    expect(statSync(path.join(dir, 'cli.mjs')).size).toBeGreaterThan(1000);
  });

  it('refreshes its stamp, without rebuilding, when a source is newer but unchanged (a checkout)', () => {
    const source = path.join(ROOT, 'functions/cli/main.ts');
    const now = new Date();
    utimesSync(source, now, now);
    const after = state.bundleState();
    expect(after).toEqual({ state: 'fresh', dir });
    expect(statSync(state.STAMP).mtimeMs).toBeGreaterThanOrEqual(statSync(source).mtimeMs);
  });

  it('gives the CLI no AWS SDK, Postgres or Redis client among its static imports', () => {
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Metafile;
    const byName = (file: string) => Object.keys(meta.outputs).find((o) => path.basename(o) === file)!;
    const seen = new Set<string>();
    const walk = (output: string) => {
      if (seen.has(output)) return;
      seen.add(output);
      for (const i of meta.outputs[output]!.imports)
        if (i.kind === 'import-statement' && !i.external) walk(byName(path.basename(i.path)));
    };
    walk(byName('cli.mjs'));
    const inputs = [...seen].flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
    expect(inputs).toContain('functions/cli/main.ts');
    expect(inputs.filter((i) => /node_modules\/(@aws-sdk|@smithy|pg|redis|@redis)\//.test(i))).toEqual([]);
  });
});
