/**
 * ECS task scale-in protection from inside the task: while a job runs, the task asks the ECS agent
 * ($ECS_AGENT_URI/task-protection/v1/state) to protect it, so neither a scale-in of the service (the queue emptied
 * while this job was still running) nor a deployment stops it mid-job. Protection is cleared when the last job in
 * flight ends, and re-armed periodically during long jobs so it never lapses while one runs.
 *
 * Outside ECS (ECS_AGENT_URI unset: Lambda, the local stack, tests) every call is a no-op. Failures to reach the
 * agent are logged and never fail a job: without protection the worst case is a drained (and retried) job.
 * The task role needs ecs:GetTaskProtection and ecs:UpdateTaskProtection (infra/lib/detector-gpu.ts).
 *
 * Wiring (runtime.ts): `process: withTaskProtection((key, options) => processUpload(deps, { key }, options)),`
 */
import { getLogger } from '../shared/logger.ts';

const log = getLogger('task-protection');

export interface TaskProtectionOptions {
  /** Agent endpoint; defaults to process.env.ECS_AGENT_URI. Unset: protection is a no-op. */
  agentUri?: string;
  /** Protection lifetime per request, 1–2880 minutes (default 60); re-armed at half of it while jobs run. */
  expiresInMinutes?: number;
  fetch?: typeof fetch;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
}

/** Sets or clears this task's scale-in protection. Returns false when not running on ECS. Throws on failure. */
export async function setTaskProtection(
  enabled: boolean,
  options: TaskProtectionOptions = {},
): Promise<boolean> {
  const agentUri = options.agentUri ?? process.env.ECS_AGENT_URI;
  if (!agentUri) return false;
  const minutes = Math.min(2880, Math.max(1, Math.round(options.expiresInMinutes ?? 60)));
  const body = enabled
    ? { ProtectionEnabled: true, ExpiresInMinutes: minutes }
    : { ProtectionEnabled: false };
  const response = await (options.fetch ?? fetch)(`${agentUri.replace(/\/$/, '')}/task-protection/v1/state`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  const text = await response.text();
  let json: { failure?: { Reason?: string; Detail?: string }; error?: { Code?: string; Message?: string } } =
    {};
  try {
    json = text ? (JSON.parse(text) as typeof json) : {};
  } catch {
    // A non-JSON body is reported with the status below.
  }
  if (!response.ok || json.failure || json.error) {
    const reason =
      json.failure?.Reason ?? json.error?.Message ?? json.error?.Code ?? (text.slice(0, 200) || 'no body');
    throw new Error(
      `task protection ${enabled ? 'enable' : 'disable'} failed: HTTP ${response.status}: ${reason}`,
    );
  }
  return true;
}

/** Reference-counted protection: on while at least one job runs, off when the last one ends. */
export class TaskProtection {
  private active = 0;
  private chain: Promise<void> = Promise.resolve();
  private refresh?: NodeJS.Timeout;

  constructor(private readonly options: TaskProtectionOptions = {}) {}

  /** Jobs currently holding protection. */
  get holders(): number {
    return this.active;
  }

  async acquire(): Promise<void> {
    if (this.active++ > 0) return;
    const minutes = this.options.expiresInMinutes ?? 60;
    this.refresh = setInterval(() => void this.apply(true), (minutes * 60_000) / 2);
    this.refresh.unref();
    await this.apply(true);
  }

  async release(): Promise<void> {
    if (this.active === 0 || --this.active > 0) return;
    clearInterval(this.refresh);
    this.refresh = undefined;
    await this.apply(false);
  }

  /** Requests are sent one after another, so an enable never overtakes the disable before it. */
  private apply(enabled: boolean): Promise<void> {
    this.chain = this.chain.then(async () => {
      try {
        if (await setTaskProtection(enabled, this.options))
          log.debug('task scale-in protection updated', { enabled });
      } catch (error) {
        log.warn('task scale-in protection not updated', { enabled, error: (error as Error).message });
      }
    });
    return this.chain;
  }
}

/** Wraps a job function so the task is protected from scale-in while any call of it is in flight. */
export function withTaskProtection<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  protection: TaskProtection = new TaskProtection(),
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    await protection.acquire();
    try {
      return await fn(...args);
    } finally {
      await protection.release();
    }
  };
}
