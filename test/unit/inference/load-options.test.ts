/**
 * How a process loads the model: the cached optimised graph (written once, used after, rebuilt when damaged), the
 * deferred probe (the first batch proves the output shape), and the choice between a pool of threads and one
 * session in the calling thread.
 */
import { copyFile, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelMismatchError } from '../../../functions/inference/errors.ts';
import { inferenceWorkers, threadsPerSession } from '../../../functions/inference/load-detector.ts';
import { OnnxDetector } from '../../../functions/inference/onnx-detector.ts';

const MODEL = 'models/realtone-wavlm-small/model.json';
const FIXTURE = 'test/fixtures/models/energy-fixture';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-load-'));
});

const batch = Float32Array.from(
  { length: 2 * 64000 },
  (_, i) => Math.sin(i * 0.02) * (i < 64000 ? 0.3 : 0.8),
);

describe('the optimised-graph cache', () => {
  it('writes the optimised graph once, then loads it with the same scores; a damaged file is rebuilt', async () => {
    const cache = path.join(dir, 'graphs');
    const plain = await OnnxDetector.load(MODEL);
    const expected = Array.from(await plain.score(batch, 2));
    await plain.close();

    const first = await OnnxDetector.load(MODEL, { graphCacheDir: cache });
    const files = await readdir(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^86b6d4dc[0-9a-f]{24}-ort\d+\.\d+\.\d+-[0-9a-f]{16}\.onnx$/);
    expect(Array.from(await first.score(batch, 2))).toEqual(expected);
    await first.close();

    const file = path.join(cache, files[0]!);
    const written = (await stat(file)).mtimeMs;
    const second = await OnnxDetector.load(MODEL, { graphCacheDir: cache });
    expect((await stat(file)).mtimeMs).toBe(written); // read, not rewritten
    expect(Array.from(await second.score(batch, 2))).toEqual(expected);
    await second.close();

    await writeFile(file, 'not an onnx graph');
    const third = await OnnxDetector.load(MODEL, { graphCacheDir: cache });
    expect((await stat(file)).size).toBeGreaterThan(1_000_000);
    expect(Array.from(await third.score(batch, 2))).toEqual(expected);
    await third.close();
    expect(await readdir(cache)).toEqual(files); // no temporary file left behind
  });

  it('is not used for a model whose checksum was not verified', async () => {
    const cache = path.join(dir, 'unverified');
    const d = await OnnxDetector.load(MODEL, { graphCacheDir: cache, verifyChecksum: false });
    await expect(readdir(cache)).rejects.toMatchObject({ code: 'ENOENT' });
    await d.close();
  });
});

describe('the deferred probe', () => {
  it('loads without a probe run, and the first batch refuses an output shape the manifest does not declare', async () => {
    const copy = path.join(dir, 'two-class');
    await copyFile(path.join(FIXTURE, 'model.onnx'), `${copy}.onnx`);
    const manifest = JSON.parse(await readFile(path.join(FIXTURE, 'model.json'), 'utf8'));
    Object.assign(manifest, { file: 'two-class.onnx' });
    Object.assign(manifest.output, { kind: 'two_class_logits', shape: ['batch', 2], fake_index: 1 });
    await writeFile(`${copy}.json`, JSON.stringify(manifest));
    await expect(OnnxDetector.load(`${copy}.json`)).rejects.toBeInstanceOf(ModelMismatchError);
    const d = await OnnxDetector.load(`${copy}.json`, { probe: false });
    const error = await d.score(batch, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as Error).message).toMatch(/output logit has shape \[1\] for a batch of 1/);
    await d.close();
  });
});

describe('pool or one session', () => {
  it('runs a server or a large CLI input on a multi-core CPU with two single-session threads, else one session', () => {
    expect(inferenceWorkers('auto', { device: 'cpu', cores: 2 })).toBe(2);
    expect(inferenceWorkers('auto', { device: 'cpu', cores: 16 })).toBe(2);
    expect(inferenceWorkers('auto', { device: 'cpu', cores: 1 })).toBe(0);
    expect(inferenceWorkers('auto', { device: 'cpu', cores: 2, shortLived: true })).toBe(0);
    // A CLI run uses the pool once its input is large enough to earn the threads' start.
    expect(
      inferenceWorkers('auto', { device: 'cpu', cores: 2, shortLived: true, inputBytes: 10_584_078 }),
    ).toBe(0);
    expect(
      inferenceWorkers('auto', { device: 'cpu', cores: 2, shortLived: true, inputBytes: 19_200_078 }),
    ).toBe(2);
    expect(inferenceWorkers('auto', { device: 'cuda', cores: 8 })).toBe(0);
    expect(inferenceWorkers(3, { device: 'cpu', cores: 2, shortLived: true })).toBe(3);
    expect(inferenceWorkers(0, { device: 'cpu', cores: 8 })).toBe(0);
  });

  it('shares the cores among the pool sessions unless told a thread count', () => {
    expect(threadsPerSession(0, 2, 2)).toBe(1);
    expect(threadsPerSession(0, 2, 16)).toBe(8);
    expect(threadsPerSession(0, 3, 2)).toBe(1);
    expect(threadsPerSession(4, 2, 16)).toBe(4);
    expect(threadsPerSession(0, 0, 16)).toBe(0); // one session: onnxruntime's own choice
  });
});
