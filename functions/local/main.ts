/**
 * `npm start`: runs the local stack until SIGINT/SIGTERM, then drains the worker (no job left in `processing`)
 * and stops every endpoint. Configuration: PORT (API, default 3000), GRPC_PORT (gRPC, default 50052), DATABASE_URL
 * and REDIS_URL (use real servers instead of the embedded ones), LOCAL_SQS_ENDPOINT (an SQS emulator run
 * separately), MODEL_MANIFEST, and the limits documented in README.
 */
import { getLogger } from '../shared/logger.ts';
import { startLocalStack } from './stack.ts';

// Node 20 is a supported runtime here (README); the SDK's notice about its future Node 22 requirement is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const log = getLogger('local-stack');
const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`${name} must be a port number (got "${raw}")\n`);
    process.exit(2);
  }
  return n;
};

/** LOCAL_QUEUE_WORKER=off: the stack runs no queue worker (jobs are left to workers started separately). */
function queueWorker(): boolean {
  const raw = process.env.LOCAL_QUEUE_WORKER ?? 'on';
  if (raw !== 'on' && raw !== 'off') {
    process.stderr.write(`LOCAL_QUEUE_WORKER must be on or off (got "${raw}")\n`);
    process.exit(2);
  }
  return raw === 'on';
}

/** LOCAL_SQS_ENDPOINT: an SQS emulator already running (http URL); unset, the stack runs fauxqs in-process. */
function sqsEndpoint(): string | undefined {
  const raw = process.env.LOCAL_SQS_ENDPOINT;
  if (!raw) return undefined;
  if (!/^https?:\/\/[^/\s]+\/?$/.test(raw)) {
    process.stderr.write(
      `LOCAL_SQS_ENDPOINT must be an http(s) URL such as http://127.0.0.1:4566 (got "${raw}")\n`,
    );
    process.exit(2);
  }
  return raw.replace(/\/$/, '');
}

try {
  const stack = await startLocalStack({
    port: port('PORT', 3000),
    s3Port: port('S3_PORT', 4568),
    sqsPort: port('SQS_PORT', 4566),
    sqsEndpoint: sqsEndpoint(),
    dynamoPort: port('DYNAMODB_PORT', 4567),
    pgPort: port('PGLITE_PORT', 5433),
    grpcPort: port('GRPC_PORT', 50052),
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
    dataDir: process.env.REALTONE_DATA_DIR,
    queueWorker: queueWorker(),
  });
  const e = stack.endpoints;
  const lines = [
    `api       ${e.api}`,
    ...(e.web ? [`web       ${e.web}`] : []),
    `stream    ${e.stream}  (WebSocket; tickets from POST /v1/stream/tickets)`,
    `events    ${e.events}  (WebSocket; tickets from POST /v1/events/tickets)`,
    `s3        ${e.s3}  (bucket ${stack.bucket})`,
    `sqs       ${e.sqs}  (queue ${stack.jobsQueueUrl}, dlq ${stack.deadLetterQueueUrl})`,
    `dynamodb  ${e.dynamodb}`,
    `postgres  ${e.postgres}`,
    `redis     ${e.redis}`,
    `metrics   ${e.metrics}  (Prometheus; METRICS_PORT)`,
    `grpc      ${e.grpc}  (gRPC over HTTP/2: audioanalyzer.AudioAnalysis, realtone.v1.DetectorService, health, reflection; GRPC_PORT)`,
    queueWorker()
      ? `worker    consuming ${stack.jobsQueueUrl}`
      : `worker    none (LOCAL_QUEUE_WORKER=off): start workers with JOBS_QUEUE_URL=${stack.jobsQueueUrl}`,
  ];
  process.stdout.write(
    `RealTone local stack is up:\n${lines.map((l) => `  ${l}`).join('\n')}\nready ${e.api}\n`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: draining the worker and stopping…\n`);
    void stack.stop().then(() => {
      process.stdout.write('stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  log.error('local stack failed to start', { error: (error as Error).message });
  process.stderr.write(`local stack failed to start: ${(error as Error).message}\n`);
  process.exit(1);
}
