import type { Registry } from 'prom-client';
import type { Metrics } from '../ports/metrics.ts';
import type { ConfigOf } from '../shared/config.ts';
import { EmfMetrics, TeeMetrics } from './emf-metrics.ts';
import { PrometheusMetrics, serveMetrics } from './prometheus-metrics.ts';

export interface ProcessMetrics {
  metrics: Metrics;
  /** The Prometheus registry, where this process serves /metrics (not in a Lambda). */
  registry?: Registry;
}

let current: ProcessMetrics | undefined;

/**
 * One metrics sink per process, chosen once: a Lambda writes EMF; a container keeps a Prometheus registry (and
 * also writes EMF with METRICS_EMF, as in AWS, for the CloudWatch dashboard). The local stack runs the API, the
 * worker and the stream service in one process, so all three fill one registry.
 */
export function processMetrics(config: ConfigOf<'metrics'>): ProcessMetrics {
  if (current) return current;
  if (config.AWS_LAMBDA_FUNCTION_NAME)
    return (current = { metrics: new EmfMetrics(config.POWERTOOLS_SERVICE_NAME) });
  const prometheus = new PrometheusMetrics();
  const metrics = config.METRICS_EMF
    ? new TeeMetrics([prometheus, new EmfMetrics(config.POWERTOOLS_SERVICE_NAME)])
    : prometheus;
  return (current = { metrics, registry: prometheus.registry });
}

/** Serves the process's registry on METRICS_HOST:METRICS_PORT; undefined in a Lambda. */
export async function serveProcessMetrics(config: ConfigOf<'metrics'>) {
  const { registry } = processMetrics(config);
  if (!registry) return undefined;
  return serveMetrics(registry, { port: config.METRICS_PORT, host: config.METRICS_HOST });
}
