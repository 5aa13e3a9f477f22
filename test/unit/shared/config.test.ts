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
});
