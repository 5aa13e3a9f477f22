/**
 * Metrics, by name from one catalog (functions/shared/metric-catalog.ts): the containers serve them to Prometheus
 * on /metrics, the Lambdas write the same names as CloudWatch EMF. Core code records values through this port and
 * knows neither.
 */
import type { MetricName } from '../shared/metric-catalog.ts';

export type Labels = Record<string, string>;

export interface Metrics {
  /** A histogram observation (seconds for durations). */
  observe(name: MetricName, value: number, labels?: Labels): void;
  /** Adds `by` (default 1) to a counter. */
  increment(name: MetricName, labels?: Labels, by?: number): void;
  /** Sets a gauge. */
  set(name: MetricName, value: number, labels?: Labels): void;
}

/** Records nothing: unit tests and code paths that run without a metrics sink. */
export const NO_METRICS: Metrics = { observe() {}, increment() {}, set() {} };
