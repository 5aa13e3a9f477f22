/**
 * The schema of every configuration section (functions/shared/config.ts loads them): one zod object per concern,
 * each variable with its default and the reason for it. A process role names the sections it reads.
 */
import * as z from 'zod';

export const DEFAULT_MODEL_MANIFEST = 'models/realtone-wavlm-small/model.json';

/** Whether a listen address is reachable from this machine only. */
export const isLoopback = (host: string) => /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalUrl = z.string().url().optional();

export const sections = {
  aws: z.object({
    AWS_REGION: z.string().min(1).default('us-east-1'),
  }),
  storage: z.object({
    UPLOAD_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    S3_ENDPOINT: optionalUrl,
    UPLOAD_URL_TTL_SECONDS: int(30, 3600).default(300),
    /** Lifetime of the presigned GET of a job's result manifest (`manifest_url`). */
    MANIFEST_URL_TTL_SECONDS: int(30, 3600).default(300),
  }),
  metrics: z.object({
    /** Port of the containers' Prometheus endpoint (GET /metrics), apart from the API and stream ports; 0 = any. */
    METRICS_PORT: int(0, 65535).default(9464),
    /** Address it listens on: 127.0.0.1 locally; the containers in AWS listen on 0.0.0.0 (inside the VPC). */
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Also write every metric as CloudWatch EMF to stdout (the containers in AWS, for the dashboard). */
    METRICS_EMF: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    /** Set by the Lambda runtime: metrics then go out as EMF only (a Lambda has no port to scrape). */
    AWS_LAMBDA_FUNCTION_NAME: z.string().min(1).optional(),
    POWERTOOLS_SERVICE_NAME: z.string().min(1).default('realtone'),
  }),
  batches: z.object({
    /** Unfinished jobs (awaiting upload, queued, processing) a user may have before POST /v1/batches is refused. */
    BATCH_MAX_PENDING_JOBS_PER_USER: int(1, 100000).default(300),
  }),
  queue: z.object({
    JOBS_QUEUE_URL: z.string().url(),
    SQS_ENDPOINT: optionalUrl,
  }),
  database: z.object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DATABASE_POOL_MAX: int(1, 100).default(5),
    DATABASE_SSL: z.enum(['disable', 'require']).default('disable'),
  }),
  cache: z
    .object({
      CACHE_DRIVER: z.enum(['redis', 'memory']).default('redis'),
      REDIS_URL: z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
        .optional(),
      REDIS_KEY_PREFIX: z
        .string()
        .regex(/^[\w:.-]{0,64}$/)
        .default('rt:'),
      RESULT_TTL_SECONDS: int(60, 30 * 86400).default(86400),
    })
    .refine((c) => c.CACHE_DRIVER !== 'redis' || c.REDIS_URL, {
      message: 'REDIS_URL is required when CACHE_DRIVER=redis',
      path: ['REDIS_URL'],
    }),
  sockets: z.object({
    /**
     * Public address of the streaming socket (wss://…/v1/stream) handed out with tickets; where unset (the local
     * stack) it is derived from the request's Host header.
     */
    STREAM_PUBLIC_URL: z
      .string()
      .regex(/^wss?:\/\/[^?#]+$/, 'must be a ws:// or wss:// URL without a query')
      .optional(),
    /** Lifetime of a WebSocket ticket, seconds. */
    TICKET_TTL_SECONDS: int(5, 600).default(60),
  }),
  notifications: z.object({
    /**
     * SQS queue of job and stream events (functions/notifications): the worker and stream service send, the sender
     * (a Lambda in AWS, in-process locally) delivers webhooks and pushes to events sockets. Unset: nothing is sent.
     */
    NOTIFICATIONS_QUEUE_URL: z.string().url().optional(),
    /** The same SQS endpoint as the jobs queue's (local emulator); read here too for the sender, which has no jobs queue. */
    SQS_ENDPOINT: optionalUrl,
    /**
     * Where webhooks may point (docs/webhooks.md). `public` (AWS, the default): https only, to public addresses.
     * `loopback` (the local stack): also http, and loopback addresses; private ranges stay refused.
     */
    WEBHOOK_URL_POLICY: z.enum(['public', 'loopback']).default('public'),
    /** Longest wait for a webhook receiver's answer, ms (the issue's 10 s). */
    WEBHOOK_TIMEOUT_MS: int(100, 30000).default(10000),
    WEBHOOK_MAX_PER_USER: int(1, 1000).default(20),
    /** Public address of the events socket (wss://…) handed out with its tickets; unset: the request's Host. */
    EVENTS_PUBLIC_URL: z
      .string()
      .regex(/^wss?:\/\/[^?#]+$/, 'must be a ws:// or wss:// URL without a query')
      .optional(),
    /** AWS: DynamoDB table of events-socket connections, and the WebSocket API's @connections endpoint. */
    CONNECTIONS_TABLE: z.string().min(3).max(255).optional(),
    EVENTS_CALLBACK_URL: z.string().url().optional(),
    /** The DynamoDB endpoint of the connections table (tests against dynalite); read here too, as SQS_ENDPOINT is. */
    DYNAMODB_ENDPOINT: optionalUrl,
  }),
  webhookSecrets: z.object({
    /**
     * Seals webhook signing secrets in the database (AES-256-GCM under a key derived from it; docs/webhooks.md). At
     * least 32 characters; in AWS resolved from WEBHOOK_SECRET_KEY_ARN, under `npm start` generated into the data
     * directory. Read only where a webhook secret is created, rotated or signed with.
     */
    WEBHOOK_SECRET_KEY: z.string().min(32, 'must be at least 32 characters'),
    /** The key before the last rotation: it opens what it sealed until the sender has sealed that again. */
    WEBHOOK_SECRET_KEY_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  }),
  auth: z.object({
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
    JWT_TTL_SECONDS: int(60, 86400).default(900),
    JWT_ISSUER: z.string().min(1).default('realtone'),
    JWT_AUDIENCE: z.string().min(1).default('realtone-api'),
    /** A browser session unused this long ends (lifetime of one refresh token; docs/web.md). */
    REFRESH_TTL_SECONDS: int(300, 365 * 86400).default(14 * 86400),
    /** However active, a session ends this long after its login. */
    REFRESH_FAMILY_TTL_SECONDS: int(300, 365 * 86400).default(30 * 86400),
  }),
  model: z.object({
    MODEL_MANIFEST: z.string().min(1).default(DEFAULT_MODEL_MANIFEST),
    INFERENCE_THREADS: int(0, 64).default(0),
    INFERENCE_DEVICE: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    /**
     * Threads that each run their own onnxruntime session, so that several batches are scored at once; `0` runs one
     * session in the process's main thread. `auto`: 2 for a server on a CPU with at least 2 cores; 0 on a GPU, on
     * one core and in the CLI, where two threads' start-up costs a short file more than they save (docs/performance.md).
     */
    INFERENCE_WORKERS: z
      .union([z.literal('auto'), int(0, 64)], { error: 'must be auto or a whole number from 0 to 64' })
      .default('auto'),
    /**
     * `1`: onnxruntime's pool threads spin between parallel sections instead of sleeping. Off by default: on a
     * shared or busy machine spinning threads take the CPU from decoding and from other processes, and
     * bench:pipeline-warm measures both (docs/performance.md); turn it on where the process owns quiet cores.
     */
    INFERENCE_SPIN: z
      .enum(['0', '1'])
      .default('0')
      .transform((v) => v === '1'),
    /**
     * Directory (relative to the project root unless absolute) where onnxruntime's optimised graph of the model is
     * kept between processes, per model checksum, onnxruntime version and CPU; `off` disables it.
     */
    INFERENCE_GRAPH_CACHE: z.string().min(1).default('.local/ort-graphs'),
    /** Most windows per model run, across every request (default: the manifest's batch_size). */
    INFERENCE_MAX_BATCH: int(1, 256).optional(),
    /** Longest a window waits for others to share its batch while the model is idle, ms. */
    INFERENCE_MAX_WAIT_MS: int(0, 1000).default(5),
  }),
  cli: z.object({
    /**
     * `1`: the CLI writes one JSON line to stderr when it starts reading its first file (epoch ms, and ms since its
     * process started), for `npm run bench:startup`.
     */
    REALTONE_TRACE_START: z
      .enum(['0', '1'])
      .default('0')
      .transform((v) => v === '1'),
  }),
  limits: z.object({
    MAX_UPLOAD_BYTES: int(1024, 5 * 1024 ** 3).default(200 * 1024 * 1024),
    MAX_DURATION_SECONDS: int(1, 6 * 3600).default(3600),
  }),
  idempotency: z.object({
    /** DynamoDB table for Idempotency-Key on POST /v1/uploads (key `id`, TTL attribute `expiration`). */
    IDEMPOTENCY_TABLE: z.string().min(3).max(255),
    IDEMPOTENCY_TTL_SECONDS: int(60, 7 * 86400).default(86400),
    DYNAMODB_ENDPOINT: optionalUrl,
  }),
  rateLimit: z.object({
    LOGIN_MAX_PER_SOURCE_PER_MINUTE: int(1, 10000).default(30),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 1000).default(10),
    LOGIN_FAILURE_WINDOW_SECONDS: int(10, 86400).default(900),
  }),
  verdict: z
    .object({
      /** Overall policy: mean of the top fraction of chunk scores (docs/verdict.md). */
      VERDICT_TOP_FRACTION: z.coerce
        .number()
        .gt(0)
        .max(1)
        .default(1 / 3),
      /** Override the model manifest's thresholds (probabilities). */
      VERDICT_LIKELY_FAKE: z.coerce.number().gt(0).lt(1).optional(),
      VERDICT_FAKE: z.coerce.number().gt(0).lt(1).optional(),
    })
    .refine(
      (v) =>
        v.VERDICT_FAKE === undefined ||
        v.VERDICT_LIKELY_FAKE === undefined ||
        v.VERDICT_FAKE >= v.VERDICT_LIKELY_FAKE,
      {
        message: 'VERDICT_FAKE must be >= VERDICT_LIKELY_FAKE',
        path: ['VERDICT_FAKE'],
      },
    ),
  extractors: z.object({
    /**
     * Windows whose VAD speech fraction is below this are not judged by the detector (`no_speech`); 0 turns the
     * gate off (docs/extractors.md has the measured effect on EER). With the gate on, VAD runs on every request.
     */
    VAD_MIN_SPEECH_FRACTION: z.coerce.number().min(0).max(1).default(0),
    /** Silero P(speech) from which a 32 ms frame counts as speech. */
    VAD_SPEECH_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.5),
  }),
  worker: z.object({
    /** Jobs one worker runs at once (plus one slot kept for a user with nothing running, when scheduling fairly). */
    WORKER_CONCURRENCY: int(1, 16).default(2),
    /** Fair scheduling between users (functions/worker/fair-source.ts); off gives plain queue order. */
    WORKER_FAIR_SCHEDULING: z
      .enum(['true', 'false', '1', '0'])
      .default('true')
      .transform((v) => v === 'true' || v === '1'),
    /** Messages a worker holds per user while they wait for a slot; the rest are deferred. */
    WORKER_HELD_PER_USER: int(1, 100).default(2),
    WORKER_MAX_ATTEMPTS: int(1, 20).default(3),
    WORKER_VISIBILITY_TIMEOUT_SECONDS: int(10, 43200).default(30),
    WORKER_DRAIN_SECONDS: int(1, 600).default(25),
    WORKER_WAIT_SECONDS: int(0, 20).default(20),
  }),
  stream: z.object({
    /** Longest stream, in seconds of audio. */
    STREAM_MAX_SECONDS: int(10, 24 * 3600).default(4 * 3600),
    /** A stream that sends nothing for this long is ended (summary of what arrived, then 1008). */
    STREAM_IDLE_SECONDS: int(1, 3600).default(30),
    STREAM_MAX_SESSIONS_PER_USER: int(1, 10000).default(32),
    STREAM_MAX_SESSIONS: int(1, 100000).default(500),
    /** Input rate cap per stream, × real time; a faster client is slowed (TCP back-pressure), not refused. */
    STREAM_MAX_RATE: int(1, 1000).default(16),
    STREAM_BURST_SECONDS: int(1, 600).default(10),
    /** Windows waiting longer than this in the shared queue close the heaviest stream with 1013. */
    STREAM_MAX_QUEUE_DELAY_MS: int(100, 60000).default(2000),
    STREAM_DRAIN_SECONDS: int(1, 600).default(20),
    /** Port of the detector container's stream server (AWS); the local stack serves the API's port. */
    STREAM_PORT: int(1, 65535).default(8080),
  }),
  grpc: z
    .object({
      /** Port of the gRPC services (HTTP/2); 50052 as the original detector's. 0 = any free port. */
      GRPC_PORT: int(0, 65535).default(50052),
      /** Address it listens on: loopback locally; 0.0.0.0 in AWS, inside the VPC, where a token is required. */
      GRPC_HOST: z.string().min(1).default('127.0.0.1'),
      /** Analyze/AnalyzeAudio calls decoded at once (one warm ingest thread each); later calls wait their turn. */
      GRPC_MAX_CONCURRENT_ANALYSES: int(1, 64).default(2),
      /** Callers must send `authorization: Bearer <token>` (in AWS resolved from GRPC_AUTH_TOKEN_ARN). */
      GRPC_AUTH_TOKEN: z
        .string()
        .min(32, 'must be at least 32 characters')
        .max(512)
        .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
        .optional(),
    })
    .refine((c) => c.GRPC_AUTH_TOKEN || isLoopback(c.GRPC_HOST), {
      message: 'GRPC_AUTH_TOKEN is required when GRPC_HOST is not a loopback address',
      path: ['GRPC_AUTH_TOKEN'],
    }),
} as const;
