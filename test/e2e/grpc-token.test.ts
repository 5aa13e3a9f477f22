/**
 * The gRPC service with GRPC_AUTH_TOKEN set, on the local stack (`npm start` in a child process, fixture model):
 * the bearer token on every method, an idle stream's end, and draining on SIGTERM (which stops the stack, so it
 * gets a stack of its own).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, failure, streamAnalyze, unary } from '../support/grpc-clients.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { glideOverNoise } from '../support/signals.ts';
import { encodeWav16 } from '../support/wav.ts';
import { FIXTURE_MODEL } from './pipeline-scenario.ts';

describe('gRPC with GRPC_AUTH_TOKEN set', () => {
  const TOKEN = 'grpc-test-token-0123456789abcdefghijklmnop';
  let stack: StackProcess;
  let detector: grpc.Client;

  beforeAll(async () => {
    stack = await startStackProcess({
      MODEL_MANIFEST: FIXTURE_MODEL,
      GRPC_AUTH_TOKEN: TOKEN,
      STREAM_IDLE_SECONDS: '1',
    });
    detector = connect('detector', stack.grpc);
  });
  afterAll(async () => {
    detector?.close();
    await stack?.stop();
  });

  it('requires authorization: Bearer <token> metadata on every method', async () => {
    const none = await failure(unary(detector, 'ListExtractors', {}));
    expect(none.code).toBe(grpc.status.UNAUTHENTICATED);
    const wrong = await failure(
      unary(detector, 'ListExtractors', {}, { metadata: { authorization: `Bearer ${TOKEN}x` } }),
    );
    expect(wrong.code).toBe(grpc.status.UNAUTHENTICATED);
    const stream = await streamAnalyze(detector, {}, new Uint8Array(0));
    expect(stream.status.code).toBe(grpc.status.UNAUTHENTICATED);
    const ok = await unary(
      detector,
      'ListExtractors',
      {},
      { metadata: { authorization: `Bearer ${TOKEN}` } },
    );
    expect(ok.extractors.length).toBe(4);
  });

  it('ends an idle stream with the summary of what arrived, then DEADLINE_EXCEEDED idle_timeout', async () => {
    const pcm = encodeWav16(glideOverNoise(5, 7), 16000).subarray(44);
    const idle = await streamAnalyze(detector, { hop_s: 1 }, pcm, {
      metadata: { authorization: `Bearer ${TOKEN}` },
      end: false,
      keepOpen: true,
    });
    expect(idle.status.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(idle.status.metadata.get('realtone-error-code')[0]).toBe('idle_timeout');
    const summary = idle.messages.at(-1)!;
    expect(summary.message).toBe('summary');
    expect(summary.summary.duration_s).toBe(5);
    expect(idle.messages.filter((m) => m.message === 'window').length).toBe(summary.summary.windows);
  });

  // Last in this block: it stops the stack.
  it('drains on SIGTERM: a running stream gets its summary, then UNAVAILABLE shutting_down', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const call = (detector as unknown as Record<string, (...args: unknown[]) => unknown>).StreamAnalyze!.call(
      detector,
      metadata,
    ) as grpc.ClientDuplexStream<object, Record<string, any>>;
    const messages: Record<string, any>[] = [];
    const firstWindow = new Promise<void>((resolve) =>
      call.on('data', (m: Record<string, any>) => {
        messages.push(m);
        if (m.message === 'window') resolve();
      }),
    );
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    call.write({ start: { hop_s: 1 } });
    const pcm = encodeWav16(glideOverNoise(5, 9), 16000).subarray(44);
    for (let at = 0; at < pcm.length; at += 3200)
      call.write({ audio: Buffer.from(pcm.subarray(at, at + 3200)) });
    const tick = encodeWav16(glideOverNoise(0.1, 9), 16000).subarray(44);
    const feed = setInterval(() => call.write({ audio: Buffer.from(tick) }), 150); // keeps it from idling
    try {
      await firstWindow;
      const [code, ended] = await Promise.all([stack.stop('SIGTERM'), status]);
      expect(code).toBe(0);
      expect(ended.code).toBe(grpc.status.UNAVAILABLE);
      expect(ended.metadata.get('realtone-error-code')[0]).toBe('shutting_down');
      expect(messages[0]!.message).toBe('ready');
      expect(messages.at(-1)!.message).toBe('summary');
      expect(messages.at(-1)!.summary.duration_s).toBeGreaterThanOrEqual(5);
    } finally {
      clearInterval(feed);
    }
  });
});
