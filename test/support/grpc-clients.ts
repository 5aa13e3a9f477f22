/**
 * gRPC clients as outside callers build them: @grpc/grpc-js clients loaded from each .proto file on its own
 * (proto/audio_analyzer.proto exactly as the original callers have it, proto/realtone/v1/detector.proto), the
 * standard health proto and the reflection proto. Used by the end-to-end tests and bench:grpc.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ROOT } from './local-stack-process.ts';

const require = createRequire(import.meta.url);
const OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

type Ctor = new (address: string, credentials: grpc.ChannelCredentials, options?: object) => grpc.Client;

function load(file: string, service: string, includeDirs: string[] = []): Ctor {
  const definition = protoLoader.loadSync(file, { ...OPTIONS, includeDirs });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of service.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`${file} has no service ${service}`);
  return node as Ctor;
}

const REFLECTION_DIR = path.join(
  path.dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto',
);

export const CLIENTS = {
  legacy: () => load(path.join(ROOT, 'proto/audio_analyzer.proto'), 'audioanalyzer.AudioAnalysis'),
  detector: () => load(path.join(ROOT, 'proto/realtone/v1/detector.proto'), 'realtone.v1.DetectorService'),
  health: () =>
    load(require.resolve('grpc-health-check/proto/health/v1/health.proto'), 'grpc.health.v1.Health'),
  reflection: () =>
    load(
      path.join(REFLECTION_DIR, 'grpc/reflection/v1/reflection.proto'),
      'grpc.reflection.v1.ServerReflection',
      [REFLECTION_DIR],
    ),
};

const constructors = new Map<string, Ctor>();

/** A client of `kind` on `address` (insecure channel: the local stack listens on loopback only). */
export function connect(
  kind: keyof typeof CLIENTS,
  address: string,
  options: grpc.ChannelOptions = {},
): grpc.Client {
  let Client = constructors.get(kind);
  if (!Client) constructors.set(kind, (Client = CLIENTS[kind]()));
  return new Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    ...options,
  });
}

export interface CallOptions {
  metadata?: Record<string, string>;
  /** Milliseconds from now. */
  deadlineMs?: number;
}

/** A unary call as a promise: resolves with the response or rejects with the grpc ServiceError. */
export function unary<T = Record<string, any>>(
  client: grpc.Client,
  method: string,
  request: object,
  options: CallOptions = {},
): Promise<T> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  const callOptions: grpc.CallOptions = options.deadlineMs
    ? { deadline: Date.now() + options.deadlineMs }
    : {};
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!.call(
      client,
      request,
      metadata,
      callOptions,
      (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response)),
    ),
  );
}

/** Rejection of a unary call, for assertions on its status. */
export async function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('the call succeeded; a failure was expected');
}

export interface StreamRun {
  messages: Record<string, any>[];
  status: grpc.StatusObject;
}

/** StreamAnalyze: start, the PCM in messages of `frameBytes`, end; collects every response and the status. */
export function streamAnalyze(
  client: grpc.Client,
  start: object,
  pcm: Uint8Array,
  /** `end: false` sends no end message; `keepOpen` does not half-close the call either (an idle client). */
  options: CallOptions & { frameBytes?: number; end?: boolean; keepOpen?: boolean } = {},
): Promise<StreamRun> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  const call = (client as unknown as Record<string, (...args: unknown[]) => unknown>).StreamAnalyze!.call(
    client,
    metadata,
    options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {},
  ) as grpc.ClientDuplexStream<object, Record<string, any>>;
  const messages: Record<string, any>[] = [];
  call.on('data', (m: Record<string, any>) => messages.push(m));
  const done = new Promise<StreamRun>((resolve) => {
    call.on('status', (status: grpc.StatusObject) => resolve({ messages, status }));
    call.on('error', () => undefined); // the status carries it
  });
  call.write({ start });
  const frame = options.frameBytes ?? 3200;
  for (let at = 0; at < pcm.length; at += frame)
    call.write({ audio: Buffer.from(pcm.subarray(at, at + frame)) });
  if (options.end !== false) call.write({ end: {} });
  if (!options.keepOpen) call.end();
  return done;
}
