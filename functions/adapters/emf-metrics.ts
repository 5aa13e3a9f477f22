import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Labels, Metrics } from '../ports/metrics.ts';
import { METRIC_CATALOG, type MetricName } from '../shared/metric-catalog.ts';

export const EMF_NAMESPACE = 'RealTone';

/**
 * The catalog as CloudWatch Embedded Metric Format through Powertools Metrics: each value is one EMF record with
 * its labels as dimensions, in namespace `RealTone`, written to stdout where CloudWatch Logs turns it into a
 * metric. Histograms become plain values (CloudWatch computes percentiles); gauges are values too.
 */
export class EmfMetrics implements Metrics {
  private readonly metrics: PowertoolsMetrics;

  constructor(serviceName: string) {
    this.metrics = new PowertoolsMetrics({ namespace: EMF_NAMESPACE, serviceName });
  }

  private emit(name: MetricName, value: number, labels: Labels): void {
    const single = this.metrics.singleMetric();
    for (const [key, v] of Object.entries(labels)) if (v) single.addDimension(key, v);
    single.addMetric(name, MetricUnit[METRIC_CATALOG[name].unit], value);
  }

  observe(name: MetricName, value: number, labels: Labels = {}): void {
    this.emit(name, value, labels);
  }

  increment(name: MetricName, labels: Labels = {}, by = 1): void {
    this.emit(name, by, labels);
  }

  set(name: MetricName, value: number, labels: Labels = {}): void {
    this.emit(name, value, labels);
  }
}

/** Records into several sinks (a container in AWS: Prometheus for scrapes, EMF for the CloudWatch dashboard). */
export class TeeMetrics implements Metrics {
  constructor(private readonly sinks: readonly Metrics[]) {}
  observe(name: MetricName, value: number, labels?: Labels) {
    for (const s of this.sinks) s.observe(name, value, labels);
  }
  increment(name: MetricName, labels?: Labels, by?: number) {
    for (const s of this.sinks) s.increment(name, labels, by);
  }
  set(name: MetricName, value: number, labels?: Labels) {
    for (const s of this.sinks) s.set(name, value, labels);
  }
}
