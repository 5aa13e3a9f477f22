/**
 * The real CLI (`node scripts/realtone.mjs analyze`, as `npx realtone analyze` runs it) on the whole audio fixture
 * set, compared line by line with test/fixtures/audio/expected.json, with the tiny energy fixture model.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIXTURES, expected } from '../../support/audio-fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MODEL = path.join(ROOT, 'test/fixtures/models/energy-fixture/model.json');

interface Line {
  file: string;
  ok: boolean;
  duration_s?: number;
  sample_rate_in?: number;
  chunks?: { index: number; start_s: number; end_s: number; score: number | null; reason?: string }[];
  overall?: { label: string; score: number; confidence: number };
  model?: { name: string; version: string };
  error?: { code: string; message: string };
}

async function analyze(files: string[], env: Record<string, string> = {}) {
  const run = promisify(execFile);
  const args = ['scripts/realtone.mjs', 'analyze', ...files.map((f) => path.join(FIXTURES, f))];
  const options = { cwd: ROOT, env: { ...process.env, MODEL_MANIFEST: MODEL, ...env }, maxBuffer: 1 << 24 };
  const { stdout, code } = await run(process.execPath, args, options).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  return { code, lines: new Map(lines.map((l) => [path.basename(l.file), l])) };
}

describe('realtone analyze on the audio fixtures', () => {
  const plain = Object.entries(expected).filter(([, e]) => e.ok || !e.env);
  const withEnv = Object.entries(expected).filter(([, e]) => !e.ok && e.env);
  const run = analyze(plain.map(([f]) => f));

  it('prints one line per file and exits 1 because some files fail', async () => {
    const { code, lines } = await run;
    expect(code).toBe(1);
    expect([...lines.keys()].sort()).toEqual(plain.map(([f]) => f).sort());
  });

  it.each(plain)('%s', async (file, entry) => {
    const line = (await run).lines.get(file)!;
    if (!entry.ok) {
      expect(line).toMatchObject({ ok: false, error: { code: entry.code } });
      expect(line.error!.message.length).toBeGreaterThan(10);
      return;
    }
    expect(line).toMatchObject({
      ok: true,
      duration_s: entry.duration_s,
      sample_rate_in: entry.sample_rate_in,
    });
    expect(line.model).toEqual({ name: 'energy-fixture', version: '0.0.1' });
    // Tail rule on 4 s windows (64,000 samples at 16 kHz, hop 4 s, min 1 s): every file here is one window,
    // except the 8.5 s one below.
    const chunks = line.chunks!;
    expect(chunks[chunks.length - 1]!.end_s).toBeCloseTo(entry.duration_s, 3);
    const scored = chunks.filter((c) => c.score !== null);
    expect(scored.length).toBeGreaterThan(0);
    for (const c of scored) expect(c.score).toBeGreaterThanOrEqual(0);
    expect(line.overall!.score).toBeCloseTo(Math.max(...scored.map((c) => c.score!)), 5); // top third of 1
  });

  it('reports silent and too-short chunks with score null and a reason, and leaves them out of the verdict', async () => {
    const line = (await run).lines.get('flac-silence-and-tail-16k.flac')!;
    expect(line.chunks).toEqual([
      { index: 0, start_s: 0, end_s: 4, score: expect.any(Number) },
      { index: 1, start_s: 4, end_s: 8, score: null, reason: 'silence' },
      { index: 2, start_s: 8, end_s: 8.5, score: null, reason: 'too_short' },
    ]);
    expect(line.overall!.score).toBe(line.chunks![0]!.score);
    expect(line.overall!.confidence).toBe(1);
  });

  it.each(withEnv)('%s under its limits', async (file, entry) => {
    if (entry.ok) throw new Error('unreachable');
    const { code, lines } = await analyze([file], entry.env);
    expect(code).toBe(1);
    expect(lines.get(file)).toMatchObject({ ok: false, error: { code: entry.code } });
  });

  it('exits 0 when every file is analysed', async () => {
    const { code, lines } = await analyze(['wav-pcm16-mono-16k.wav', 'ogg-opus-mono.opus']);
    expect(code).toBe(0);
    expect([...lines.values()].every((l) => l.ok)).toBe(true);
  });
});
