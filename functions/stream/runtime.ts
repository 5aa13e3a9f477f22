/**
 * Composition of the streaming service from typed configuration: the process's inference queue (shared with the
 * file worker when both run in one process), the job repository for the history, the ticket store and the token
 * settings. Used by the local stack (on the API's port) and by the detector container's stream entry (main.ts).
 */
import { keyValueFromConfig } from '../adapters/factory.ts';
import type { ExtractorCatalog } from '../core/extractors/catalog.ts';
import type { InferenceQueue } from '../core/pipeline/inference-queue.ts';
import type { VerdictPolicy } from '../core/detection/verdict.ts';
import type { JobRecord, JobRepository } from '../ports/jobs.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { StreamConfig } from '../shared/config.ts';
import { StreamServer } from './server.ts';

export interface StreamServiceDeps {
  config: StreamConfig;
  inference: InferenceQueue;
  jobs: Pick<JobRepository, 'recordStream'>;
  verdict: VerdictPolicy;
  /** The process's extractor catalog (shared with the file worker when both run in one process). */
  extractors?: ExtractorCatalog;
  /** Sessions open and ended, window latency. */
  metrics?: Metrics;
  /** Told about each recorded stream (stream.completed notifications). */
  onRecorded?: (job: JobRecord) => void | Promise<void>;
}

export function createStreamService(deps: StreamServiceDeps): {
  server: StreamServer;
  close(): Promise<void>;
} {
  const { config } = deps;
  const kv = keyValueFromConfig(config);
  const server = new StreamServer({
    stream: {
      queue: deps.inference,
      verdict: deps.verdict,
      limits: {
        maxSeconds: config.STREAM_MAX_SECONDS,
        maxRateX: config.STREAM_MAX_RATE,
        burstSeconds: config.STREAM_BURST_SECONDS,
      },
      recordStream: (stream) => deps.jobs.recordStream(stream),
      metrics: deps.metrics,
      onRecorded: deps.onRecorded,
      extractors: deps.extractors,
    },
    tickets: kv.tickets,
    tokens: {
      secret: config.JWT_SECRET,
      ttlSeconds: config.JWT_TTL_SECONDS,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    },
    config: {
      idleSeconds: config.STREAM_IDLE_SECONDS,
      maxSessionsPerUser: config.STREAM_MAX_SESSIONS_PER_USER,
      maxSessions: config.STREAM_MAX_SESSIONS,
      maxQueueDelayMs: config.STREAM_MAX_QUEUE_DELAY_MS,
    },
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    close: () => (closing ??= server.drain(config.STREAM_DRAIN_SECONDS * 1000).then(() => kv.close())),
  };
}
