/**
 * The streaming service end to end on the local stack (`npm start` in a child process, default model): real
 * WebSocket clients written against the protocol in docs/streaming.md.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { streamPcm } from '../../functions/stream/client.ts';
import { ApiClient } from '../support/api-client.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { encodeWav16 } from '../support/wav.ts';

let stack: StackProcess;

beforeAll(async () => {
  // The overload policy (1013 when windows wait over 2 s) has its own test in stream-server.test.ts; here a loaded
  // machine running other end-to-end suites at the same time must make these streams slow, not closed.
  stack = await startStackProcess({ TICKET_TTL_SECONDS: '5', STREAM_MAX_QUEUE_DELAY_MS: '30000' });
});
afterAll(async () => {
  await stack?.stop();
});

/** A 16 kHz test signal that is not silent: a gliding tone over noise, seeded. */
function signal(seconds: number, seed = 1): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => {
    const t = i / 16000;
    return 0.3 * Math.sin(2 * Math.PI * (150 + 40 * t) * t) + 0.05 * rand();
  });
}

const s16 = (x: Float32Array) => encodeWav16(x, 16000).subarray(44);

async function user() {
  const c = new ApiClient(stack.api);
  await c.signUp();
  return c;
}

async function ticketUrl(c: ApiClient): Promise<string> {
  const res = await c.call('POST', '/v1/stream/tickets');
  expect(res.status).toBe(201);
  return res.json.url as string;
}

/** Opens a socket and collects messages until it closes. */
function rawSocket(url: string, headers?: Record<string, string>) {
  const ws = new WebSocket(url, { headers });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  ws.on('error', () => undefined);
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  const opened = new Promise<void>((r) => ws.once('open', () => r()));
  return { ws, messages, closed, opened };
}

// Real audio through the default model: generous timeouts, so a loaded CI machine is slow rather than red.
const SLOW = 120_000;

