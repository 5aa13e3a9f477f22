/**
 * A download that breaks mid-object resumes where it stopped (Range pinned to the ETag), so the consumer sees every
 * byte once, in order. Real S3 emulator (s3rver) behind a proxy that the test cuts for a second.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../functions/adapters/s3-object-store.ts';
import { startS3 } from '../../functions/local/s3.ts';
import { tcpProxy } from '../chaos/support.ts';

const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

describe('S3 download across a broken connection', () => {
  it('delivers every byte once, in order, when the connection drops mid-object', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-s3-resume-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const s3 = await startS3({
      port: 0,
      directory: dir,
      bucket: 'resume-bucket',
      webOrigins: ['http://127.0.0.1:1'],
      onObjectCreated: () => undefined,
    });
    stops.push(s3.stop);
    const url = new URL(s3.endpoint);
    const proxy = await tcpProxy({ host: url.hostname, port: Number(url.port) });
    stops.push(() => proxy.down());
    process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
    const client = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${proxy.port}` });
    stops.push(async () => client.destroy());
    const store = new S3ObjectStore(client, 'resume-bucket');
    const object = randomBytes(24 << 20);
    await store.put('k', object as unknown as string, 'application/octet-stream');

    const parts: Buffer[] = [];
    let received = 0;
    let cut = false;
    for await (const chunk of await store.read('k')) {
      parts.push(Buffer.from(chunk));
      received += chunk.length;
      if (!cut && received > 1 << 20) {
        cut = true;
        await proxy.down(); // drops the connection in the middle of the body
        setTimeout(() => void proxy.up(), 1000);
      }
    }
    expect(cut).toBe(true);
    const all = Buffer.concat(parts);
    expect(all.length).toBe(object.length);
    expect(all.equals(object)).toBe(true);
  }, 60_000);
});
