/**
 * Every metric RealTone records: one name, type, help text, label set and unit, shared by the Prometheus registry
 * (containers: worker, stream service, local stack) and CloudWatch EMF (Lambdas), so a dashboard or an alert is
 * written once against one vocabulary. docs/metrics.md lists them with what each label means.
 */
export type MetricKind = 'histogram' | 'counter' | 'gauge';

export interface MetricSpec {
  kind: MetricKind;
  help: string;
  labels: readonly string[];
  /** CloudWatch unit of the EMF value. */
  unit: 'Seconds' | 'Count' | 'None';
  buckets?: readonly number[];
}

const LATENCY = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const METRIC_CATALOG = {
  realtone_stage_duration_seconds: {
    kind: 'histogram',
    help: 'Time per pipeline stage of one file job: download, decode, inference, write, extractor:<name>',
    labels: ['stage'],
    unit: 'Seconds',
    buckets: LATENCY,
  },
  realtone_windows_total: {
    kind: 'counter',
    help: 'Windows scored by the model (rate() gives windows per second)',
    labels: [],
    unit: 'Count',
  },
  realtone_inference_batch_windows: {
    kind: 'histogram',
    help: 'Windows per model run of the shared inference queue',
    labels: [],
    unit: 'Count',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  },
  realtone_inference_busy_seconds_total: {
    kind: 'counter',
    help: "Time the model's runners spent running batches, summed over runners (rate() / realtone_inference_runners is the share of time inference is busy)",
    labels: [],
    unit: 'Seconds',
  },
  realtone_inference_runners: {
    kind: 'gauge',
    help: 'Batches the model runs at once: 1 for one session, N for a pool of N inference threads',
    labels: [],
    unit: 'Count',
  },
  realtone_jobs_total: {
    kind: 'counter',
    help: 'File jobs finished, by outcome (completed, failed, retried, ignored) and error code',
    labels: ['outcome', 'code'],
    unit: 'Count',
  },
  realtone_job_queued_seconds: {
    kind: 'histogram',
    help: 'Time a job spent queued: from its object being known to be stored until a worker claimed it',
    labels: [],
    unit: 'Seconds',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800],
  },
  realtone_jobs_running: {
    kind: 'gauge',
    help: 'File jobs this worker is running now',
    labels: [],
    unit: 'Count',
  },
  realtone_start_to_ready_seconds: {
    kind: 'gauge',
    help: 'Process start to ready, the model loaded (worker: taking jobs; stream and grpc: listening), set once',
    labels: ['service'],
    unit: 'Seconds',
  },
  realtone_stream_sessions: {
    kind: 'gauge',
    help: 'Live stream sessions open now',
    labels: [],
    unit: 'Count',
  },
  realtone_stream_sessions_total: {
    kind: 'counter',
    help: 'Live stream sessions ended, by outcome (summary, or the error code that closed them)',
    labels: ['outcome'],
    unit: 'Count',
  },
  realtone_stream_window_latency_seconds: {
    kind: 'histogram',
    help: "Live streams: from a window's last sample arriving to its verdict being sent",
    labels: [],
    unit: 'Seconds',
    buckets: LATENCY,
  },
  realtone_http_requests_total: {
    kind: 'counter',
    help: 'API requests by route and status',
    labels: ['route', 'status'],
    unit: 'Count',
  },
  realtone_http_request_duration_seconds: {
    kind: 'histogram',
    help: 'API request handling time by route',
    labels: ['route'],
    unit: 'Seconds',
    buckets: LATENCY,
  },
  realtone_grpc_requests_total: {
    kind: 'counter',
    help: 'gRPC unary calls by method and outcome (ok, or the error code)',
    labels: ['method', 'code'],
    unit: 'Count',
  },
  realtone_grpc_request_duration_seconds: {
    kind: 'histogram',
    help: 'gRPC unary call handling time by method',
    labels: ['method'],
    unit: 'Seconds',
    buckets: LATENCY,
  },
  realtone_uploads_created_total: {
    kind: 'counter',
    help: 'Upload slots issued (single uploads and batch items), by origin',
    labels: ['origin'],
    unit: 'Count',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRIC_CATALOG;

/** Pipeline stages with a latency histogram (extractors add `extractor:<name>`). */
export const STAGES = ['download', 'decode', 'inference', 'write'] as const;
