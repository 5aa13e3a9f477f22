/**
 * Entry of the detector image as the gRPC service (ECS behind an internal Network Load Balancer; the image's
 * command is overridden to run this file). Loads the model (from S3 when MODEL_S3_URI is set), then serves
 * `audioanalyzer.AudioAnalysis`, `realtone.v1.DetectorService`, health and reflection on GRPC_PORT. Outside the
 * loopback interface a token is required (config.ts). SIGTERM drains: health turns NOT_SERVING, running streams
 * get their summary, calls in flight finish, then the process exits 0.
 */
import { serveProcessMetrics } from '../adapters/metrics-factory.ts';
import { getGrpcConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { ensureModel } from '../worker/model-source.ts';
import { buildProcessDeps, verdictFromConfig } from '../worker/process-deps.ts';
import { startGrpcService } from './runtime.ts';

const log = getLogger('grpc');
const started = performance.now();

try {
  await ensureModel();
  await resolveSecrets();
  const config = getGrpcConfig();
  const { deps, detector, close } = await buildProcessDeps(config);
  const server = await startGrpcService(config, {
    deps,
    verdict: verdictFromConfig(config, detector.manifest),
  });
  const metrics = await serveProcessMetrics(config);
  // From the process's start (performance's origin): Node, module load, model download and load, listening.
  const startToReadyMs = Math.round(performance.now());
  deps.metrics?.set('realtone_start_to_ready_seconds', startToReadyMs / 1000, { service: 'grpc' });
  log.info('grpc service ready', {
    address: server.address,
    metrics: metrics?.url,
    model: detector.manifest.name,
    device: detector.device,
    startToReadyMs,
    startMs: Math.round(performance.now() - started),
  });
  let draining = false;
  const shutdown = (signal: string) => {
    if (draining) return;
    draining = true;
    log.info('draining', { signal });
    void server
      .close(config.STREAM_DRAIN_SECONDS * 1000)
      .then(close)
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  log.error('grpc service failed to start', { error: (error as Error).message });
  process.exit(1);
}
