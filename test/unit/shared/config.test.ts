import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/shared/config.ts';
import { ConfigError } from '../../../functions/shared/errors.ts';

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const c = loadConfig(['limits', 'worker'], { MAX_DURATION_SECONDS: '120' });
    expect(c.MAX_DURATION_SECONDS).toBe(120);
    expect(c.MAX_UPLOAD_BYTES).toBe(200 * 1024 * 1024);
    expect(c.WORKER_MAX_ATTEMPTS).toBe(3);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(['database', 'auth', 'cache'], {
        DATABASE_URL: 'mysql://x',
        JWT_SECRET: 'short',
        CACHE_DRIVER: 'redis',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(message).toContain('JWT_SECRET: must be at least 32 characters');
    expect(message).toContain('REDIS_URL: REDIS_URL is required when CACHE_DRIVER=redis');
    expect((error as ConfigError).code).toBe('config_invalid');
  });

  it('rejects inconsistent verdict thresholds', () => {
    expect(() => loadConfig(['verdict'], { VERDICT_LIKELY_FAKE: '0.8', VERDICT_FAKE: '0.6' })).toThrow(
      /VERDICT_FAKE/,
    );
  });

  it('reads INFERENCE_SPIN as a boolean, off by default, and refuses anything but 0 or 1', () => {
    expect(loadConfig(['model'], {}).INFERENCE_SPIN).toBe(false);
    expect(loadConfig(['model'], { INFERENCE_SPIN: '1' }).INFERENCE_SPIN).toBe(true);
    expect(loadConfig(['model'], { INFERENCE_SPIN: '0' }).INFERENCE_SPIN).toBe(false);
    expect(() => loadConfig(['model'], { INFERENCE_SPIN: 'yes' })).toThrow(/INFERENCE_SPIN/);
  });

  it('reads INFERENCE_WORKERS as auto or a thread count, and INFERENCE_GRAPH_CACHE as a directory or off', () => {
    const defaults = loadConfig(['model'], {});
    expect(defaults.INFERENCE_WORKERS).toBe('auto');
    expect(defaults.INFERENCE_GRAPH_CACHE).toBe('.local/ort-graphs');
    expect(loadConfig(['model'], { INFERENCE_WORKERS: '2' }).INFERENCE_WORKERS).toBe(2);
    expect(loadConfig(['model'], { INFERENCE_WORKERS: '0' }).INFERENCE_WORKERS).toBe(0);
    expect(() => loadConfig(['model'], { INFERENCE_WORKERS: 'two' })).toThrow(
      /INFERENCE_WORKERS: must be auto or a whole number from 0 to 64/,
    );
    expect(() => loadConfig(['model'], { INFERENCE_WORKERS: '65' })).toThrow(/INFERENCE_WORKERS/);
    expect(loadConfig(['model'], { INFERENCE_GRAPH_CACHE: 'off' }).INFERENCE_GRAPH_CACHE).toBe('off');
  });

  it('reads the webhook secret key, at least 32 characters, and the previous one only when given', () => {
    const key = 'k'.repeat(32);
    expect(loadConfig(['webhookSecrets'], { WEBHOOK_SECRET_KEY: key })).toEqual({ WEBHOOK_SECRET_KEY: key });
    expect(
      loadConfig(['webhookSecrets'], {
        WEBHOOK_SECRET_KEY: key,
        WEBHOOK_SECRET_KEY_PREVIOUS: 'p'.repeat(40),
      }),
    ).toEqual({ WEBHOOK_SECRET_KEY: key, WEBHOOK_SECRET_KEY_PREVIOUS: 'p'.repeat(40) });
    expect(() => loadConfig(['webhookSecrets'], {})).toThrow(/WEBHOOK_SECRET_KEY/);
    expect(() => loadConfig(['webhookSecrets'], { WEBHOOK_SECRET_KEY: 'k'.repeat(31) })).toThrow(
      /WEBHOOK_SECRET_KEY: must be at least 32 characters/,
    );
    expect(() =>
      loadConfig(['webhookSecrets'], { WEBHOOK_SECRET_KEY: key, WEBHOOK_SECRET_KEY_PREVIOUS: 'short' }),
    ).toThrow(/WEBHOOK_SECRET_KEY_PREVIOUS: must be at least 32 characters/);
  });
});
