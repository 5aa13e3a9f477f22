/**
 * Webhooks and the events socket on the real local stack (docs/webhooks.md), as an outside receiver sees them: a
 * signed completion within 5 s of the job finishing, the same webhook-id on the retry after a 500, nothing of
 * another user's, the completed job with its chunks on the events socket, and a retry pending across a restart,
 * signed with a secret that is sealed in the database (or, from before sealing, in plaintext: then sealed at start).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { streamPcm } from '../../functions/stream/client.ts';
import { ApiClient } from '../support/api-client.ts';
import { encodeWav16 } from '../support/wav.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { verifySignature, WebhookReceiver } from '../support/webhook-receiver.ts';
import { FIXTURE_MODEL } from './pipeline-scenario.ts';

const WAV = path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav');
let databaseUrl: string;
let database: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  // Its own database: the restart test must not find its pending retry sent by another test file's stack.
  database = `rt_webhooks_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(inject('adminDatabaseUrl'));
  url.pathname = `/${database}`;
  databaseUrl = url.toString();
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

const env = () => ({
  MODEL_MANIFEST: FIXTURE_MODEL,
  DATABASE_URL: databaseUrl,
  REDIS_URL: inject('redisUrl'),
  REDIS_KEY_PREFIX: `${inject('redisPrefix')}webhooks:`,
});

async function receiver(script: number[] = []) {
  const r = await new WebhookReceiver(script).start();
  receivers.push(r);
  return r;
}

async function register(client: ApiClient, url: string, events = ['job.completed', 'job.failed']) {
  const res = await client.call('POST', '/v1/webhooks', { url, events, description: 'test' });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; secret: string; url: string; events: string[]; created_at: string };
}

async function upload(client: ApiClient): Promise<string> {
  const bytes = new Uint8Array(await readFile(WAV));
  const slot = await client.requestUpload('speech.wav', 'audio/wav', bytes.length);
  expect(await ApiClient.postToS3(slot, bytes, 'speech.wav', 'audio/wav')).toBe(204);
  return slot.job_id;
}

/** Opens the events socket through a ticket and collects its messages. */
async function openEvents(client: ApiClient) {
  const ticket = await client.call('POST', '/v1/events/tickets');
  expect(ticket.status, ticket.text).toBe(201);
  expect(ticket.json.url).toMatch(/^ws:\/\/.+\/v1\/events\?ticket=/);
  const ws = new WebSocket(ticket.json.url);
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    const check = () => (messages.some((m) => m.type === 'ready') ? resolve() : setTimeout(check, 20));
    check();
  });
  return { ws, messages };
}

