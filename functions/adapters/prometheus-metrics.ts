import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Labels, Metrics } from '../ports/metrics.ts';
import { METRIC_CATALOG, type MetricName } from '../shared/metric-catalog.ts';

type Instrument = Histogram | Counter | Gauge;

/**
 * The catalog as prom-client instruments in one registry per process, with the process's default metrics (CPU,
 * memory, event-loop lag). Every metric exists from the start, so a scrape shows zeros before the first job.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly instruments = new Map<MetricName, Instrument>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const [name, spec] of Object.entries(METRIC_CATALOG) as [
      MetricName,
      (typeof METRIC_CATALOG)[MetricName],
    ][]) {
      const common = { name, help: spec.help, labelNames: [...spec.labels], registers: [this.registry] };
      const instrument =
        spec.kind === 'histogram'
          ? new Histogram({ ...common, buckets: [...(spec as { buckets: readonly number[] }).buckets] })
          : spec.kind === 'counter'
            ? new Counter(common)
            : new Gauge(common);
      this.instruments.set(name, instrument);
    }
  }

  observe(name: MetricName, value: number, labels: Labels = {}): void {
    (this.instruments.get(name) as Histogram).observe(labels, value);
  }

  increment(name: MetricName, labels: Labels = {}, by = 1): void {
    (this.instruments.get(name) as Counter).inc(labels, by);
  }

  set(name: MetricName, value: number, labels: Labels = {}): void {
    (this.instruments.get(name) as Gauge).set(labels, value);
  }
}

/**
 * Serves GET /metrics (Prometheus text format) on its own port, apart from the API and the stream socket, so it
 * can stay inside the VPC or the host while those face clients. Everything else is 404.
 */
export async function serveMetrics(
  registry: Registry,
  options: { port: number; host: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  const shown = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
