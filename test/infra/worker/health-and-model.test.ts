/**
 * The container health check (heartbeat file) and the model download from S3 (with a fake GetObject).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../infra/lib/config.ts';
import { heartbeatAgeSeconds, isHealthy, startHeartbeat } from '../../../functions/worker/health.ts';
import { ensureModel, parseModelS3Uri } from '../../../functions/worker/model-source.ts';

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'realtone-worker-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('health check', () => {
  it('is healthy while the heartbeat is fresh and unhealthy when it is stale or missing', () => {
    const file = path.join(tmp(), 'hb');
    expect(isHealthy(file)).toBe(false);
    const stop = startHeartbeat(file, 60_000);
    stop();
    expect(heartbeatAgeSeconds(file)).toBeLessThan(5);
    expect(isHealthy(file, 60)).toBe(true);
    expect(isHealthy(file, 60, Date.now() + 61_000)).toBe(false);
  });

  it('exits 0 or 1 when run as the container health check command', () => {
    const file = path.join(tmp(), 'hb');
    const run = () => {
      try {
        execFileSync(process.execPath, ['--import', 'tsx', 'functions/worker/health.ts'], {
          cwd: REPO_ROOT,
          env: { ...process.env, WORKER_HEARTBEAT_FILE: file },
        });
        return 0;
      } catch (error) {
        return (error as { status: number }).status;
      }
    };
    expect(run()).toBe(1);
    writeFileSync(file, String(Date.now()));
    expect(run()).toBe(0);
  }, 30_000);
});

describe('model from S3', () => {
  const model = Buffer.from('not really onnx');
  const manifest = JSON.stringify({
    file: 'model.onnx',
    sha256: createHash('sha256').update(model).digest('hex'),
  });

  it('parses s3://bucket/prefix/ URIs', () => {
    expect(parseModelS3Uri('s3://models-bucket/realtone/v1/')).toEqual({
      bucket: 'models-bucket',
      prefix: 'realtone/v1/',
    });
    expect(parseModelS3Uri('s3://models-bucket/realtone/v1')).toEqual({
      bucket: 'models-bucket',
      prefix: 'realtone/v1/',
    });
    expect(() => parseModelS3Uri('https://example.com/model')).toThrow(/MODEL_S3_URI/);
  });

  it('does nothing without MODEL_S3_URI', async () => {
    const env: NodeJS.ProcessEnv = { MODEL_MANIFEST: 'models/x/model.json' };
    expect(await ensureModel(env, vi.fn())).toBeUndefined();
    expect(env.MODEL_MANIFEST).toBe('models/x/model.json');
  });

  it('downloads the manifest and the file it names, points MODEL_MANIFEST at them, and reuses a verified cache', async () => {
    const dir = tmp();
    const objects: Record<string, Buffer> = { 'p/model.json': Buffer.from(manifest), 'p/model.onnx': model };
    const getObject = vi.fn(async (bucket: string, key: string) => {
      expect(bucket).toBe('models-bucket');
      if (!objects[key]) throw new Error('NoSuchKey');
      return Readable.from([objects[key]]);
    });
    const env: NodeJS.ProcessEnv = { MODEL_S3_URI: 's3://models-bucket/p/', MODEL_CACHE_DIR: dir };
    const manifestPath = await ensureModel(env, getObject);
    expect(manifestPath).toBe(path.join(dir, 'model.json'));
    expect(env.MODEL_MANIFEST).toBe(manifestPath);
    expect(readFileSync(path.join(dir, 'model.onnx'))).toEqual(model);
    expect(getObject.mock.calls.map((c) => c[1])).toEqual(['p/model.json', 'p/model.onnx']);

    getObject.mockClear();
    await ensureModel({ ...env }, getObject);
    expect(getObject.mock.calls.map((c) => c[1])).toEqual(['p/model.json']);
  });

  it('refuses a manifest whose file escapes the cache directory, and cleans up failed downloads', async () => {
    const dir = tmp();
    const evil = vi.fn(async () =>
      Readable.from([Buffer.from(JSON.stringify({ file: '../../etc/passwd' }))]),
    );
    await expect(
      ensureModel({ MODEL_S3_URI: 's3://models-bucket/p/', MODEL_CACHE_DIR: dir }, evil),
    ).rejects.toThrow(/names no plain model file/);
    const missing = vi.fn(async () => {
      throw new Error('AccessDenied');
    });
    await expect(
      ensureModel({ MODEL_S3_URI: 's3://models-bucket/p/', MODEL_CACHE_DIR: dir }, missing),
    ).rejects.toThrow(/cannot download s3:\/\/models-bucket\/p\/model.json: AccessDenied/);
    expect(existsSync(path.join(dir, 'model.json.partial'))).toBe(false);
  });
});
