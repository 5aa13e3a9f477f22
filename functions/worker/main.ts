/**
 * Container entry point of the detector worker (ECS task, or any machine with the environment set). SIGTERM and
 * SIGINT drain: finish or give back the job in flight, then exit 0.
 */
import { serveProcessMetrics } from '../adapters/metrics-factory.ts';
import { getLogger } from '../shared/logger.ts';
import { startWorker } from './runtime.ts';

const log = getLogger('worker');

try {
  const runtime = await startWorker();
  const metrics = await serveProcessMetrics(runtime.config);
  if (metrics) log.info('metrics served', { url: metrics.url });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('draining', { signal });
    void runtime.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  log.error('worker failed to start', { error: (error as Error).message });
  process.exit(1);
}
