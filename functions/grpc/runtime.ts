/**
 * Composition of the gRPC services from typed configuration and the process's pipeline parts (the inference queue,
 * storage and extractor catalog the file worker uses, so one queue batches files, streams and RPCs). Used by the
 * detector container's gRPC entry (main.ts) and by the local stack.
 */
import type { ProcessDeps } from '../core/jobs/process-upload.ts';
import type { VerdictPolicy } from '../core/detection/verdict.ts';
import { describeExtractors } from '../core/extractors/registry.ts';
import type { GrpcConfig } from '../shared/config.ts';
import { startGrpcServer, type GrpcServer } from './server.ts';

export interface GrpcRuntimeParts {
  /** What the worker runs on: storage, inference queue, limits, extractors, metrics. */
  deps: Pick<ProcessDeps, 'storage' | 'inference' | 'limits' | 'extractors' | 'metrics'>;
  verdict: VerdictPolicy;
}

export function startGrpcService(
  config: GrpcConfig,
  parts: GrpcRuntimeParts,
  listen: { host: string; port: number } = { host: config.GRPC_HOST, port: config.GRPC_PORT },
): Promise<GrpcServer> {
  const { deps, verdict } = parts;
  return startGrpcServer(
    {
      analyze: {
        storage: deps.storage,
        bucket: config.UPLOAD_BUCKET,
        inference: deps.inference,
        limits: deps.limits,
        verdict,
        extractors: deps.extractors,
      },
      stream: {
        queue: deps.inference,
        verdict,
        limits: {
          maxSeconds: config.STREAM_MAX_SECONDS,
          maxRateX: config.STREAM_MAX_RATE,
          burstSeconds: config.STREAM_BURST_SECONDS,
        },
        extractors: deps.extractors,
        metrics: deps.metrics,
      },
      extractors: describeExtractors(deps.inference.manifest),
      authToken: config.GRPC_AUTH_TOKEN,
      metrics: deps.metrics,
      streamIdleMs: config.STREAM_IDLE_SECONDS * 1000,
      maxStreams: config.STREAM_MAX_SESSIONS,
      maxConcurrentAnalyses: config.GRPC_MAX_CONCURRENT_ANALYSES,
    },
    listen,
  );
}
