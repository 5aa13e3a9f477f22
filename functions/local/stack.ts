/**
 * The whole RealTone stack on one machine, no cloud account: S3 (s3rver), SQS (fauxqs), DynamoDB (dynalite),
 * Postgres (DATABASE_URL or embedded PGlite), Redis (REDIS_URL or an in-process cache), the HTTP API adapter in
 * front of the real Lambda handlers, and the detector worker consuming the queue. Everything binds 127.0.0.1.
 */
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createS3Client } from '../adapters/s3-object-store.ts';
import { createSqsClient } from '../adapters/sqs-message-source.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { migrate } from '../adapters/postgres/migrations.ts';
import { ROUTES } from '../api/routes.ts';
import { DEFAULT_MODEL_MANIFEST, getGrpcConfig, getStreamConfig, PROJECT_ROOT } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { UpgradeRouter } from '../shared/upgrade-router.ts';
import { S3ToSqsBridge } from './bridge.ts';
import { startDynamo } from './dynamo.ts';
import { createHttpHandler, type LambdaHandler } from './http-adapter.ts';
import { startDatabase } from './postgres.ts';
import { watchQueue } from './queue-watch.ts';
import { replayUnfinishedUploads, sendFor, unannouncedFinishedJobs } from './recover.ts';
import { localSecret } from './secrets.ts';
import { startS3 } from './s3.ts';
import { startSqs } from './sqs.ts';
import { createWebStatic } from './web-static.ts';

export interface LocalStackOptions {
  /** API port (0 = any free port). */
  port?: number;
  s3Port?: number;
  sqsPort?: number;
  /** An SQS emulator already running (LOCAL_SQS_ENDPOINT) instead of the in-process fauxqs. */
  sqsEndpoint?: string;
  dynamoPort?: number;
  pgPort?: number;
  /** gRPC port (GRPC_PORT, default 50052; 0 = any free port), always on 127.0.0.1. */
  grpcPort?: number;
  /** Where local state lives (S3 objects, PGlite data, the JWT secret and the webhook secret key). */
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  modelManifest?: string;
  webOrigins?: string[];
  /** The built web app served on the API port (default web/dist); false serves the API alone. */
  webDist?: string | false;
  /** Extra environment for handlers and worker (limits, timeouts). */
  env?: Record<string, string>;
  /** Consume the jobs queue in this process (default); false leaves the jobs to workers started separately. */
  queueWorker?: boolean;
}

export interface LocalStack {
  endpoints: {
    api: string;
    stream: string;
    /** The events socket (tickets from POST /v1/events/tickets). */
    events: string;
    /** The web app, when served (same port as the API). */
    web?: string;
    s3: string;
    sqs: string;
    dynamodb: string;
    postgres: string;
    redis: string;
    /** Prometheus /metrics of the whole stack (API, worker, stream service), on METRICS_PORT. */
    metrics: string;
    /** The gRPC services, host:port (HTTP/2 without TLS, loopback only). */
    grpc: string;
  };
  bucket: string;
  jobsQueueUrl: string;
  deadLetterQueueUrl: string;
  stop(): Promise<void>;
}

export const LOCAL_BUCKET = 'realtone-uploads';
const log = getLogger('local-stack');
const REGION = 'us-east-1';
// Credentials the emulators accept (s3rver checks signatures made with them).
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

