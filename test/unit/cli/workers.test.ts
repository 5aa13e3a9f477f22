/**
 * `realtone analyze` with the model in a pool of threads (INFERENCE_WORKERS=2) prints the lines it prints with one
 * session in its own thread, and exits 0: the process neither ends while the threads load nor hangs after them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FILES = ['test/fixtures/e2e/speech-9.5s.wav', 'test/fixtures/e2e/speech-6.2s.mp3'];

async function analyze(workers: string) {
  const env = { ...process.env, INFERENCE_WORKERS: workers };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['scripts/realtone.mjs', 'analyze', ...FILES],
    {
      cwd: ROOT,
      env,
    },
  );
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { ok: boolean; chunks: { score: number }[] });
}

describe('realtone analyze with INFERENCE_WORKERS', () => {
  it('gives the same results from a pool of two threads as from one session', async () => {
    const [inThread, pooled] = await Promise.all([analyze('0'), analyze('2')]);
    expect(pooled).toHaveLength(2);
    expect(pooled.every((l) => l.ok)).toBe(true);
    expect(pooled.map((l) => l.chunks.length)).toEqual([3, 2]);
    for (const [i, line] of pooled.entries())
      for (const [j, chunk] of line.chunks.entries())
        expect(chunk.score).toBeCloseTo(inThread[i]!.chunks[j]!.score, 5);
  });
});