describe('webhooks and the events socket', () => {
  let stack: StackProcess;
  beforeAll(async () => {
    stack = await startStackProcess(env());
  });
  afterAll(async () => {
    if (stack) expect(await stack.stop('SIGTERM'), stack.output()).toBe(0);
  });

  it('delivers a signed completion, retries a 500 with the same webhook-id, and leaks nothing', async () => {
    const alice = new ApiClient(stack.api);
    const bob = new ApiClient(stack.api);
    await alice.signUp();
    await bob.signUp();
    const aliceHook = await receiver([500]);
    const bobHook = await receiver();
    const a = await register(alice, aliceHook.url);
    aliceHook.secrets = [a.secret];
    const b = await register(bob, bobHook.url);
    bobHook.secrets = [b.secret];
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.secret.slice(6), 'base64')).toHaveLength(32);
    const aliceEvents = await openEvents(alice);
    const bobEvents = await openEvents(bob);

    const jobId = await upload(alice);
    const job = await alice.waitForJob(jobId, 60_000, 50);
    expect(job.status).toBe('completed');
    const [first, retry] = await aliceHook.waitFor(2, 30_000);

    // The first attempt: signed, verifiable, within 5 s of the job's completion.
    expect(first!.verified).toBe(true);
    expect(first!.id).toMatch(/^msg_/);
    expect(first!.at - Date.parse(job.updated_at)).toBeLessThan(5000);
    expect(Math.abs(Number(first!.timestamp) * 1000 - first!.at)).toBeLessThan(5000);
    expect(first!.json.type).toBe('job.completed');
    expect(Number.isNaN(Date.parse(first!.json.timestamp))).toBe(false);
    const { manifest_url: sentUrl, ...sent } = first!.json.data.job;
    const { manifest_url: readUrl, ...read } = job;
    expect(sent).toEqual(read);
    expect(new URL(sentUrl).pathname).toBe(new URL(readUrl).pathname);
    expect(Object.keys(first!.json.data.job)).toEqual(Object.keys(job));
    // The retry after the 500: the same message id and body, signed again, within 10 s.
    expect(retry!.id).toBe(first!.id);
    expect(retry!.body).toBe(first!.body);
    expect(retry!.verified).toBe(true);
    expect(retry!.at - first!.at).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(aliceHook.received).toHaveLength(2);

    // Bob's endpoint and socket never see Alice's job; Bob cannot see or touch Alice's endpoint.
    expect(bobHook.received).toHaveLength(0);
    expect(bobEvents.messages.filter((m) => m.type !== 'ready')).toHaveLength(0);
    expect((await bob.call('GET', `/v1/webhooks/${a.id}/deliveries`)).status).toBe(404);
    expect((await bob.call('DELETE', `/v1/webhooks/${a.id}`)).status).toBe(404);
    expect((await bob.call('GET', '/v1/webhooks')).json.items.map((w: any) => w.id)).toEqual([b.id]);

    // The delivery log: the 500, then the 2xx, with durations and the retry time of the first.
    const log = await alice.call('GET', `/v1/webhooks/${a.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.json.items.map((i: any) => [i.attempt, i.status_code, i.delivery_status])).toEqual([
      [2, 204, 'delivered'],
      [1, 500, 'delivered'],
    ]);
    expect(log.json.items[1].next_retry_at).not.toBeNull();
    expect(log.json.items[0].message_id).toBe(first!.id);
    expect(log.json.items[0].event).toBe('job.completed');

    // The events socket: the job's states, ending with the completed job and its chunks, as GET shows it.
    const deadline = Date.now() + 5000;
    const done = () => aliceEvents.messages.find((m) => m.type === 'job' && m.job.status === 'completed');
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pushed = done();
    expect(pushed.job.id).toBe(jobId);
    expect(pushed.job.result.chunks).toHaveLength(job.result.chunks.length);
    expect(pushed.job.result).toEqual(job.result);
    expect(aliceEvents.messages.every((m) => m.type === 'ready' || m.job.id === jobId)).toBe(true);
    aliceEvents.ws.close();
    bobEvents.ws.close();
  }, 90_000);

  it('refuses a ticket twice, and a 17th events socket of one user', async () => {
    const frank = new ApiClient(stack.api);
    await frank.signUp();
    const ticket = await frank.call('POST', '/v1/events/tickets');
    const first = new WebSocket(ticket.json.url);
    await new Promise((r) => first.once('message', r));
    const again = new WebSocket(ticket.json.url);
    const refused = await new Promise<[number, string]>((r) =>
      again.once('close', (code, reason) => r([code, String(reason)])),
    );
    expect(refused).toEqual([1008, 'invalid_ticket']);
    const open = [first];
    for (let i = 1; i < 16; i++) open.push((await openEvents(frank)).ws);
    const extra = await frank.call('POST', '/v1/events/tickets');
    const seventeenth = new WebSocket(extra.json.url);
    const closed = await new Promise<number>((r) => seventeenth.once('close', (code) => r(code)));
    expect(closed).toBe(1013);
    for (const ws of open) ws.close();
  });

  it('announces a failed job as job.failed with its error code', async () => {
    const erin = new ApiClient(stack.api);
    await erin.signUp();
    const hook = await receiver();
    const w = await register(erin, hook.url, ['job.failed']);
    hook.secrets = [w.secret];
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    const slot = await erin.requestUpload('noise.wav', 'audio/wav', garbage.length);
    expect(await ApiClient.postToS3(slot, garbage, 'noise.wav', 'audio/wav')).toBe(204);
    const job = await erin.waitForJob(slot.job_id, 60_000, 50);
    expect(job.status).toBe('failed');
    const [got] = await hook.waitFor(1);
    expect(got!.verified).toBe(true);
    expect(got!.json.type).toBe('job.failed');
    expect(got!.json.data.job).toMatchObject({ id: slot.job_id, status: 'failed', error: job.error });
  }, 60_000);

  it('announces a finished live stream as stream.completed and on the events socket', async () => {
    const dave = new ApiClient(stack.api);
    await dave.signUp();
    const hook = await receiver();
    const w = await register(dave, hook.url, ['stream.completed']);
    hook.secrets = [w.secret];
    const events = await openEvents(dave);
    const ticket = await dave.call('POST', '/v1/stream/tickets');
    const seconds = 6;
    const pcm = encodeWav16(
      Float32Array.from(
        { length: 16000 * seconds },
        (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16000),
      ),
      16000,
    ).subarray(44);
    const run = await streamPcm({ url: ticket.json.url, start: { name: 'mic' }, pcm });
    expect(run.messages.at(-1)).toMatchObject({ type: 'summary' });
    const [got] = await hook.waitFor(1);
    expect(got!.verified).toBe(true);
    expect(got!.json.type).toBe('stream.completed');
    const streamJob = got!.json.data.job;
    expect(streamJob).toMatchObject({ kind: 'stream', filename: 'mic', status: 'completed' });
    const read = await dave.call('GET', `/v1/jobs/${streamJob.id}`);
    expect({ ...streamJob, manifest_url: null }).toEqual({ ...read.json, manifest_url: null });
    const deadline = Date.now() + 5000;
    const pushed = () => events.messages.find((m) => m.type === 'stream');
    while (!pushed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pushed()?.job.id).toBe(streamJob.id);
    events.ws.close();
  }, 60_000);

  it('manages endpoints: list without secrets, rotate (both sign), delete, refuse bad input', async () => {
    const carol = new ApiClient(stack.api);
    await carol.signUp();
    const hook = await receiver();
    const w = await register(carol, hook.url, ['job.completed']);
    const list = await carol.call('GET', '/v1/webhooks');
    expect(list.json.items).toEqual([
      {
        id: w.id,
        url: hook.url,
        events: ['job.completed'],
        description: 'test',
        created_at: w.created_at,
        failing: false,
      },
    ]);
    const rotated = await carol.call('POST', `/v1/webhooks/${w.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(w.secret);
    hook.secrets = [w.secret];
    const jobId = await upload(carol);
    await carol.waitForJob(jobId, 60_000, 50);
    const [got] = await hook.waitFor(1);
    // Both secrets sign during the overlap: a receiver holding only the old one still verifies.
    expect(got!.signature.split(' ')).toHaveLength(2);
    expect(got!.verified).toBe(true);
    // And so does one holding only the new one.
    expect(verifySignature(rotated.json.secret, got!.id, got!.timestamp, got!.body, got!.signature)).toBe(
      true,
    );
    expect(
      verifySignature(
        `whsec_${randomBytes(32).toString('base64')}`,
        got!.id,
        got!.timestamp,
        got!.body,
        got!.signature,
      ),
    ).toBe(false);

    for (const [body, code] of [
      [{ url: 'ftp://127.0.0.1/x', events: ['job.completed'] }, 'webhook_url_forbidden'],
      [{ url: 'http://10.0.0.1/x', events: ['job.completed'] }, 'webhook_url_forbidden'],
      [{ url: 'http://169.254.169.254/latest', events: ['job.completed'] }, 'webhook_url_forbidden'],
      [{ url: hook.url, events: ['job.exploded'] }, 'invalid_request'],
      [{ url: hook.url, events: [] }, 'invalid_request'],
    ] as const) {
      const res = await carol.call('POST', '/v1/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe(code);
    }
    expect((await carol.call('DELETE', `/v1/webhooks/${w.id}`)).status).toBe(204);
    expect((await carol.call('DELETE', `/v1/webhooks/${w.id}`)).status).toBe(404);
    expect((await carol.call('GET', '/v1/webhooks')).json.items).toEqual([]);
  }, 90_000);
});

describe('a pending retry across a restart', () => {
  let dataDir: string;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is delivered by the restarted stack with the same webhook-id', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'realtone-webhooks-'));
    const first = await startStackProcess({ ...env(), REALTONE_DATA_DIR: dataDir });
    let second: StackProcess | undefined;
    try {
      const client = new ApiClient(first.api);
      const email = await client.signUp();
      const hook = await receiver([500]);
      const w = await register(client, hook.url);
      hook.secrets = [w.secret];
      await upload(client);
      const [failed] = await hook.waitFor(1, 60_000);
      // Once the 500 is recorded, the process dies at once (a crash, not a drain): the retry, due about 5 s later,
      // exists only as a row in Postgres.
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      const delivery = () =>
        db
          .query('SELECT status, attempts FROM webhook_deliveries WHERE message_id = $1', [failed!.id])
          .then((r) => r.rows);
      for (let i = 0; i < 200 && (await delivery())[0]?.attempts !== 1; i++)
        await new Promise((r) => setTimeout(r, 10));
      await first.stop('SIGKILL');
      expect(await delivery()).toEqual([{ status: 'pending', attempts: 1 }]);
      expect(hook.received).toHaveLength(1);
      const stored = async () =>
        (await db.query('SELECT secret FROM webhooks WHERE id = $1', [w.id])).rows[0].secret as string;
      expect(await stored()).toMatch(/^rtbox1\.[0-9a-f]{8}\./);
      expect(await stored()).not.toContain(w.secret.slice('whsec_'.length));
      // As a row from before sealing holds it: the restarted stack still signs with it, and seals it at start.
      await db.query('UPDATE webhooks SET secret = $2 WHERE id = $1', [w.id, w.secret]);

      const restartedAt = Date.now();
      second = await startStackProcess({ ...env(), REALTONE_DATA_DIR: dataDir });
      const [, retry] = await hook.waitFor(2, 30_000);
      expect(retry!.at).toBeGreaterThan(restartedAt);
      expect(retry!.id).toBe(failed!.id);
      expect(retry!.body).toBe(failed!.body);
      expect(retry!.verified).toBe(true);
      for (let i = 0; i < 100 && !(await stored()).startsWith('rtbox1.'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await stored()).not.toContain(w.secret.slice('whsec_'.length));
      await db.end();
      const again = new ApiClient(second.api);
      await again.signUp(email);
      const log = await again.call('GET', `/v1/webhooks/${w.id}/deliveries`);
      expect(log.json.items[0]).toMatchObject({ attempt: 2, status_code: 204, delivery_status: 'delivered' });
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) await first.stop('SIGKILL');
      if (second) expect(await second.stop('SIGTERM'), second.output()).toBe(0);
    }
  }, 150_000);
});