const listen = (server: http.Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // Emulator credentials for every SDK client in this process (the stack never talks to real AWS).
  Object.assign(process.env, LOCAL_CREDENTIALS);
  const dataDir = path.resolve(options.dataDir ?? path.join(PROJECT_ROOT, '.local'));
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse().splice(0)) await stop().catch(() => undefined);
  };
  // The API port is taken first: the web app is served from it, so the upload bucket's CORS must name it. Requests
  // wait until the handler is attached below, once everything behind it runs.
  const server = http.createServer();
  try {
    const apiPort = await listen(server, options.port ?? 3000);
    const webOrigins = options.webOrigins ?? [
      `http://127.0.0.1:${apiPort}`,
      `http://localhost:${apiPort}`,
      // `npm run dev:web` (Vite)
      'http://localhost:5173',
      'http://127.0.0.1:5173',
    ];
    const db = await startDatabase({
      url: options.databaseUrl,
      dataDir: path.join(dataDir, 'pglite'),
      port: options.pgPort ?? 5433,
    });
    stops.push(db.stop);
    const adminPool = createPool({ url: db.url, max: 1, ssl: 'disable' });
    stops.push(() => adminPool.end());
    await migrate(adminPool);

    const visibility = Number(options.env?.WORKER_VISIBILITY_TIMEOUT_SECONDS ?? 30);
    const sqs = await startSqs({
      port: options.sqsPort ?? 4566,
      endpoint: options.sqsEndpoint,
      client: (endpoint) => createSqsClient({ region: REGION, endpoint }),
      visibilityTimeoutSeconds: visibility,
      maxReceiveCount: Number(options.env?.SQS_MAX_RECEIVE_COUNT ?? process.env.SQS_MAX_RECEIVE_COUNT ?? 5),
    });
    stops.push(sqs.stop);
    const sqsClient = createSqsClient({ region: REGION, endpoint: sqs.endpoint });
    stops.push(async () => sqsClient.destroy());
    const bridge = new S3ToSqsBridge(sqsClient, sqs.jobsQueueUrl, LOCAL_BUCKET, REGION);
    const s3 = await startS3({
      port: options.s3Port ?? 4568,
      directory: path.join(dataDir, 's3'),
      bucket: LOCAL_BUCKET,
      webOrigins,
      onObjectCreated: bridge.onObjectCreated,
    });
    stops.push(s3.stop);
    stops.push(() => bridge.flush());
    await bridge.sendTestEvent();
    const s3Client = createS3Client({ region: REGION, endpoint: s3.endpoint });
    stops.push(async () => s3Client.destroy());
    const replayed = await replayUnfinishedUploads(adminPool, s3Client, LOCAL_BUCKET, bridge, {
      leasesAreDead: db.embedded,
    });
    if (replayed) log.info('re-sent S3 events for unfinished uploads', { count: replayed });
    // The emulator may restart on its own and come back empty: recreate the queues and re-send what was lost.
    const watch = watchQueue({
      sqs: sqsClient,
      queueUrl: sqs.jobsQueueUrl,
      pool: adminPool,
      intervalMs: 2000,
      recreate: sqs.recreate,
      replay: (hold) =>
        replayUnfinishedUploads(adminPool, s3Client, LOCAL_BUCKET, bridge, { holdLive: hold }),
      resend: (key) => sendFor(s3Client, LOCAL_BUCKET, bridge, key),
    });
    stops.push(watch.stop);
    const dynamo = await startDynamo(options.dynamoPort ?? 4567, REGION);
    stops.push(dynamo.stop);

    Object.assign(process.env, {
      AWS_REGION: REGION,
      UPLOAD_BUCKET: LOCAL_BUCKET,
      S3_ENDPOINT: s3.endpoint,
      SQS_ENDPOINT: sqs.endpoint,
      JOBS_QUEUE_URL: sqs.jobsQueueUrl,
      NOTIFICATIONS_QUEUE_URL: sqs.notificationsQueueUrl,
      // Webhooks to a receiver on this machine (http://127.0.0.1:…) are allowed locally (docs/webhooks.md).
      WEBHOOK_URL_POLICY: process.env.WEBHOOK_URL_POLICY ?? 'loopback',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      IDEMPOTENCY_TABLE: dynamo.table,
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: String(db.poolMax),
      CACHE_DRIVER: options.redisUrl ? 'redis' : 'memory',
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      ...(options.redisKeyPrefix ? { REDIS_KEY_PREFIX: options.redisKeyPrefix } : {}),
      JWT_SECRET: await localSecret(dataDir, 'jwt-secret', process.env.JWT_SECRET),
      // Seals webhook secrets in the database: losing this file leaves them unreadable (docs/webhooks.md).
      WEBHOOK_SECRET_KEY: await localSecret(dataDir, 'webhook-secret-key', process.env.WEBHOOK_SECRET_KEY),
      MODEL_MANIFEST: options.modelManifest ?? process.env.MODEL_MANIFEST ?? DEFAULT_MODEL_MANIFEST,
      WORKER_WAIT_SECONDS: '2',
      WORKER_VISIBILITY_TIMEOUT_SECONDS: String(visibility),
      ...options.env,
    });

    // Handlers and worker read their configuration once, on first use: only now that the environment is complete.
    const routes = await Promise.all(
      ROUTES.map(async (route) => {
        const mod = (await import(`../api/handlers/${route.handler}.ts`)) as { handler: LambdaHandler };
        return { route, fn: mod.handler };
      }),
    );
    const { closeApiDeps } = await import('../api/deps/process.ts');
    stops.push(closeApiDeps);
    // The sender starts before the worker and stops after it, so what the worker says while draining still goes out.
    const streamConfig = getStreamConfig();
    const { keyValueFromConfig } = await import('../adapters/factory.ts');
    const eventsKv = keyValueFromConfig(streamConfig);
    stops.push(eventsKv.close);
    const { LocalEventsServer } = await import('../events/local-server.ts');
    const events = new LocalEventsServer(eventsKv.tickets);
    stops.push(() => events.close());
    const { startNotificationSender } = await import('../notifications/local-runtime.ts');
    const sender = startNotificationSender(events);
    stops.push(() => sender.stop());
    const unannounced = await unannouncedFinishedJobs(adminPool);
    for (const job of unannounced)
      await sender.announce(
        job.kind === 'stream'
          ? { kind: 'stream', job_id: job.job_id, user_id: job.user_id }
          : { kind: 'job', job_id: job.job_id, user_id: job.user_id, status: job.status },
      );
    if (unannounced.length) log.info('re-announced finished jobs to webhooks', { count: unannounced.length });
    const { startWorker } = await import('../worker/runtime.ts');
    const worker = await startWorker(undefined, { consume: options.queueWorker ?? true });
    stops.push(() => worker.stop());
    const { serveProcessMetrics } = await import('../adapters/metrics-factory.ts');
    const metricsServer = (await serveProcessMetrics(worker.config))!;
    stops.push(metricsServer.close);
    // The stream service shares the worker's model and inference queue: one queue batches files and streams.
    const { createStreamService } = await import('../stream/runtime.ts');
    const { verdictFromConfig } = await import('../worker/process-deps.ts');
    const stream = createStreamService({
      config: streamConfig,
      inference: worker.inference,
      jobs: worker.deps.jobs,
      metrics: worker.deps.metrics,
      verdict: verdictFromConfig(streamConfig, worker.detector.manifest),
      extractors: worker.deps.extractors,
      onRecorded: (job) =>
        worker.deps.notifier
          ?.send({ kind: 'stream', job_id: job.id, user_id: job.userId })
          .catch((error: Error) => log.warn('stream notification not sent', { error: error.message })),
    });
    stops.push(() => stream.close());
    // The gRPC services share the same queue too; without GRPC_AUTH_TOKEN they take unauthenticated calls, which
    // is why they listen on the loopback interface only.
    const { startGrpcService } = await import('../grpc/runtime.ts');
    const grpcConfig = getGrpcConfig();
    const grpc = await startGrpcService(
      grpcConfig,
      { deps: worker.deps, verdict: verdictFromConfig(grpcConfig, worker.detector.manifest) },
      { host: '127.0.0.1', port: options.grpcPort ?? grpcConfig.GRPC_PORT },
    );
    stops.push(() => grpc.close(5000));

    const webDist = options.webDist ?? path.join(PROJECT_ROOT, 'web', 'dist');
    const web = webDist ? createWebStatic({ distDir: webDist, connectSources: [s3.endpoint] }) : undefined;
    server.on('request', createHttpHandler(routes, webOrigins, web));
    new UpgradeRouter()
      .add('/v1/stream', stream.server.handleUpgrade)
      .add('/v1/events', events.handleUpgrade)
      .attach(server);
    // Last in, first out: on stop the API stops taking requests before the worker and the stores go.
    stops.push(
      // Sockets first (streams drain, events sockets close with 1001): the server's close waits for every socket,
      // upgraded ones included.
      () =>
        new Promise<void>((resolve) => {
          void Promise.all([stream.close(), events.close()]).then(() => server.close(() => resolve()));
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        }),
    );
    return {
      endpoints: {
        api: `http://127.0.0.1:${apiPort}`,
        stream: `ws://127.0.0.1:${apiPort}/v1/stream`,
        events: `ws://127.0.0.1:${apiPort}/v1/events`,
        ...(web ? { web: `http://127.0.0.1:${apiPort}/` } : {}),
        s3: s3.endpoint,
        sqs: sqs.endpoint,
        dynamodb: dynamo.endpoint,
        postgres: db.embedded
          ? `${db.url} (embedded PGlite, ${path.join(dataDir, 'pglite')})`
          : redact(db.url),
        redis: options.redisUrl ? redact(options.redisUrl) : 'in-process cache',
        metrics: metricsServer.url,
        grpc: grpc.address,
      },
      bucket: LOCAL_BUCKET,
      jobsQueueUrl: sqs.jobsQueueUrl,
      deadLetterQueueUrl: sqs.deadLetterQueueUrl,
      stop: stopAll,
    };
  } catch (error) {
    server.close();
    await stopAll();
    throw error;
  }
}

/** Hides a password in a connection URL before printing it. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
