/**
 * The detector's gRPC server (HTTP/2, @grpc/grpc-js): `audioanalyzer.AudioAnalysis` (the original contract),
 * `realtone.v1.DetectorService`, the standard health service (`grpc.health.v1`) and server reflection. Each method
 * checks the caller's token, parses its message, calls one core function and maps the result or the error; the
 * core knows nothing of gRPC. Used by the detector container's entry (main.ts) and by the local stack.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as HEALTH_PROTO } from 'grpc-health-check';
import {
  analyzeRequest,
  MAX_INLINE_BYTES,
  type AnalysisSource,
  type AnalyzeRequestDeps,
} from '../core/detection/analyze-request.ts';
import type { ExtractorInfo } from '../core/extractors/types.ts';
import { StreamLimitError } from '../core/streams/errors.ts';
import type { LiveStreamDeps } from '../core/streams/live-stream.ts';
import type { Metrics } from '../ports/metrics.ts';
import { RealToneError } from '../shared/errors.ts';
import { getLogger } from '../shared/logger.ts';
import { bearerCheck } from './auth.ts';
import { ConcurrencyLimiter } from './limiter.ts';
import { analyzeResponse, extractorMessage, legacyResponse } from './messages.ts';
import { LOADER_OPTIONS, loadProtos } from './protos.ts';
import { ERROR_CODE_METADATA, toServiceError } from './status.ts';
import { streamAnalyze, type StreamCall, type StreamHandle } from './stream-analyze.ts';

export interface GrpcServiceDeps {
  analyze: AnalyzeRequestDeps;
  stream: LiveStreamDeps;
  /** Every extractor's description (ListExtractors). */
  extractors: ExtractorInfo[];
  /** Calls by method and outcome, and their time (the process's /metrics). */
  metrics?: Metrics;
  /** Callers must send `authorization: Bearer <token>` when set. */
  authToken?: string;
  streamIdleMs: number;
  /** Most StreamAnalyze calls at once on this server. */
  maxStreams: number;
  /** Most Analyze and AnalyzeAudio calls analysed at once; later ones wait in arrival order. */
  maxConcurrentAnalyses: number;
}

export interface GrpcServer {
  /** host:port the server listens on. */
  address: string;
  port: number;
  /** Health NOT_SERVING, running streams get their summary and end, calls in flight finish (up to graceMs). */
  close(graceMs?: number): Promise<void>;
}

/** The queue group of gRPC callers: they take turns on the model with the users of files and streams. */
const GROUP = 'grpc';
/** Inline audio up to 8 MiB plus the message's other fields; anything larger is refused by grpc-js itself. */
export const MAX_RECEIVE_BYTES = MAX_INLINE_BYTES + 64 * 1024;
const SERVICES = ['audioanalyzer.AudioAnalysis', 'realtone.v1.DetectorService'];
const log = getLogger('grpc');

class DeadlineExceededError extends RealToneError {
  readonly code = 'deadline_exceeded';
}

/** Aborts when the call is cancelled or its deadline passes, so queued windows are withdrawn at once. */
function callSignal(call: grpc.ServerUnaryCall<unknown, unknown>): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onCancel = () => controller.abort(new DeadlineExceededError('the call was cancelled or timed out'));
  call.on('cancelled', onCancel);
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  const inMs = at - Date.now();
  // No deadline is Infinity; a timer longer than 2^31 - 1 ms would fire at once, and no analysis lasts that long.
  const timer = inMs < 2 ** 31 - 1 ? setTimeout(onCancel, Math.max(0, inMs)) : undefined;
  return {
    signal: controller.signal,
    done: () => {
      if (timer) clearTimeout(timer);
      call.off('cancelled', onCancel);
    },
  };
}

interface LegacyRequest {
  minio_bucket_name: string;
  minio_object_key: string;
}
interface AnalyzeMessage {
  source?: 'object' | 'audio';
  object?: { bucket: string; key: string } | null;
  audio?: { data: Buffer; content_type: string } | null;
  extractors: string[];
}

function sourceOf(request: AnalyzeMessage): AnalysisSource {
  if (request.source === 'audio' && request.audio)
    return { kind: 'inline', data: request.audio.data, contentType: request.audio.content_type };
  const object = request.object ?? { bucket: '', key: '' };
  return { kind: 'object', bucket: object.bucket, key: object.key };
}

