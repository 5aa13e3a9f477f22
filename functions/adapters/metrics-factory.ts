import type { Registry } from 'prom-client';
import type { Metrics } from '../ports/metrics.ts';
import type { ConfigOf } from '../shared/config.ts';
import { EmfMetrics, TeeMetrics } from './emf-metrics.ts';

export interface ProcessMetrics {
  metrics: Metrics;
  /** The Prometheus registry, where this process serves /metrics (not in a Lambda). */
  registry?: Registry;
}

let current: Promise<ProcessMetrics> | undefined;

/**
 * One metrics sink per process, chosen once: a Lambda writes EMF; a container keeps a Prometheus registry (and
 * also writes EMF with METRICS_EMF, as in AWS, for the CloudWatch dashboard). The local stack runs the API, the
 * worker and the stream service in one process, so all three fill one registry. prom-client is imported only where
 * it is used: a Lambda's cold start does not load it.
 */
export function processMetrics(config: ConfigOf<'metrics'>): Promise<ProcessMetrics> {
  return (current ??= create(config));
}

async function create(config: ConfigOf<'metrics'>): Promise<ProcessMetrics> {
  if (config.AWS_LAMBDA_FUNCTION_NAME) return { metrics: new EmfMetrics(config.POWERTOOLS_SERVICE_NAME) };
  const { PrometheusMetrics } = await import('./prometheus-metrics.ts');
  const prometheus = new PrometheusMetrics();
  const metrics = config.METRICS_EMF
    ? new TeeMetrics([prometheus, new EmfMetrics(config.POWERTOOLS_SERVICE_NAME)])
    : prometheus;
  return { metrics, registry: prometheus.registry };
}

/** Serves the process's registry on METRICS_HOST:METRICS_PORT; undefined in a Lambda. */
export async function serveProcessMetrics(config: ConfigOf<'metrics'>) {
  const { registry } = await processMetrics(config);
  if (!registry) return undefined;
  const { serveMetrics } = await import('./prometheus-metrics.ts');
  return serveMetrics(registry, { port: config.METRICS_PORT, host: config.METRICS_HOST });
}
