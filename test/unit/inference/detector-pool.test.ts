/**
 * DetectorPool with the real onnxruntime in real worker threads: the same scores as one session in this thread,
 * batches scored side by side, coded errors carried across the thread boundary, and a thread that dies failing only
 * its own batch before it is replaced.
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DetectorPool } from '../../../functions/inference/detector-pool.ts';
import { InferenceRunError, ModelMismatchError } from '../../../functions/inference/errors.ts';
import { OnnxDetector } from '../../../functions/inference/onnx-detector.ts';

const FIXTURE = 'test/fixtures/models/energy-fixture';
const WINDOW = 64000;
const pools: DetectorPool[] = [];

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

async function pool(manifest: string, workers = 2) {
  const p = await DetectorPool.load(manifest, { workers, threads: 1 });
  pools.push(p);
  return p;
}

/** `count` windows of a sine whose amplitude differs per window (so each window has its own score). */
function batchOf(count: number) {
  const batch = new Float32Array(count * WINDOW);
  for (let i = 0; i < batch.length; i++)
    batch[i] = Math.sin(i * 0.031) * (0.2 + 0.15 * Math.floor(i / WINDOW));
  return batch;
}

describe('DetectorPool', () => {
  it('gives the scores one session in this thread gives, two batches at once', async () => {
    const p = await pool(FIXTURE + '/model.json');
    expect(p.concurrency).toBe(2);
    expect(p.device).toBe('cpu');
    const inThread = await OnnxDetector.load(FIXTURE + '/model.json');
    const [a, b] = [batchOf(3), batchOf(5)];
    const [fromPoolA, fromPoolB] = await Promise.all([p.score(a, 3), p.score(b, 5)]);
    expect(Array.from(fromPoolA)).toEqual(Array.from(await inThread.score(a, 3)));
    expect(Array.from(fromPoolB)).toEqual(Array.from(await inThread.score(b, 5)));
    expect(new Set(fromPoolB).size).toBe(5);
    // The caller's buffer is its own still: the pool sent a copy.
    expect(a[1]).toBeCloseTo(Math.sin(0.031) * 0.2, 6);
    await inThread.close();
  });

  it('refuses a model that disagrees with its manifest with the same coded error, and ends its threads', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-pool-'));
    await copyFile(path.join(FIXTURE, 'model.onnx'), path.join(dir, 'model.onnx'));
    const manifest = JSON.parse(await readFile(path.join(FIXTURE, 'model.json'), 'utf8'));
    manifest.sha256 = '0'.repeat(64);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
    const error = await DetectorPool.load(path.join(dir, 'model.json'), { workers: 2 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as ModelMismatchError).code).toBe('model_mismatch');
    expect((error as Error).message).toMatch(/manifest says 0{64}/);
  });

  it('fails only the batch of a thread that ends unexpectedly, and replaces the thread', async () => {
    const p = await pool(FIXTURE + '/model.json', 1);
    const expected = await p.score(batchOf(2), 2);
    // The thread is told to end behind the pool's back; the batch sent next finds it gone.
    const slot = (p as unknown as { slots: { worker: { postMessage(m: unknown): void } }[] }).slots[0]!;
    slot.worker.postMessage({ type: 'close' });
    const error = await p.score(batchOf(2), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceRunError);
    expect((error as InferenceRunError).code).toBe('inference_failed');
    expect((error as Error).message).toMatch(/inference thread exited/);
    expect(Array.from(await p.score(batchOf(2), 2))).toEqual(Array.from(expected));
  });

  it('refuses work once closed', async () => {
    const p = await DetectorPool.load(FIXTURE + '/model.json', { workers: 1 });
    await p.close();
    await expect(p.score(batchOf(1), 1)).rejects.toBeInstanceOf(InferenceRunError);
  });
});
