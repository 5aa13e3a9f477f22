/**
 * scripts/build-layers.sh with the fixture model: both layers are built, fit Lambda's limits, and the packaged
 * onnxruntime loads and runs the packaged model from the layer paths alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODEL_MANIFEST, REPO_ROOT } from '../../infra/lib/config.ts';

const out = mkdtempSync(path.join(os.tmpdir(), 'realtone-layers-'));
let report: string;

afterAll(() => rmSync(out, { recursive: true, force: true }));

beforeAll(() => {
  report = execFileSync('bash', ['scripts/build-layers.sh', FIXTURE_MODEL_MANIFEST], {
    cwd: REPO_ROOT,
    env: { ...process.env, LAYERS_OUT: out },
  }).toString();
}, 120_000);

describe('build-layers.sh', () => {
  it('builds the onnxruntime and model layers as directories and zips, and reports their sizes', () => {
    expect(readdirSync(out).sort()).toEqual(['model', 'model.zip', 'onnxruntime', 'onnxruntime.zip']);
    expect(report).toMatch(/onnxruntime\s+[\d.]+ MB unzipped/);
    expect(report).toMatch(/of the 250.0 MB Lambda allows/);
    expect(existsSync(path.join(out, 'model/model/energy-fixture/model.json'))).toBe(true);
    expect(existsSync(path.join(out, 'model/model/energy-fixture/model.onnx'))).toBe(true);
  });

  it('keeps only the linux-x64 CPU binaries of onnxruntime', () => {
    const bin = path.join(out, 'onnxruntime/nodejs/node_modules/onnxruntime-node/bin/napi-v6');
    expect(readdirSync(bin)).toEqual(['linux']);
    expect(readdirSync(path.join(bin, 'linux'))).toEqual(['x64']);
    expect(readdirSync(path.join(bin, 'linux/x64')).some((f) => f.includes('providers_cuda'))).toBe(false);
  });

  it('runs the layered model with the layered onnxruntime, as /opt would provide them', () => {
    const script = `
      const ort = require(${JSON.stringify(path.join(out, 'onnxruntime/nodejs/node_modules/onnxruntime-node'))});
      (async () => {
        const s = await ort.InferenceSession.create(${JSON.stringify(path.join(out, 'model/model/energy-fixture/model.onnx'))});
        const x = new ort.Tensor('float32', new Float32Array(64000).fill(0.5), [1, 64000]);
        const y = await s.run({ waveform: x });
        process.stdout.write(String(y.logit.data.length));
      })();`;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: os.tmpdir() }).toString()).toBe('1');
  });
});
