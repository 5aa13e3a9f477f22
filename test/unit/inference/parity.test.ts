/**
 * The committed ONNX model, run by onnxruntime-node through the runtime's own inference module, reproduces the
 * PyTorch logits stored beside it (models/<name>/parity) within the tolerance the exporter wrote (1e-4). The
 * WavLM-Base-sized random graph is built by `npm run model:build` into models/.cache (not committed); when it is
 * present the same check runs on it, proving the runtime handles the full-size graph.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxDetector } from '../../../functions/inference/onnx-detector.ts';

const MODELS = [
  { dir: 'models/realtone-wavlm-small', required: true },
  { dir: 'models/.cache/wavlm-base-random', required: false },
];

function f32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

for (const { dir, required } of MODELS) {
  const present = existsSync(path.join(dir, 'parity', 'parity.json'));
  describe.skipIf(!present && !required)(`parity of ${dir}`, () => {
    it('matches the PyTorch logits within the stored tolerance', async () => {
      const meta = JSON.parse(readFileSync(path.join(dir, 'parity', 'parity.json'), 'utf8'));
      const inputs = f32(path.join(dir, 'parity', meta.inputs ?? 'inputs.f32'));
      const expected = f32(path.join(dir, 'parity', meta.outputs ?? 'outputs.f32'));
      expect(meta.atol).toBeLessThanOrEqual(1e-4);
      expect(inputs.length).toBe(meta.n * 64000);
      expect(expected.length).toBe(meta.n);
      const detector = await OnnxDetector.load(path.join(dir, 'model.json'));
      const got = await detector.raw(inputs, meta.n);
      await detector.close();
      expect(got.length).toBe(meta.n);
      for (let i = 0; i < meta.n; i++)
        expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(meta.atol);
      // The fixtures are informative: the logits are not all alike.
      expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
    }, 120_000);

    it('gives the same logits with spinning pool threads (INFERENCE_SPIN=1)', async () => {
      const meta = JSON.parse(readFileSync(path.join(dir, 'parity', 'parity.json'), 'utf8'));
      const inputs = f32(path.join(dir, 'parity', meta.inputs ?? 'inputs.f32'));
      const expected = f32(path.join(dir, 'parity', meta.outputs ?? 'outputs.f32'));
      const detector = await OnnxDetector.load(path.join(dir, 'model.json'), { spinning: true });
      const got = await detector.raw(inputs, meta.n);
      await detector.close();
      for (let i = 0; i < meta.n; i++)
        expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(meta.atol);
    }, 120_000);
  });
}
