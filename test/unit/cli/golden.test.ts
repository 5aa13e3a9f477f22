/**
 * Golden output of the real CLI with the default model on every audio fixture (test/fixtures/audio and the two
 * speech files of test/fixtures/e2e). Files, jobs and streams share one pipeline; this pins what files produce, so a
 * change to the pipeline that moves a chunk boundary, a reason, an error code or a score shows up here.
 *
 * Scores may differ by float rounding between CPUs (onnxruntime picks kernels by instruction set), so they are
 * compared within 2e-5; every other field must be identical. `UPDATE_GOLDEN=1` rewrites the golden file after an
 * intended change (review the diff).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const GOLDEN = path.join(ROOT, 'test/fixtures/golden/cli-default-model.jsonl');
const SCORE_TOLERANCE = 2e-5;

const files = [
  ...readdirSync(path.join(ROOT, 'test/fixtures/audio'))
    .filter((f) => f !== 'expected.json')
    .map((f) => `test/fixtures/audio/${f}`),
  'test/fixtures/e2e/speech-6.2s.mp3',
  'test/fixtures/e2e/speech-9.5s.wav',
].sort();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Equal except that numbers under a `score` key may differ by SCORE_TOLERANCE. */
function sameUpToScores(actual: Json, golden: Json, key = ''): boolean {
  if (typeof golden === 'number' && typeof actual === 'number' && key === 'score')
    return Math.abs(actual - golden) <= SCORE_TOLERANCE;
  if (Array.isArray(golden))
    return (
      Array.isArray(actual) &&
      actual.length === golden.length &&
      golden.every((g, i) => sameUpToScores(actual[i]!, g, key))
    );
  if (golden && typeof golden === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(golden);
    return (
      keys.length === Object.keys(actual).length &&
      keys.every((k) => k in actual && sameUpToScores(actual[k]!, golden[k]!, k))
    );
  }
  return actual === golden;
}

/** The user's view: no model or limit overrides from the test runner's environment. */
function defaultEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['MODEL_MANIFEST', 'MAX_UPLOAD_BYTES', 'MAX_DURATION_SECONDS', 'INFERENCE_THREADS'])
    delete env[name];
  return env;
}

describe('golden CLI output with the default model', () => {
  const run = promisify(execFile)(process.execPath, ['scripts/realtone.mjs', 'analyze', ...files], {
    cwd: ROOT,
    env: defaultEnv(),
    maxBuffer: 1 << 24,
  }).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );

  it('exits 1 (some fixtures are broken on purpose) and prints one line per file, in order', async () => {
    const { stdout, code } = await run;
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { file: string }).file)).toEqual(files);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${lines.join('\n')}\n`);
  });

  const golden = new Map(
    (existsSync(GOLDEN) ? readFileSync(GOLDEN, 'utf8').trim().split('\n') : [])
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { file: string } & Record<string, Json>)
      .map((l) => [l.file, l]),
  );

  it('has a golden line for every fixture', () => {
    expect([...golden.keys()].sort()).toEqual(files);
  });

  it.each(files)('%s', async (file) => {
    const line = (await run).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string } & Record<string, Json>)
      .find((l) => l.file === file);
    const want = golden.get(file)!;
    if (!sameUpToScores(line!, want)) expect(line).toEqual(want); // shows the difference
  });
});
