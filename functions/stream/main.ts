/**
 * Entry of the detector image as the streaming service (ECS behind an Application Load Balancer; the image's
 * command is overridden to run this file). Loads the model (from S3 when MODEL_S3_URI is set), then serves
 * `/v1/stream` and an ALB health check (`GET /health`: 200 once the model is loaded, 503 while draining) on
 * STREAM_PORT. SIGTERM drains: running streams get their summary and close with 1001, then the process exits 0.
 */
import http from 'node:http';
import { serveProcessMetrics } from '../adapters/metrics-factory.ts';
import { getStreamConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { UpgradeRouter } from '../shared/upgrade-router.ts';
import { ensureModel } from '../worker/model-source.ts';
import { buildProcessDeps, verdictFromConfig } from '../worker/process-deps.ts';
import { createStreamService } from './runtime.ts';

const log = getLogger('stream');
const started = performance.now();

try {
  await ensureModel();
  await resolveSecrets();
  const config = getStreamConfig();
  const { deps, detector, inference, close } = await buildProcessDeps(config);
  const stream = createStreamService({
    config,
    inference,
    jobs: deps.jobs,
    metrics: deps.metrics,
    verdict: verdictFromConfig(config, detector.manifest),
    extractors: deps.extractors,
    onRecorded: (job) =>
      deps.notifier
        ?.send({ kind: 'stream', job_id: job.id, user_id: job.userId })
        .catch((error: Error) =>
          log.warn('stream notification not sent', { jobId: job.id, error: error.message }),
        ),
  });
  const metrics = await serveProcessMetrics(config);
  let draining = false;
  const server = http.createServer((req, res) => {
    const healthy = req.url === '/health' && !draining;
    res.writeHead(healthy ? 200 : req.url === '/health' ? 503 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(healthy ? { status: 'ok', sessions: stream.server.sessions } : { status: 'no' }));
  });
  new UpgradeRouter().add('/v1/stream', stream.server.handleUpgrade).attach(server);
  await new Promise<void>((resolve) => server.listen(config.STREAM_PORT, resolve));
  // From the process's start (performance's origin): Node, module load, model download and load, listening.
  const startToReadyMs = Math.round(performance.now());
  deps.metrics?.set('realtone_start_to_ready_seconds', startToReadyMs / 1000, { service: 'stream' });
  log.info('stream service ready', {
    port: config.STREAM_PORT,
    metrics: metrics?.url,
    model: detector.manifest.name,
    device: detector.device,
    startToReadyMs,
    startMs: Math.round(performance.now() - started),
  });
  const shutdown = (signal: string) => {
    if (draining) return;
    draining = true;
    log.info('draining', { signal, sessions: stream.server.sessions });
    void stream
      .close()
      .then(() => new Promise((r) => server.close(r)))
      .then(close)
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  log.error('stream service failed to start', { error: (error as Error).message });
  process.exit(1);
}