export async function startGrpcServer(
  deps: GrpcServiceDeps,
  listen: { host: string; port: number },
): Promise<GrpcServer> {
  const protos = loadProtos();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const authorize = bearerCheck(deps.authToken);
  const thresholds = () => ({
    likely_fake:
      deps.analyze.verdict?.thresholds?.likely_fake ?? deps.analyze.inference.manifest.thresholds.likely_fake,
    fake: deps.analyze.verdict?.thresholds?.fake ?? deps.analyze.inference.manifest.thresholds.fake,
  });

  /** A unary method: authorise, run, answer; every error becomes its table status. */
  const unary =
    <Req, Res>(run: (request: Req, signal: AbortSignal) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      const started = performance.now();
      const { signal, done } = callSignal(call as grpc.ServerUnaryCall<unknown, unknown>);
      let code = 'ok';
      Promise.resolve()
        .then(() => authorize(call.metadata))
        .then(() => run(call.request, signal))
        .then(
          (response) => callback(null, response),
          (error: unknown) => {
            const failure = toServiceError(error);
            code = failure.metadata.get(ERROR_CODE_METADATA)[0] as string;
            callback(failure);
          },
        )
        .finally(() => {
          done();
          // One line per call (method, outcome, time; never the payload or the token), and its metrics.
          const method = call.getPath();
          const seconds = (performance.now() - started) / 1000;
          log.info('rpc', { method, code, ms: Math.round(seconds * 1000) });
          deps.metrics?.increment('realtone_grpc_requests_total', { method, code });
          deps.metrics?.observe('realtone_grpc_request_duration_seconds', seconds, { method });
        });
    };

  const limiter = new ConcurrencyLimiter(deps.maxConcurrentAnalyses);
  const analyze = async (source: AnalysisSource, extractors: readonly string[], signal: AbortSignal) => {
    const release = await limiter.acquire(signal);
    try {
      return await analyzeRequest(deps.analyze, source, { extractors, signal, group: GROUP });
    } finally {
      release();
    }
  };

  server.addService(protos.legacy, {
    AnalyzeAudio: unary<LegacyRequest, unknown>(async (request, signal) =>
      legacyResponse(
        await analyze(
          { kind: 'object', bucket: request.minio_bucket_name, key: request.minio_object_key },
          [],
          signal,
        ),
      ),
    ),
  });

  const streams = new Set<StreamHandle>();
  let draining = false;
  const admit = () => {
    if (draining || streams.size >= deps.maxStreams)
      throw new StreamLimitError('too_many_sessions', `this server runs at most ${deps.maxStreams} streams`);
    return () => undefined;
  };
  server.addService(protos.detector, {
    Analyze: unary<AnalyzeMessage, unknown>(async (request, signal) =>
      analyzeResponse(await analyze(sourceOf(request), request.extractors ?? [], signal), thresholds()),
    ),
    ListExtractors: unary<unknown, unknown>(async () => ({
      extractors: deps.extractors.map(extractorMessage),
    })),
    StreamAnalyze: (call: StreamCall) => {
      try {
        authorize(call.metadata);
      } catch (error) {
        call.emit('error', toServiceError(error));
        return;
      }
      const handle = streamAnalyze({ deps: deps.stream, idleMs: deps.streamIdleMs, admit }, call, GROUP);
      streams.add(handle);
      void handle.closed.then(() => streams.delete(handle));
    },
  });

  const health = new HealthImplementation(
    Object.fromEntries(['', ...SERVICES].map((s) => [s, 'SERVING' as const])),
  );
  health.addToServer(server);
  const healthDefinition = protoLoader.loadSync(HEALTH_PROTO, LOADER_OPTIONS);
  new ReflectionService({ ...protos.definition, ...healthDefinition }).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${listen.host}:${listen.port}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) =>
        error
          ? reject(
              new Error(
                `gRPC cannot listen on ${listen.host}:${listen.port} (${error.message}); is the port in use? ` +
                  'Set GRPC_PORT to another port (0 = any free port)',
                { cause: error },
              ),
            )
          : resolve(bound),
    ),
  );
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  log.info('grpc server listening', { address: `${host}:${port}`, auth: Boolean(deps.authToken) });

  let closing: Promise<void> | undefined;
  return {
    address: `${host}:${port}`,
    port,
    close: (graceMs = 20_000) =>
      (closing ??= (async () => {
        draining = true;
        for (const s of ['', ...SERVICES]) health.setStatus(s, 'NOT_SERVING');
        for (const stream of streams) stream.shutdown();
        await Promise.race([
          Promise.all([...streams].map((s) => s.closed)),
          new Promise((r) => setTimeout(r, graceMs).unref()),
        ]);
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, graceMs);
          force.unref();
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
      })()),
  };
}
