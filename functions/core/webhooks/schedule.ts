/**
 * When a failed delivery is tried again (docs/webhooks.md): about 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, then every
 * 10 h, each ±20 % so that many deliveries failing together do not retry together, and a last try at 24 h after the
 * first attempt. After that the delivery is given up and its endpoint marked failing.
 */
export const RETRY_DELAYS_SECONDS = [5, 60, 300, 1800, 7200, 18000, 36000] as const;
export const GIVE_UP_AFTER_SECONDS = 24 * 3600;
const JITTER = 0.2;

/**
 * The time of the next attempt after `attempts` failed ones, or undefined when the delivery has had its 24 h.
 * `random` is in [0, 1).
 */
export function nextAttemptAt(
  attempts: number,
  firstAttemptAt: Date,
  now: Date,
  random: () => number = Math.random,
): Date | undefined {
  const deadline = firstAttemptAt.getTime() + GIVE_UP_AFTER_SECONDS * 1000;
  if (now.getTime() >= deadline) return undefined;
  const base = RETRY_DELAYS_SECONDS[Math.min(attempts, RETRY_DELAYS_SECONDS.length) - 1]!;
  const delay = base * (1 + JITTER * (2 * random() - 1));
  return new Date(Math.min(now.getTime() + delay * 1000, deadline));
}
