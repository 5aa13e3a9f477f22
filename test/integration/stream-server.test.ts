/**
 * The stream server in this process (real ws sockets, a real ONNX detector, the in-process ticket store), where
 * what a session leaves behind can be seen: sessions, queued windows and timers after a client vanishes, the
 * overload policy, and the per-user limit.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryTicketStore } from '../../functions/adapters/memory-ticket-store.ts';
import { InferenceQueue } from '../../functions/core/pipeline/inference-queue.ts';
import { issueTicket } from '../../functions/core/tickets/tickets.ts';
import { OnnxDetector } from '../../functions/inference/onnx-detector.ts';
import type { Detector } from '../../functions/ports/detector.ts';
import { StreamServer } from '../../functions/stream/server.ts';
import { UpgradeRouter } from '../../functions/shared/upgrade-router.ts';

const USER = '11111111-1111-4111-8111-111111111111';
let detector: OnnxDetector;
let slowness = 0;
/** The real detector, slowed by `slowness` ms per batch so windows pile up in the queue. */
let slowed: Detector;

beforeAll(async () => {
  detector = await OnnxDetector.load('test/fixtures/models/energy-fixture/model.json');
  slowed = {
    manifest: detector.manifest,
    device: detector.device,
    score: async (batch, count) => {
      await new Promise((r) => setTimeout(r, slowness));
      return detector.score(batch, count);
    },
    close: async () => undefined,
  };
});
afterAll(() => detector.close());

async function serve(
  config: Partial<ConstructorParameters<typeof StreamServer>[0]['config']> = {},
  maxBatch = 4,
) {
  const queue = new InferenceQueue(slowed, { maxWaitMs: 0, maxBatch });
  const tickets = new MemoryTicketStore();
  const server = new StreamServer({
    stream: {
      queue,
      verdict: { fraction: 1 / 3, thresholds: detector.manifest.thresholds },
      limits: { maxSeconds: 3600, maxRateX: 1000, burstSeconds: 600 },
    },
    tickets,
    tokens: { secret: 'x'.repeat(32), ttlSeconds: 900, issuer: 'realtone', audience: 'realtone-api' },
    config: { idleSeconds: 30, maxSessionsPerUser: 32, maxSessions: 100, maxQueueDelayMs: 60_000, ...config },
  });
  const httpServer = http.createServer();
  new UpgradeRouter().add('/v1/stream', server.handleUpgrade).attach(httpServer);
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', () => r()));
  const port = (httpServer.address() as { port: number }).port;
  const open = async (user = USER) => {
    const { url } = await issueTicket(tickets, user, 'stream', `ws://127.0.0.1:${port}/v1/stream`);
    const ws = new WebSocket(url);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.on('error', () => undefined);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    return { ws, messages, closed };
  };
  const stop = async () => {
    await server.drain(1000);
    await new Promise((r) => httpServer.close(r));
  };
  return { server, queue, open, stop };
}