describe('on the embedded database (npm start without DATABASE_URL)', () => {
  it('delivers, retries after a 500 with the same webhook-id, and logs both attempts', async () => {
    // PGlite multiplexes one session between connections: what the sender writes must not need a transaction.
    const stack = await startStackProcess({ MODEL_MANIFEST: FIXTURE_MODEL });
    try {
      const client = new ApiClient(stack.api);
      await client.signUp();
      const hook = await receiver();
      // The first attempt of every message fails.
      hook.decide = (r, earlier) => (earlier.some((e) => e.id === r.id) ? 204 : 500);
      const w = await register(client, hook.url);
      hook.secrets = [w.secret];
      const first = await upload(client);
      const second = await upload(client);
      const got = await hook.waitFor(4, 60_000);
      expect(got.every((r) => r.verified)).toBe(true);
      const byId = new Map<string, string[]>();
      for (const r of got) byId.set(r.id, [...(byId.get(r.id) ?? []), r.json.data.job.id]);
      expect([...byId.values()].map((jobs) => jobs.length)).toEqual([2, 2]);
      expect(new Set([...byId.values()].flat())).toEqual(new Set([first, second]));
      const log = await client.call('GET', `/v1/webhooks/${w.id}/deliveries`);
      expect(log.json.items.filter((i: any) => i.delivery_status === 'delivered')).toHaveLength(4);
      // A client that keeps its events socket open does not hold up the stop: it is closed with 1001.
      const events = await openEvents(client);
      const closed = new Promise<number>((r) => events.ws.once('close', (code) => r(code)));
      expect(await stack.stop('SIGTERM'), stack.output()).toBe(0);
      expect(await closed).toBe(1001);
    } finally {
      if (stack.child.exitCode === null) await stack.stop('SIGKILL');
    }
  }, 120_000);
});
