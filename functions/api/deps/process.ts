/**
 * The API's adapters, one of each per process (a Lambda execution environment, or the local stack, which serves
 * every route in one process), made on first use from the configuration read once. Each route's handler module
 * names the factories it uses (functions/api/deps/*.ts), so its Lambda bundle imports and connects only those:
 * `GET /v1/health` loads no database driver, Redis client or AWS SDK.
 */
const made = new Map<string, unknown>();
const closers: (() => Promise<unknown> | void)[] = [];

/** The process's `key` adapter, made by `make` the first time; `close` runs at closeApiDeps. */
export function perProcess<T>(key: string, make: () => T, close?: (value: T) => Promise<unknown> | void): T {
  if (made.has(key)) return made.get(key) as T;
  const value = make();
  made.set(key, value);
  if (close) closers.push(() => close(value));
  return value;
}

/** Closes every adapter made so far (local stack shutdown, tests); the next request makes new ones. */
export async function closeApiDeps(): Promise<void> {
  const pending = closers.splice(0);
  made.clear();
  await Promise.allSettled(pending.map((close) => close()));
}