const tone = (seconds: number) =>
  new Uint8Array(Float32Array.from({ length: seconds * 16000 }, (_, i) => 0.3 * Math.sin(i / 7)).buffer);
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('stream server', { timeout: 60_000 }, () => {
  it('leaves nothing behind when a client vanishes mid-stream: no session, no queued window, no timer', async () => {
    const { server, queue, open, stop } = await serve();
    const before = timers();
    slowness = 100;
    const c = await open();
    c.ws.send(JSON.stringify({ type: 'start', encoding: 'f32le', hop_s: 0.5 }));
    await expect.poll(() => c.messages.length, { timeout: 15_000 }).toBe(1);
    const pcm = tone(20);
    for (let i = 0; i < pcm.length; i += 64000) c.ws.send(pcm.subarray(i, i + 64000));
    await expect.poll(() => queue.depth, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    c.ws.terminate();
    await expect.poll(() => server.sessions, { timeout: 15_000 }).toBe(0);
    expect(queue.depth).toBe(0);
    await queue.idle();
    await expect.poll(timers, { timeout: 15_000 }).toBeLessThanOrEqual(before);
    slowness = 0;
    await stop();
  });

  it('when real-time streams fall behind, closes the one with the most waiting windows with 1013', async () => {
    // One window at a time, 0.8 s each: 1.25 windows/s. The heavy stream (hop 0.5) makes 2 a second and falls
    // behind; the light one (hop 4) waits at most a run or two, under the 2 s limit.
    const { open, stop, server } = await serve({ maxQueueDelayMs: 2000 }, 1);
    slowness = 800;
    const heavy = await open();
    const light = await open();
    heavy.ws.send(JSON.stringify({ type: 'start', encoding: 'f32le', hop_s: 0.5 }));
    light.ws.send(JSON.stringify({ type: 'start', encoding: 'f32le', hop_s: 4 }));
    await expect.poll(() => heavy.messages.length + light.messages.length, { timeout: 15_000 }).toBe(2);
    // Both keep to real time: a quarter of a second every 250 ms.
    const quarter = tone(1).subarray(0, 16000);
    for (let t = 0; t < 60 && heavy.ws.readyState === WebSocket.OPEN; t++) {
      heavy.ws.send(quarter);
      light.ws.send(quarter);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await heavy.closed).toBe(1013);
    expect(heavy.messages.at(-1)).toMatchObject({ type: 'error', code: 'overloaded' });
    expect(server.overloadClosed).toBe(1);
    slowness = 0;
    light.ws.send(JSON.stringify({ type: 'end' }));
    expect(await light.closed).toBe(1000);
    expect(light.messages.at(-1)).toMatchObject({ type: 'summary' });
    await stop();
  });

  it('never closes a stream for overload because it sends faster than real time', async () => {
    const { open, stop, server } = await serve({ maxQueueDelayMs: 100 });
    slowness = 300;
    const fast = await open();
    fast.ws.send(JSON.stringify({ type: 'start', encoding: 'f32le', hop_s: 0.5 }));
    await expect.poll(() => fast.messages.length, { timeout: 15_000 }).toBe(1);
    const pcm = tone(12);
    for (let i = 0; i < pcm.length; i += 64000) fast.ws.send(pcm.subarray(i, i + 64000));
    fast.ws.send(JSON.stringify({ type: 'end' }));
    expect(await fast.closed).toBe(1000);
    expect(fast.messages.at(-1)).toMatchObject({ type: 'summary', windows: 17 }); // starts 0, 0.5, … 8 s
    expect(server.overloadClosed).toBe(0);
    slowness = 0;
    await stop();
  });

  it('refuses a stream past the per-user limit with 1013', async () => {
    const { open, stop } = await serve({ maxSessionsPerUser: 1 });
    const first = await open();
    first.ws.send(JSON.stringify({ type: 'start' }));
    await expect.poll(() => first.messages.length, { timeout: 15_000 }).toBe(1);
    const second = await open();
    second.ws.send(JSON.stringify({ type: 'start' }));
    expect(await second.closed).toBe(1013);
    expect(second.messages).toEqual([
      { type: 'error', code: 'too_many_sessions', message: expect.any(String) },
    ]);
    const other = await open('22222222-2222-4222-8222-222222222222');
    other.ws.send(JSON.stringify({ type: 'start' }));
    await expect.poll(() => other.messages[0]?.type, { timeout: 15_000 }).toBe('ready');
    await stop();
  });

  it('ends an idle stream with its summary and 1008', async () => {
    const { open, stop } = await serve({ idleSeconds: 1 });
    const c = await open();
    c.ws.send(JSON.stringify({ type: 'start', encoding: 'f32le' }));
    const pcm = tone(5);
    for (let i = 0; i < pcm.length; i += 64000) c.ws.send(pcm.subarray(i, i + 64000));
    expect(await c.closed).toBe(1008);
    expect(c.messages.slice(-2)).toEqual([
      { type: 'error', code: 'idle_timeout', message: expect.any(String) },
      expect.objectContaining({ type: 'summary', duration_s: 5, windows: 2 }),
    ]);
    await stop();
  });
});