describe('streaming over WebSocket', () => {
  it(
    'streams 20 sessions at once and gets every window and a summary; history is per user',
    async () => {
      const [a, b] = await Promise.all([user(), user()]);
      const audio = s16(signal(7.5));
      const runs = await Promise.all(
        Array.from({ length: 20 }, async (_, i) =>
          streamPcm({ url: await ticketUrl(i % 2 ? b : a), start: { hop_s: 1, name: `s${i}` }, pcm: audio }),
        ),
      );
      for (const run of runs) {
        expect(run.code).toBe(1000);
        const windows = run.messages.filter((m) => m.type === 'window');
        // 7.5 s at hop 1: full windows at 0..3 s (end 4..7 s); the 0.5 s tail is too short to judge.
        expect(windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4]);
        expect(windows.map((w) => [w.start_s, w.end_s])).toEqual([
          [0, 4],
          [1, 5],
          [2, 6],
          [3, 7],
          [7, 7.5],
        ]);
        for (const w of windows.slice(0, 4)) {
          expect(w.score).toBeGreaterThanOrEqual(0);
          expect(['real', 'likely_fake', 'fake']).toContain(w.label);
        }
        expect(windows[4]).toMatchObject({ score: null, reason: 'too_short' });
        const summary = run.messages.at(-1)!;
        expect(summary).toMatchObject({ type: 'summary', duration_s: 7.5, windows: 5 });
        expect(summary.type === 'summary' && summary.overall?.chunks_scored).toBe(4);
      }
      const history = await a.call('GET', '/v1/jobs?limit=100');
      expect(history.json.items).toHaveLength(10);
      for (const item of history.json.items)
        expect(item).toMatchObject({ kind: 'stream', status: 'completed' });
      const ids = runs
        .filter((_, i) => i % 2 === 0)
        .map((r) => (r.messages[0] as { session_id: string }).session_id);
      expect(history.json.items.map((j: { id: string }) => j.id).sort()).toEqual(ids.sort());
      expect((await b.call('GET', `/v1/jobs/${ids[0]}`)).status).toBe(404);
      const own = await a.call('GET', `/v1/jobs/${ids[0]}`);
      expect(own.json.result.chunks).toHaveLength(5);
    },
    SLOW,
  );

  it(
    'at hop 4 s scores every window as the CLI scores the same 16 kHz file, within 1e-4',
    async () => {
      const x = signal(13.3, 7);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-stream-'));
      const file = path.join(dir, 'signal.wav');
      await writeFile(file, encodeWav16(x, 16000));
      const cli = await promisify(execFile)(process.execPath, ['scripts/realtone.mjs', 'analyze', file], {
        cwd: ROOT,
      });
      const chunks = JSON.parse(cli.stdout).chunks as {
        index: number;
        start_s: number;
        end_s: number;
        score: number | null;
      }[];
      const run = await streamPcm({ url: await ticketUrl(await user()), start: { hop_s: 4 }, pcm: s16(x) });
      const windows = run.messages.filter((m) => m.type === 'window');
      expect(windows.map(({ index, start_s, end_s }) => ({ index, start_s, end_s }))).toEqual(
        chunks.map(({ index, start_s, end_s }) => ({ index, start_s, end_s })),
      );
      expect(chunks.length).toBe(4); // 0-4, 4-8, 8-12 and the end-aligned tail 9.3-13.3
      windows.forEach((w, i) => expect(Math.abs(w.score! - chunks[i]!.score!)).toBeLessThanOrEqual(1e-4));
    },
    SLOW,
  );

  it(
    'refuses a reused, forged or expired ticket, and a JWT in the URL, with 1008 before any window',
    async () => {
      const c = await user();
      const url = await ticketUrl(c);
      const first = await streamPcm({ url, start: {}, pcm: s16(signal(2)) });
      expect(first.code).toBe(1000);
      const expired = await ticketUrl(c);
      const refused = async (u: string) => {
        const r = await streamPcm({ url: u, start: {}, pcm: s16(signal(2)) });
        expect(r.code).toBe(1008);
        expect(r.messages).toEqual([{ type: 'error', code: 'invalid_ticket', message: expect.any(String) }]);
      };
      await refused(url);
      await refused(url.replace(/ticket=.*/, `ticket=${'A'.repeat(43)}`));
      await refused(url.replace(/\?.*/, `?token=${c.token}`));
      await new Promise((r) => setTimeout(r, 5500));
      await refused(expired);
    },
    SLOW,
  );

  it(
    'takes a Bearer token on the upgrade request (server-side clients)',
    async () => {
      const c = await user();
      const url = new URL(stack.api);
      const run = await streamPcm({
        url: `ws://${url.host}/v1/stream`,
        headers: { authorization: `Bearer ${c.token}` },
        start: { encoding: 'f32le', sample_rate: 8000, channels: 2, hop_s: 2 },
        pcm: new Uint8Array(Float32Array.from(signal(3).subarray(0, 48000), (v) => v).buffer),
      });
      expect(run.code).toBe(1000);
      expect(run.messages[0]).toMatchObject({ type: 'ready', window_s: 4, hop_s: 2 });
      expect(run.messages.at(-1)).toMatchObject({ type: 'summary', duration_s: 3, windows: 1 });
    },
    SLOW,
  );

  it(
    'closes with 1009 on a frame over 64 KiB, and 1003 on bad starts and misplaced frames',
    async () => {
      const url = await ticketUrl(await user());
      const big = rawSocket(url);
      await big.opened;
      big.ws.send(JSON.stringify({ type: 'start' }));
      big.ws.send(new Uint8Array(64 * 1024 + 2));
      expect(await big.closed).toBe(1009);
      expect(big.messages.at(-1)).toMatchObject({ type: 'error', code: 'frame_too_large' });

      for (const [first, code] of [
        [JSON.stringify({ type: 'start', sample_rate: 96000 }), 'bad_start'],
        [JSON.stringify({ type: 'start', hop_s: 0.1 }), 'bad_start'],
        [JSON.stringify({ type: 'start', encoding: 'mp3' }), 'bad_start'],
        ['not json', 'bad_message'],
        [new Uint8Array(320), 'bad_message'],
      ] as const) {
        const s = rawSocket(await ticketUrl(await user()));
        await s.opened;
        s.ws.send(first);
        expect(await s.closed).toBe(1003);
        expect(s.messages).toEqual([{ type: 'error', code, message: expect.any(String) }]);
      }
    },
    SLOW,
  );
});

describe('shutdown', () => {
  it(
    'drains on SIGTERM: the stream in flight gets its summary and closes with 1001',
    async () => {
      const own = await startStackProcess({});
      try {
        const c = new ApiClient(own.api);
        await c.signUp();
        const url = (await c.call('POST', '/v1/stream/tickets')).json.url as string;
        const s = rawSocket(url);
        await s.opened;
        s.ws.send(JSON.stringify({ type: 'start', hop_s: 1 }));
        const pcm = s16(signal(6));
        for (let i = 0; i < pcm.length; i += 16000) s.ws.send(pcm.subarray(i, i + 16000));
        await expect
          .poll(() => s.messages.filter((m) => m.type === 'window').length, { timeout: 60_000 })
          .toBe(3);
        own.child.kill('SIGTERM');
        expect(await s.closed).toBe(1001);
        expect(s.messages.slice(-2)).toEqual([
          { type: 'error', code: 'shutting_down', message: expect.any(String) },
          expect.objectContaining({ type: 'summary', duration_s: 6, windows: 3 }),
        ]);
      } finally {
        await own.stop();
      }
    },
    SLOW,
  );
});
