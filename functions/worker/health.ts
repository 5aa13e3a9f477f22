/**
 * Container health check of the detector worker: healthy while the worker's heartbeat file is fresh. container.ts
 * rewrites the file every few seconds from the worker's own event loop once the model is loaded and the consumer
 * runs, so a wedged process (blocked event loop, stuck start-up) turns unhealthy and ECS replaces the task.
 *
 *   node --import tsx functions/worker/health.ts    exit 0 healthy, 1 unhealthy
 *
 * WORKER_HEARTBEAT_FILE (default /tmp/realtone-worker.heartbeat), WORKER_HEARTBEAT_MAX_AGE_SECONDS (default 60).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const HEARTBEAT_FILE =
  process.env.WORKER_HEARTBEAT_FILE ?? path.join(os.tmpdir(), 'realtone-worker.heartbeat');
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** Writes the heartbeat now and then every `intervalMs`; returns a function that stops it. */
export function startHeartbeat(file = HEARTBEAT_FILE, intervalMs = HEARTBEAT_INTERVAL_MS): () => void {
  const beat = () => {
    try {
      writeFileSync(file, String(Date.now()));
    } catch {
      // A full or read-only /tmp shows up as a failing health check, which is the right signal.
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Seconds since the last heartbeat, or undefined when there is none. */
export function heartbeatAgeSeconds(file = HEARTBEAT_FILE, now = Date.now()): number | undefined {
  try {
    const written = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(written) ? Math.max(0, (now - written) / 1000) : undefined;
  } catch {
    return undefined;
  }
}

export function isHealthy(file = HEARTBEAT_FILE, maxAgeSeconds = 60, now = Date.now()): boolean {
  const age = heartbeatAgeSeconds(file, now);
  return age !== undefined && age <= maxAgeSeconds;
}

/** The check as a command: prints the verdict and exits 0 (healthy) or 1. */
export function runHealthCheck(): never {
  const maxAge = Number(process.env.WORKER_HEARTBEAT_MAX_AGE_SECONDS ?? 60);
  const age = heartbeatAgeSeconds();
  const healthy = isHealthy(HEARTBEAT_FILE, maxAge);
  process.stdout.write(
    healthy ? `healthy (heartbeat ${age?.toFixed(0)} s ago)\n` : `unhealthy (heartbeat: ${age ?? 'none'})\n`,
  );
  process.exit(healthy ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  runHealthCheck();
