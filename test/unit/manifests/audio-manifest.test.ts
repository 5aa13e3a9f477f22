/**
 * audio_manifest_v1 against its committed JSON Schema (proto/audio_manifest_v1.schema.json): what the real CLI
 * writes with --manifest for a good and a corrupt file, and a manifest built for a failed worker job. The CLI's
 * stdout must stay the same with and without --manifest.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { buildManifest } from '../../../functions/core/manifests/audio-manifest.ts';
import { loadManifest } from '../../../functions/inference/manifest.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MODEL = path.join(ROOT, 'test/fixtures/models/energy-fixture/model.json');
const schema = JSON.parse(await readFile(path.join(ROOT, 'proto/audio_manifest_v1.schema.json'), 'utf8'));
const ajv = new Ajv2020({ strict: true, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);
const valid = (doc: unknown) => {
  const ok = validate(doc);
  if (!ok) throw new Error(JSON.stringify(validate.errors, null, 2));
  return ok;
};

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const cli = (args: string[]) =>
  run(process.execPath, ['scripts/realtone.mjs', 'analyze', '--model', MODEL, ...args], { cwd: ROOT }).catch(
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );

describe('audio_manifest_v1', () => {
  it('the CLI writes one valid manifest per file, equal to its JSON line, and stdout is unchanged', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-manifests-'));
    dirs.push(dir);
    const files = ['test/fixtures/e2e/speech-9.5s.wav', 'test/fixtures/audio/corrupt-truncated.wav'];
    const plain = await cli(files);
    const withManifests = await cli(['--manifest', dir, ...files]);
    expect(withManifests.stdout).toBe(plain.stdout);
    const lines = plain.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect((await readdir(dir)).sort()).toEqual(['corrupt-truncated.wav.json', 'speech-9.5s.wav.json']);
    const good = JSON.parse(await readFile(path.join(dir, 'speech-9.5s.wav.json'), 'utf8'));
    expect(valid(good)).toBe(true);
    expect(good).toMatchObject({
      status: 'completed',
      generator: { component: 'cli' },
      job: null,
      file: { name: 'speech-9.5s.wav', size_bytes: 418994, format: 'wav' },
      audio: { duration_s: 9.5, sample_rate_in: 22050, channels_in: 1, sample_rate_model: 16000 },
      model: { name: 'energy-fixture', fixture: true },
      extractors: [{ name: 'deepfake' }],
      windowing: { window_s: 4, hop_s: 4, min_s: 1 },
      error: null,
    });
    expect(good.chunks.map((c: { score: number }) => c.score)).toEqual(
      lines[0].chunks.map((c: { score: number }) => c.score),
    );
    expect(good.overall).toMatchObject(lines[0].overall);
    expect(good.timings.total_ms).toBeGreaterThan(0);
    const bad = JSON.parse(await readFile(path.join(dir, 'corrupt-truncated.wav.json'), 'utf8'));
    expect(valid(bad)).toBe(true);
    expect(bad).toMatchObject({ status: 'failed', audio: null, chunks: [], overall: null });
    expect(bad.error).toEqual(lines[1].error);
  });

  it('carries the chosen extractors with their versions and their features, per file and per chunk', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-manifests-'));
    dirs.push(dir);
    const out = await cli([
      '--extractors',
      'pitch,tempo',
      '--manifest',
      dir,
      'test/fixtures/e2e/speech-9.5s.wav',
    ]);
    const line = JSON.parse(out.stdout.trim());
    const doc = JSON.parse(await readFile(path.join(dir, 'speech-9.5s.wav.json'), 'utf8'));
    expect(valid(doc)).toBe(true);
    expect(doc.extractors.map((e: { name: string }) => e.name)).toEqual(['deepfake', 'pitch', 'tempo']);
    expect(doc.extractors.every((e: { version: string }) => e.version.length > 0)).toBe(true);
    expect(doc.features).toEqual(line.features);
    expect(doc.features.pitch.median_hz).toEqual(expect.any(Number));
    expect(doc.chunks.map((c: { features: unknown }) => c.features)).toEqual(
      line.chunks.map((c: { features: unknown }) => c.features),
    );
  });

  it('a failed worker job’s manifest is valid too, and the schema refuses a wrong one', async () => {
    const { manifest: model } = await loadManifest(MODEL);
    const doc = buildManifest({
      component: 'worker',
      model,
      job: { id: '6f2d8a0e-8c55-4c2b-9d7e-1b1f0e0c9a11', batchId: null, createdAt: new Date() },
      file: { name: 'a.wav', contentType: 'audio/wav', sizeBytes: 10 },
      outcome: { error: { code: 'too_large', message: 'the upload is 11 bytes' } },
      timings: {},
    });
    expect(valid(doc)).toBe(true);
    expect(validate({ ...doc, schema: 'audio_manifest_v2' })).toBe(false);
    expect(validate({ ...doc, chunks: [{ index: 0, start_s: 0, end_s: 4, score: 1.5 }] })).toBe(false);
  });
});
