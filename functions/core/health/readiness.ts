/**
 * Readiness: every dependency is touched once, in parallel, each within a time limit. The result names the
 * dependencies and whether each answered, never connection strings or error details that could leak secrets.
 */
export type Check = () => Promise<void>;

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; ms: number }>;
}

export async function checkReadiness(checks: Record<string, Check>, timeoutMs = 2000): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        check().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]).catch(() => false);
      clearTimeout(timer);
      return [name, { ok, ms: Math.round(performance.now() - started) }] as const;
    }),
  );
  const result = Object.fromEntries(entries);
  return { ready: entries.every(([, r]) => r.ok), checks: result };
}
