/**
 * Shared parts of the chaos suite: speech uploads through the real API and S3 form, job polling through the API,
 * and the stack's Prometheus counters (the inference count that proves no job ran twice).
 */
import type { ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, type UploadSlot } from '../support/api-client.ts';
import { ROOT } from '../support/local-stack-process.ts';
import { decodeWav16Mono, encodeWav16, loopTo } from '../support/wav.ts';

/** Real speech looped to `seconds` (the e2e fixture): every window is judged, so chunks = inferences. */
export function speechWav(seconds: number): Uint8Array {
  const { samples, sampleRate } = decodeWav16Mono(
    new Uint8Array(readFileSync(path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav'))),
  );
  return encodeWav16(loopTo(samples, sampleRate, seconds), sampleRate);
}

/** Requests `n` uploads and POSTs each file to S3, `parallel` at a time (a browser per user). */
export async function uploadMany(
  client: ApiClient,
  wav: Uint8Array,
  n: number,
  parallel = 1,
): Promise<UploadSlot[]> {
  const slots: UploadSlot[] = new Array(n);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < n; i = next++) {
      const slot = await client.requestUpload(`chaos-${i}.wav`, 'audio/wav', wav.length);
      const status = await ApiClient.postToS3(slot, wav, `chaos-${i}.wav`, 'audio/wav');
      if (status !== 204) throw new Error(`S3 POST answered ${status}`);
      slots[i] = slot;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, lane));
  return slots;
}

export type JobView = { id: string; status: string; error: { code: string } | null; result: any };

/** Polls every job until all are finished or `timeoutMs` passes; returns the last view of each. */
export async function waitForAll(client: ApiClient, ids: string[], timeoutMs: number): Promise<JobView[]> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, JobView>();
  for (;;) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const res = await client.call('GET', `/v1/jobs/${id}`).catch(() => undefined);
      if (res?.status === 200 && ['completed', 'failed'].includes(res.json.status))
        done.set(id, res.json as JobView);
    }
    if (done.size === ids.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const views: JobView[] = [];
  for (const id of ids) {
    const view = done.get(id) ?? ((await client.call('GET', `/v1/jobs/${id}`)).json as JobView);
    views.push(view);
  }
  return views;
}

/** Sum of a Prometheus counter's samples (all label sets), as the stack serves it on /metrics. */
export async function counter(metricsUrl: string, name: string, labels?: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !(m[2] ?? '').includes(labels)) continue;
    sum += Number(m[3]);
  }
  return sum;
}

/** Windows a finished job's result judged (each one inference). */
export const judged = (job: JobView) =>
  (job.result?.chunks ?? []).filter((c: { score: number | null }) => c.score !== null).length;

/** Messages in the stack's dead-letter queue (its URL is on the stack's `sqs` line). */
export async function deadLetters(output: string): Promise<number> {
  const m = /dlq (http:\/\/\S+?)\)/.exec(output);
  if (!m) throw new Error(`no dead-letter queue URL in the stack output:\n${output}`);
  return queueDepth(output, m[1]!);
}

/** Messages in a queue of the stack's SQS endpoint, visible or in flight. */
export async function queueDepth(output: string, url: string): Promise<number> {
  const endpoint = /^ {2}sqs\s+(http:\/\/\S+)/m.exec(output)![1]!;
  const { SQSClient, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint,
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  } finally {
    sqs.destroy();
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  metrics: string;
  output: () => string;
}

/**
 * Starts a detector worker (`functions/worker/main.ts`, the container's process) against a running local stack's
 * S3, SQS, Postgres and Redis, and waits until it consumes the queue.
 */
export async function startWorkerProcess(
  stack: { output: () => string },
  env: Record<string, string>,
): Promise<WorkerProcess> {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('../support/local-stack-process.ts');
  const line = (name: string) =>
    new RegExp(`^ {2}${name}\\s+(http:\\/\\/\\S+)`, 'm').exec(stack.output())![1]!;
  const queue = /\(queue (http:\/\/\S+?),/.exec(stack.output())![1]!;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    UPLOAD_BUCKET: 'realtone-uploads',
    S3_ENDPOINT: line('s3'),
    SQS_ENDPOINT: line('sqs'),
    JOBS_QUEUE_URL: queue,
    CACHE_DRIVER: 'redis',
    WORKER_WAIT_SECONDS: '2',
    METRICS_PORT: '0',
    LOG_LEVEL: 'INFO',
    ...env,
  };
  delete childEnv.VITEST;
  delete childEnv.MODEL_MANIFEST;
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/worker/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 90_000;
  while (!/"message":"metrics served".*?"url":"([^"]+)"/.test(out) || !out.includes('"worker started"')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const metrics = /"message":"metrics served".*?"url":"([^"]+)"/.exec(out)![1]!;
  return { child, metrics, output: () => out };
}

/** A free TCP port on 127.0.0.1 (for servers a scenario stops and starts again on the same address). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts test/chaos/pglite-server.ts on `dataDir` and `port`; resolves once it listens. */
export const startPglite = (dataDir: string, port: number) =>
  startServerScript('test/chaos/pglite-server.ts', { DATA_DIR: dataDir, PORT: String(port) });

/** Starts test/chaos/sqs-server.ts (fauxqs) on `port`; resolves once it listens. */
export const startSqsServer = (port: number) =>
  startServerScript('test/chaos/sqs-server.ts', { PORT: String(port) });

/** Runs a server script of the suite in its own process; resolves once it prints `ready`. */
async function startServerScript(script: string, env: Record<string, string>): Promise<ChildProcess> {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('../support/local-stack-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child;
}

export const stopped = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

/**
 * A TCP proxy to a server (the shared Redis) that a scenario can cut: `down()` refuses new connections and drops
 * the open ones, as a failed server would; `up()` takes connections again on the same port. The server behind it is
 * never touched.
 */
export async function tcpProxy(target: { host: string; port: number }) {
  const net = await import('node:net');
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    async down() {
      const closed = new Promise((r) => server!.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    up: listen,
  };
}
