/**
 * The public API against its OpenAPI contract, on the local stack with the real Postgres and Redis: every response
 * seen here is validated against proto/openapi.json, and every documented route must be exercised.
 */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROUTES } from '../../functions/api/routes.ts';
import { ApiClient, type UploadSlot } from '../support/api-client.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { documentedRoutes, seen, validateResponse } from '../support/openapi-validator.ts';

const MODEL = 'test/fixtures/models/energy-fixture/model.json';
let stack: StackProcess;
let wav: Uint8Array;
const newClient = () => new ApiClient(stack.api, validateResponse);

beforeAll(async () => {
  stack = await startStackProcess({
    MODEL_MANIFEST: MODEL,
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `${inject('redisPrefix')}contract:`,
    BATCH_MAX_PENDING_JOBS_PER_USER: '150',
  });
  wav = new Uint8Array(await readFile(path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav')));
});

afterAll(async () => {
  await stack?.stop();
});

async function completedJob(client: ApiClient, filename = 'speech.wav') {
  const slot = await client.requestUpload(filename, 'audio/wav', wav.length);
  expect(await ApiClient.postToS3(slot, wav, filename, 'audio/wav')).toBe(204);
  const job = await client.waitForJob(slot.job_id);
  expect(job.status).toBe('completed');
  return slot;
}

describe('public endpoints', () => {
  it('health, readiness, models and the OpenAPI document', async () => {
    const c = newClient();
    expect((await c.call('GET', '/v1/health')).json.status).toBe('ok');
    const ready = await c.call('GET', '/v1/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.json.checks).sort()).toEqual(['cache', 'dynamodb', 'postgres', 's3', 'sqs']);
    const models = await c.call('GET', '/v1/models');
    expect(models.json.active).toMatchObject({ name: 'energy-fixture', fixture: true, sample_rate: 16000 });
    expect(models.json.limits).toMatchObject({ max_upload_bytes: 209715200, max_duration_seconds: 3600 });
    expect(models.json.limits.content_types).toEqual(expect.arrayContaining(['audio/wav', 'audio/mpeg']));
    expect(models.json.limits.extensions).toMatchObject({ '.wav': 'audio/wav', '.mp3': 'audio/mpeg' });
    const doc = await c.call('GET', '/v1/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(doc.json).toEqual(JSON.parse(await readFile(path.join(ROOT, 'proto/openapi.json'), 'utf8')));
  });

  it('lists the extractors without a token', async () => {
    const c = newClient();
    const res = await c.call('GET', '/v1/extractors');
    expect(res.status).toBe(200);
    const available = res.json.available as { name: string; version: string; description: string }[];
    expect(available.map((e) => e.name)).toEqual(['deepfake', 'pitch', 'tempo', 'vad']);
    for (const e of available) {
      expect(e.version).toMatch(/\S/);
      expect(e.description.length).toBeGreaterThan(20);
    }
    expect(res.json.available[1].outputs.median_hz).toMatchObject({
      type: 'number',
      unit: 'Hz',
      nullable: true,
    });
  });

  it('registers, rejects a duplicate and bad payloads, and logs in', async () => {
    const c = newClient();
    const email = await c.signUp();
    const dup = await c.call('POST', '/v1/auth/register', {
      email: email.toUpperCase(),
      password: 'another password 1',
    });
    expect(dup.status).toBe(409);
    expect(dup.json.code).toBe('email_taken');
    const weak = await c.call('POST', '/v1/auth/register', { email: 'x@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.json.errors[0].field).toBe('password');
    const notJson = await fetch(`${stack.api}/v1/auth/register`, {
      method: 'POST',
      body: 'email=a',
      headers: { 'content-type': 'text/plain' },
    });
    const body = await notJson.json();
    validateResponse('POST', '/v1/auth/register', notJson.status, notJson.headers.get('content-type'), body);
    expect(notJson.status).toBe(415);
    const broken = await fetch(`${stack.api}/v1/auth/register`, {
      method: 'POST',
      body: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    validateResponse(
      'POST',
      '/v1/auth/register',
      broken.status,
      broken.headers.get('content-type'),
      await broken.json(),
    );
    expect(broken.status).toBe(400);
    const wrong = await c.call('POST', '/v1/auth/login', { email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe('invalid_credentials');
  });
});

describe('sessions', () => {
  it('refreshes with the login cookie, then logs out', async () => {
    const c = newClient();
    const email = await c.signUp();
    const login = await fetch(`${stack.api}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    validateResponse(
      'POST',
      '/v1/auth/login',
      login.status,
      login.headers.get('content-type'),
      await login.json(),
    );
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const refreshed = await c.call('POST', '/v1/auth/refresh', undefined, { cookie });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.token_type).toBe('Bearer');
    const next = refreshed.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await c.call('DELETE', '/v1/auth/refresh', undefined, { cookie: next })).status).toBe(204);
    const after = await c.call('POST', '/v1/auth/refresh', undefined, { cookie: next });
    expect(after.status).toBe(401);
    expect(after.json.code).toBe('unauthorized');
  });
});

describe('jobs', () => {
  it('moves a job awaiting_upload → queued/processing/completed with progress and Retry-After', async () => {
    const c = newClient();
    await c.signUp();
    const slot = await c.requestUpload('speech.wav', 'audio/wav', wav.length);
    const before = await c.call('GET', `/v1/jobs/${slot.job_id}`);
    expect(before.json.status).toBe('awaiting_upload');
    expect(before.headers.get('retry-after')).toBe('2');
    expect(await ApiClient.postToS3(slot, wav, 'speech.wav', 'audio/wav')).toBe(204);
    const done = await c.waitForJob(slot.job_id);
    expect(done.progress).toEqual({ chunks_done: 3, chunks_total: 3 });
    expect(done.timings.total_ms).toBeGreaterThan(0);
    const final = await c.call('GET', `/v1/jobs/${slot.job_id}`);
    expect(final.headers.get('retry-after')).toBeNull();
  });

  it('runs the extractors chosen with the upload and refuses unknown ones, naming the valid ones', async () => {
    const c = newClient();
    await c.signUp();
    const base = { filename: 'speech.wav', content_type: 'audio/wav', size_bytes: wav.length };
    const bad = await c.call('POST', '/v1/uploads', { ...base, extractors: ['pitch', 'loudness'] });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('unknown_extractor');
    expect(bad.json.detail).toContain('valid extractors: deepfake, pitch, tempo, vad');
    const created = await c.call('POST', '/v1/uploads', { ...base, extractors: ['tempo', 'pitch', 'vad'] });
    expect(created.status).toBe(201);
    expect(created.json.extractors).toEqual(['deepfake', 'pitch', 'tempo', 'vad']);
    expect(await ApiClient.postToS3(created.json as UploadSlot, wav, 'speech.wav', 'audio/wav')).toBe(204);
    const job = await c.waitForJob(created.json.job_id);
    expect(job.status).toBe('completed');
    expect(job.extractors).toEqual(['deepfake', 'pitch', 'tempo', 'vad']);
    const { result } = job;
    expect(result.extractors.map((e: { name: string }) => e.name)).toEqual([
      'deepfake',
      'pitch',
      'tempo',
      'vad',
    ]);
    expect(Object.keys(result.features).sort()).toEqual(['pitch', 'tempo', 'vad']); // jsonb keeps no key order
    expect(result.features.pitch.median_hz).toBeGreaterThan(60);
    expect(result.features.pitch.median_hz).toBeLessThan(400);
    expect(result.features.vad.speech_fraction).toBeGreaterThan(0.5);
    for (const chunk of result.chunks.filter((ch: { score: number | null }) => ch.score !== null)) {
      expect(Object.keys(chunk.features).sort()).toEqual(['pitch', 'tempo', 'vad']);
    }
    // Without a choice, the detector alone runs and the result has no features.
    const plain = await completedJob(c);
    const view = (await c.call('GET', `/v1/jobs/${plain.job_id}`)).json;
    expect(view.extractors).toEqual(['deepfake']);
    expect(view.result.features).toBeUndefined();
  });

  it('returns the same job for a retried Idempotency-Key and refuses its reuse with another body', async () => {
    const c = newClient();
    await c.signUp();
    const body = { filename: 'a.wav', content_type: 'audio/wav', size_bytes: 1000 };
    const first = await c.call('POST', '/v1/uploads', body, { 'idempotency-key': 'retry-42' });
    const again = await c.call('POST', '/v1/uploads', body, { 'idempotency-key': 'retry-42' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json.job_id).toBe(first.json.job_id);
    const other = await c.call(
      'POST',
      '/v1/uploads',
      { ...body, size_bytes: 2000 },
      { 'idempotency-key': 'retry-42' },
    );
    expect(other.status).toBe(422);
    expect(other.json.code).toBe('idempotency_key_reused');
    const fresh = await c.call('POST', '/v1/uploads', body);
    expect(fresh.json.job_id).not.toBe(first.json.job_id);
    // Keys are per user: another user with the same key gets their own job.
    const d = newClient();
    await d.signUp();
    const theirs = await d.call('POST', '/v1/uploads', body, { 'idempotency-key': 'retry-42' });
    expect(theirs.json.job_id).not.toBe(first.json.job_id);
  });

  it('lists history newest first with keyset pagination and filters', async () => {
    const c = newClient();
    await c.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.requestUpload(`f${i}.wav`, 'audio/wav', 100)).job_id);
    const done = await completedJob(c, 'done.wav');
    const page1 = await c.call('GET', '/v1/jobs?limit=4');
    expect(page1.json.items.map((j: any) => j.id)).toEqual([done.job_id, ...ids.slice(2).reverse()]);
    const page2 = await c.call('GET', `/v1/jobs?limit=4&cursor=${page1.json.next_cursor}`);
    expect(page2.json.items.map((j: any) => j.id)).toEqual(ids.slice(0, 2).reverse());
    expect(page2.json.next_cursor).toBeNull();
    const completed = await c.call('GET', '/v1/jobs?status=completed');
    expect(completed.json.items).toHaveLength(1);
    expect(completed.json.items[0].overall.label).toMatch(/real|likely_fake|fake/);
    const future = await c.call(
      'GET',
      `/v1/jobs?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(future.json.items).toEqual([]);
    const bad = await c.call('GET', '/v1/jobs?status=done');
    expect(bad.status).toBe(400);
    const badCursor = await c.call('GET', '/v1/jobs?cursor=not-a-cursor');
    expect(badCursor.json.code).toBe('invalid_cursor');
  });

  it('deletes the S3 object, the results and the cache entry', async () => {
    const c = newClient();
    await c.signUp();
    const slot = await completedJob(c);
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: stack.endpoints.s3,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const head = () =>
      s3.send(new HeadObjectCommand({ Bucket: 'realtone-uploads', Key: slot.upload.fields.key }));
    await expect(head()).resolves.toMatchObject({ ContentLength: wav.length });
    const del = await c.call('DELETE', `/v1/jobs/${slot.job_id}`);
    expect(del.status).toBe(204);
    await expect(head()).rejects.toThrow();
    expect((await c.call('GET', `/v1/jobs/${slot.job_id}`)).status).toBe(404);
    expect((await c.call('DELETE', `/v1/jobs/${slot.job_id}`)).status).toBe(404);
    expect((await c.call('GET', '/v1/jobs')).json.items).toEqual([]);
    s3.destroy();
  });
});

describe('stream tickets', () => {
  it('issues a one-time ticket bound to the caller, with the socket URL on the API port', async () => {
    const c = newClient();
    await c.signUp();
    const res = await c.call('POST', '/v1/stream/tickets');
    expect(res.status).toBe(201);
    const host = new URL(stack.api).host;
    expect(res.json).toEqual({
      ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      url: `ws://${host}/v1/stream?ticket=${res.json.ticket}`,
      expires_in: 60,
    });
    const again = await c.call('POST', '/v1/stream/tickets');
    expect(again.json.ticket).not.toBe(res.json.ticket);
    const anonymous = await newClient().call('POST', '/v1/stream/tickets');
    expect(anonymous.status).toBe(401);
  });
});

describe('webhooks and the events socket', () => {
  it('registers, lists, rotates, logs and deletes endpoints, per user', async () => {
    const c = newClient();
    await c.signUp();
    const url = 'http://127.0.0.1:9/hook';
    const created = await c.call('POST', '/v1/webhooks', {
      url,
      events: ['job.completed', 'stream.completed'],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      url,
      events: ['job.completed', 'stream.completed'],
      failing: false,
    });
    expect(created.json.secret).toMatch(/^whsec_/);
    const id = created.json.id;
    const list = await c.call('GET', '/v1/webhooks');
    expect(list.json.items).toHaveLength(1);
    expect(list.json.items[0]).not.toHaveProperty('secret');
    const rotated = await c.call('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(created.json.secret);
    expect(Date.parse(rotated.json.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const log = await c.call('GET', `/v1/webhooks/${id}/deliveries?limit=10`);
    expect(log.json).toEqual({ items: [] });
    expect((await c.call('GET', `/v1/webhooks/${id}/deliveries?limit=0`)).status).toBe(400);
    const bad = await c.call('POST', '/v1/webhooks', {
      url: 'http://192.168.1.10/x',
      events: ['job.failed'],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('webhook_url_forbidden');
    const stranger = newClient();
    await stranger.signUp();
    expect((await stranger.call('POST', `/v1/webhooks/${id}/rotate-secret`)).status).toBe(404);
    expect((await stranger.call('GET', `/v1/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await stranger.call('DELETE', `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await c.call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await c.call('GET', '/v1/webhooks')).json.items).toEqual([]);
    expect((await newClient().call('GET', '/v1/webhooks')).status).toBe(401);
  });

  it('issues a one-time events ticket with the socket URL on the API port', async () => {
    const c = newClient();
    await c.signUp();
    const res = await c.call('POST', '/v1/events/tickets');
    expect(res.status).toBe(201);
    expect(res.json.url).toBe(`ws://${new URL(stack.api).host}/v1/events?ticket=${res.json.ticket}`);
    expect((await newClient().call('POST', '/v1/events/tickets')).status).toBe(401);
  });
});

describe('batches', () => {
  const item = (filename: string, size = wav.length, content_type = 'audio/wav') => ({
    filename,
    content_type,
    size_bytes: size,
  });
  const s3 = () =>
    new S3Client({
      region: 'us-east-1',
      endpoint: stack.endpoints.s3,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });

  it('creates a batch, runs every item and reports counts, progress, items and manifests', async () => {
    const c = newClient();
    await c.signUp();
    const res = await c.call('POST', '/v1/batches', { items: [item('a.wav'), item('b.wav'), item('c.wav')] });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/batches/${res.json.batch_id}`);
    expect(res.json).toMatchObject({ status: 'awaiting_upload', extractors: ['deepfake'] });
    expect(res.json.items.map((i: { index: number; filename: string }) => [i.index, i.filename])).toEqual([
      [0, 'a.wav'],
      [1, 'b.wav'],
      [2, 'c.wav'],
    ]);
    const before = await c.call('GET', `/v1/batches/${res.json.batch_id}`);
    expect(before.json).toMatchObject({ status: 'awaiting_upload', total: 3, progress: 0 });
    expect(before.json.counts.awaiting_upload).toBe(3);
    expect(before.headers.get('retry-after')).toBe('2');
    for (const slot of res.json.items)
      expect(await ApiClient.postToS3(slot, wav, slot.filename, 'audio/wav')).toBe(204);
    const done = await c.waitForBatch(res.json.batch_id);
    expect(done).toMatchObject({ status: 'completed', total: 3, progress: 1 });
    expect(done.counts).toEqual({ awaiting_upload: 0, queued: 0, processing: 0, completed: 3, failed: 0 });
    expect(done.chunks.done).toBe(done.chunks.total);
    for (const it of done.items) expect(it.overall).toMatchObject({ label: expect.any(String) });
    const job = await c.call('GET', `/v1/jobs/${res.json.items[1].job_id}`);
    expect(job.json.batch_id).toBe(res.json.batch_id);
    const manifest = await (await fetch(job.json.manifest_url)).json();
    expect(manifest).toMatchObject({
      schema: 'audio_manifest_v1',
      status: 'completed',
      job: { id: job.json.id, batch_id: res.json.batch_id },
      file: { name: 'b.wav', size_bytes: wav.length },
      chunks: job.json.result.chunks,
      overall: job.json.result.overall,
    });
    const history = await c.call('GET', '/v1/jobs');
    expect(
      history.json.items.filter((j: { batch_id: string }) => j.batch_id === res.json.batch_id),
    ).toHaveLength(3);
  });

  it('refuses bad batches with precise codes before creating anything', async () => {
    const c = newClient();
    await c.signUp();
    const empty = await c.call('POST', '/v1/batches', { items: [] });
    expect(empty.status).toBe(400);
    expect(empty.json.errors[0].field).toBe('items');
    const tooMany = await c.call('POST', '/v1/batches', {
      items: Array.from({ length: 101 }, (_, i) => item(`${i}.wav`)),
    });
    expect(tooMany.status).toBe(400);
    const unknown = await c.call('POST', '/v1/batches', {
      items: [item('a.wav')],
      extractors: ['deepfake', 'nope'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.code).toBe('unknown_extractor');
    expect(unknown.json.detail).toContain('valid extractors: deepfake, pitch, tempo, vad');
    const large = await c.call('POST', '/v1/batches', {
      items: [item('a.wav'), item('b.wav', 300 * 1024 ** 2)],
    });
    expect(large.status).toBe(413);
    expect(large.json).toMatchObject({ code: 'too_large', errors: [{ field: 'items.1.size_bytes' }] });
    const type = await c.call('POST', '/v1/batches', { items: [item('a.txt', 10, 'text/plain')] });
    expect(type.status).toBe(415);
    expect(type.json).toMatchObject({
      code: 'unsupported_format',
      errors: [{ field: 'items.0.content_type' }],
    });
    const extra = await c.call('POST', '/v1/batches', { items: [item('a.wav')], priority: 'high' });
    expect(extra.status).toBe(400);
    expect((await c.call('GET', '/v1/batches')).json).toEqual({ items: [], next_cursor: null });
    expect((await c.call('GET', '/v1/jobs')).json.items).toEqual([]);
    expect((await newClient().call('POST', '/v1/batches', { items: [item('a.wav')] })).status).toBe(401);
  });

  it('limits unfinished jobs per user with 429 and Retry-After', async () => {
    const c = newClient();
    await c.signUp();
    const hundred = { items: Array.from({ length: 100 }, (_, i) => item(`${i}.wav`)) };
    expect((await c.call('POST', '/v1/batches', hundred)).status).toBe(201);
    const over = await c.call('POST', '/v1/batches', hundred);
    expect(over.status).toBe(429);
    expect(over.json.code).toBe('too_many_pending_jobs');
    expect(over.headers.get('retry-after')).toBe('30');
    const other = newClient();
    await other.signUp();
    expect((await other.call('POST', '/v1/batches', hundred)).status).toBe(201);
  });

  it('lists history with keyset pagination and keeps users apart', async () => {
    const c = newClient();
    await c.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await c.call('POST', '/v1/batches', { items: [item(`${i}.wav`)] })).json.batch_id);
    const first = await c.call('GET', '/v1/batches?limit=2');
    expect(first.json.items.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    expect(first.json.items[0]).toMatchObject({ status: 'awaiting_upload', total: 1, progress: 0 });
    const second = await c.call('GET', `/v1/batches?limit=2&cursor=${first.json.next_cursor}`);
    expect(second.json).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
    expect((await c.call('GET', '/v1/batches?cursor=bogus')).json.code).toBe('invalid_cursor');
    expect((await c.call('GET', '/v1/batches?limit=0')).status).toBe(400);
    const stranger = newClient();
    await stranger.signUp();
    expect((await stranger.call('GET', `/v1/batches/${ids[0]}`)).status).toBe(404);
    expect((await stranger.call('DELETE', `/v1/batches/${ids[0]}`)).status).toBe(404);
    expect((await stranger.call('GET', '/v1/batches')).json.items).toEqual([]);
    expect((await c.call('GET', '/v1/batches/not-a-uuid')).status).toBe(404);
  });

  it('deletes every item: uploads, manifests, jobs and the batch', async () => {
    const c = newClient();
    await c.signUp();
    const res = await c.call('POST', '/v1/batches', { items: [item('a.wav'), item('b.wav')] });
    for (const slot of res.json.items) await ApiClient.postToS3(slot, wav, slot.filename, 'audio/wav');
    const done = await c.waitForBatch(res.json.batch_id);
    const client = s3();
    const keys = res.json.items.flatMap((slot: { job_id: string; upload: { fields: { key: string } } }) => {
      const owner = slot.upload.fields.key.split('/')[1];
      return [slot.upload.fields.key, `results/${owner}/${slot.job_id}.json`];
    });
    const exists = (key: string) =>
      client.send(new HeadObjectCommand({ Bucket: 'realtone-uploads', Key: key })).then(
        () => true,
        () => false,
      );
    expect(await Promise.all(keys.map(exists))).toEqual([true, true, true, true]);
    expect(done.status).toBe('completed');
    expect((await c.call('DELETE', `/v1/batches/${res.json.batch_id}`)).status).toBe(204);
    expect(await Promise.all(keys.map(exists))).toEqual([false, false, false, false]);
    expect((await c.call('GET', `/v1/batches/${res.json.batch_id}`)).status).toBe(404);
    expect((await c.call('GET', `/v1/jobs/${res.json.items[0].job_id}`)).status).toBe(404);
    expect((await c.call('DELETE', `/v1/batches/${res.json.batch_id}`)).status).toBe(404);
    client.destroy();
  });
});

describe('contract coverage', () => {
  it('exercised every documented route, and every route in the table is documented', () => {
    const routes = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(documentedRoutes().sort()).toEqual(routes);
    for (const route of routes)
      expect(
        [...seen].some((s) => s.startsWith(`${route} `)),
        route,
      ).toBe(true);
  });
});
