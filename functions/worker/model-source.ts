/**
 * The model either ships in the image (MODEL_MANIFEST points at it) or comes from S3: with MODEL_S3_URI set to
 * s3://bucket/prefix/, the worker downloads prefix/model.json and then the model file that manifest names into a
 * local cache directory, and points MODEL_MANIFEST at the downloaded manifest. A cached file whose sha256 differs
 * from the manifest (a new model version under the same prefix) is downloaded again; OnnxDetector.load verifies the
 * checksum once more before any inference.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createS3Client } from '../adapters/s3-object-store.ts';
import { sha256File } from '../inference/manifest.ts';
import { ConfigError } from '../shared/errors.ts';
import { getLogger } from '../shared/logger.ts';

const log = getLogger('model-source');

export type GetObject = (bucket: string, key: string) => Promise<Readable>;

export function parseModelS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/.exec(uri);
  if (!match) throw new ConfigError(`MODEL_S3_URI must look like s3://bucket/prefix/, got ${uri}`);
  const prefix = match[2] ?? '';
  return { bucket: match[1]!, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
}

async function download(getObject: GetObject, bucket: string, key: string, target: string): Promise<void> {
  const partial = `${target}.partial`;
  try {
    await pipeline(await getObject(bucket, key), createWriteStream(partial));
    await rename(partial, target);
  } catch (cause) {
    await rm(partial, { force: true });
    throw new ConfigError(`cannot download s3://${bucket}/${key}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Downloads the model when MODEL_S3_URI is set and sets env.MODEL_MANIFEST to it; returns the manifest path, or
 * undefined when the model is the one in the image.
 */
export async function ensureModel(
  env: NodeJS.ProcessEnv = process.env,
  getObject?: GetObject,
): Promise<string | undefined> {
  if (!env.MODEL_S3_URI) return undefined;
  const { bucket, prefix } = parseModelS3Uri(env.MODEL_S3_URI);
  const dir = env.MODEL_CACHE_DIR ?? path.join(os.tmpdir(), 'realtone-model');
  await mkdir(dir, { recursive: true });
  let destroy = () => undefined as void;
  if (!getObject) {
    const client = createS3Client({ region: env.AWS_REGION ?? 'us-east-1' });
    destroy = () => client.destroy();
    getObject = async (b, k) =>
      (await client.send(new GetObjectCommand({ Bucket: b, Key: k }))).Body as Readable;
  }
  try {
    const manifestPath = path.join(dir, 'model.json');
    await download(getObject, bucket, `${prefix}model.json`, manifestPath);
    let manifest: { file?: unknown; sha256?: unknown };
    try {
      manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as typeof manifest;
    } catch (cause) {
      throw new ConfigError(`s3://${bucket}/${prefix}model.json is not JSON`, { cause });
    }
    const file = manifest.file;
    if (typeof file !== 'string' || !file || file !== path.basename(file) || file.startsWith('.'))
      throw new ConfigError(
        `s3://${bucket}/${prefix}model.json names no plain model file (file: ${String(file)})`,
      );
    const modelPath = path.join(dir, file);
    const cached = existsSync(modelPath) && (await sha256File(modelPath)) === manifest.sha256;
    if (!cached) {
      const started = performance.now();
      await download(getObject, bucket, `${prefix}${file}`, modelPath);
      log.info('model downloaded from S3', {
        uri: `s3://${bucket}/${prefix}${file}`,
        ms: Math.round(performance.now() - started),
      });
    }
    env.MODEL_MANIFEST = manifestPath;
    return manifestPath;
  } finally {
    destroy();
  }
}
