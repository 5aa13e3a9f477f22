/** Reading a metric off a Prometheus text endpoint (the local stack's /metrics), for tests and benches. */

/** The samples of one metric, by their label set ('' for none). */
export async function scrapeMetric(url: string, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)(\{[^}]*\})? ([-\d.e+]+|NaN)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

/** One sample's value, 0 when the metric has no sample with these labels yet. */
export const sample = (samples: Map<string, number>, labels = '') => samples.get(labels) ?? 0;
