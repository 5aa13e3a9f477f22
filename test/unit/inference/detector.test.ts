import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, ModelMismatchError } from '../../../functions/inference/errors.ts';
import { OnnxDetector } from '../../../functions/inference/onnx-detector.ts';

const FIXTURE = 'test/fixtures/models/energy-fixture';
let dir: string;
let base: Record<string, any>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-manifest-'));
  await copyFile(path.join(FIXTURE, 'model.onnx'), path.join(dir, 'model.onnx'));
  base = JSON.parse(await readFile(path.join(FIXTURE, 'model.json'), 'utf8'));
});

async function manifestWith(patch: (m: Record<string, any>) => void): Promise<string> {
  const m = structuredClone(base);
  patch(m);
  const file = path.join(dir, `${crypto.randomUUID()}.json`);
  await writeFile(file, JSON.stringify(m));
  return file;
}

describe('OnnxDetector', () => {
  it('scores a batch: one probability per chunk, from the logit through a sigmoid', async () => {
    const d = await OnnxDetector.load(path.join(FIXTURE, 'model.json'));
    expect(d.device).toBe('cpu');
    const batch = new Float32Array(2 * 64000);
    batch.fill(0.5, 0, 64000); // mean |x| = 0.5 → logit 0 → 0.5
    batch.fill(1, 64000); // mean |x| = 1 → logit 2 → 0.8808
    const p = await d.score(batch, 2);
    expect(p[0]).toBeCloseTo(0.5, 6);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    await d.close();
  });

  it.each([
    [
      'an input name the model lacks',
      (m: any) => (m.input.name = 'audio'),
      /model inputs are \[waveform\], manifest expects exactly \[audio\]/,
    ],
    [
      'an output name the model lacks',
      (m: any) => (m.output.name = 'score'),
      /model outputs are \[logit\], manifest expects score/,
    ],
    [
      'two-class output from a one-logit model',
      (m: any) => Object.assign(m.output, { kind: 'two_class_logits', shape: ['batch', 2], fake_index: 1 }),
      /output logit has shape \[2\] for a batch of 2/,
    ],
    [
      'a checksum that does not match',
      (m: any) => (m.sha256 = '0'.repeat(64)),
      /has sha256 [0-9a-f]{64}, manifest says 0{64}/,
    ],
  ])('refuses %s at start-up', async (_name, patch, message) => {
    const file = await manifestWith(patch);
    const error = await OnnxDetector.load(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['an unknown field', (m: any) => (m.extra = 1), /Unrecognized key/],
    [
      'a window that differs from the input length',
      (m: any) => (m.chunk.window_samples = 32000),
      /input length must equal chunk.window_samples/,
    ],
    [
      'thresholds out of order',
      (m: any) => Object.assign(m.thresholds, { likely_fake: 0.9, fake: 0.5 }),
      /thresholds.fake must be >= thresholds.likely_fake/,
    ],
  ])('rejects a manifest with %s', async (_name, patch, message) => {
    const error = await OnnxDetector.load(await manifestWith(patch)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a file that is not an ONNX model', async () => {
    await writeFile(path.join(dir, 'junk.onnx'), 'not a model');
    const file = await manifestWith((m) => {
      m.file = 'junk.onnx';
      m.sha256 = '2b8bf1dbc0fc7b8c7e0c0ce0b3bb7f2fe0f5fd3a4a4b61e4a5ab0a9c9a4f6e3b';
    });
    const error = await OnnxDetector.load(file, { verifyChecksum: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as Error).message).toMatch(/onnxruntime cannot load/);
  });
});
