/**
 * Refresh tokens on the local stack (real Postgres and Redis), the way a browser uses them: the HttpOnly cookie's
 * attributes, rotation on every use, storage as hashes only, reuse revoking the whole family (also when two requests
 * race with one token), logout revoking, expiry, and no token in the logs.
 */
import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { validateResponse } from '../support/openapi-validator.ts';

const PASSWORD = 'correct horse battery staple';
let stack: StackProcess;
let db: pg.Pool;
const seenTokens: string[] = [];

beforeAll(async () => {
  stack = await startStackProcess({
    MODEL_MANIFEST: 'test/fixtures/models/energy-fixture/model.json',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `${inject('redisPrefix')}sessions:`,
    LOG_LEVEL: 'DEBUG',
  });
  db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
});

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

interface CookieSet {
  value: string;
  attributes: string[];
}

function refreshCookieOf(res: Response): CookieSet | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('rt_refresh='));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';').map((p) => p.trim());
  return { value: pair!.slice('rt_refresh='.length), attributes };
}

async function send(method: string, path: string, init: { body?: unknown; cookie?: string } = {}) {
  const res = await fetch(`${stack.api}${path}`, {
    method,
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.cookie !== undefined ? { cookie: `theme=dark; rt_refresh=${init.cookie}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  validateResponse(method, path, res.status, res.headers.get('content-type'), json);
  const cookie = refreshCookieOf(res);
  if (cookie?.value) seenTokens.push(cookie.value);
  if (json?.access_token) seenTokens.push(json.access_token);
  return { status: res.status, json, cookie };
}

async function newSession() {
  const api = new ApiClient(stack.api);
  const email = await api.signUp(undefined, PASSWORD);
  const login = await send('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  expect(login.status).toBe(200);
  return { email, login, refresh: login.cookie!.value };
}

const refresh = (token: string) => send('POST', '/v1/auth/refresh', { cookie: token });
const sha256 = (s: string) => createHash('sha256').update(s).digest();

describe('refresh cookie', () => {
  it('is set at login HttpOnly, Secure, SameSite=Strict and scoped to the refresh path, never in the body', async () => {
    const { login, refresh: token } = await newSession();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const attrs = login.cookie!.attributes;
    expect(attrs).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/v1/auth/refresh']),
    );
    expect(attrs.some((a) => /^Domain=/i.test(a))).toBe(false);
    const maxAge = Number(attrs.find((a) => a.startsWith('Max-Age='))!.slice(8));
    expect(maxAge).toBeGreaterThan(14 * 86400 - 60);
    expect(maxAge).toBeLessThanOrEqual(14 * 86400);
    expect(JSON.stringify(login.json)).not.toContain(token);
  });

  it('rotates on every use: each refresh answers a working access token and a new cookie', async () => {
    const { login, refresh: first } = await newSession();
    const user = (jwt.decode(login.json.access_token) as jwt.JwtPayload).sub;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    expect(second.cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.cookie!.value).not.toBe(first);
    expect((jwt.decode(second.json.access_token) as jwt.JwtPayload).sub).toBe(user);
    const api = new ApiClient(stack.api);
    api.token = second.json.access_token;
    expect((await api.call('GET', '/v1/jobs')).status).toBe(200);
    const third = await refresh(second.cookie!.value);
    expect(third.status).toBe(200);
    expect(new Set([first, second.cookie!.value, third.cookie!.value]).size).toBe(3);
  });

  it('is stored only as a SHA-256 hash', async () => {
    const { refresh: token } = await newSession();
    const { rows } = await db.query('SELECT * FROM refresh_tokens WHERE token_hash = $1', [sha256(token)]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(token);
    const all = await db.query('SELECT * FROM refresh_tokens');
    expect(JSON.stringify(all.rows)).not.toContain(token);
  });

  it('revokes the whole family when a spent token is presented again, and only that family', async () => {
    const victim = await newSession();
    const other = await newSession();
    const rotated = await refresh(victim.refresh);
    expect(rotated.status).toBe(200);
    // The old token comes back (stolen and replayed): refused, and the cookie is cleared…
    const replay = await refresh(victim.refresh);
    expect(replay.status).toBe(401);
    expect(replay.json.code).toBe('unauthorized');
    expect(replay.cookie).toMatchObject({ value: '' });
    expect(replay.cookie!.attributes).toContain('Max-Age=0');
    // …and the legitimate successor is dead too.
    expect((await refresh(rotated.cookie!.value)).status).toBe(401);
    const { rows } = await db.query(
      'SELECT count(*)::int AS live FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL',
      [sha256(victim.refresh)],
    );
    expect(rows[0].live).toBe(0);
    expect((await refresh(other.refresh)).status).toBe(200);
  });

  it('lets exactly one of two racing refreshes with the same token win, then revokes the family', async () => {
    const { refresh: token } = await newSession();
    const results = await Promise.all([refresh(token), refresh(token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    expect((await refresh(winner.cookie!.value)).status).toBe(401);
  });

  it('is revoked by logout, which is idempotent and clears the cookie', async () => {
    const { refresh: token } = await newSession();
    const rotated = await refresh(token);
    const out = await send('DELETE', '/v1/auth/refresh', { cookie: rotated.cookie!.value });
    expect(out.status).toBe(204);
    expect(out.cookie!.attributes).toEqual(
      expect.arrayContaining(['Max-Age=0', 'HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/v1/auth/refresh']),
    );
    expect((await refresh(rotated.cookie!.value)).status).toBe(401);
    expect((await send('DELETE', '/v1/auth/refresh', { cookie: rotated.cookie!.value })).status).toBe(204);
    expect((await send('DELETE', '/v1/auth/refresh')).status).toBe(204);
  });

  it('refuses a missing, malformed, unknown or expired token with 401', async () => {
    expect((await send('POST', '/v1/auth/refresh')).status).toBe(401);
    expect((await refresh('not a token')).status).toBe(401);
    expect((await refresh('A'.repeat(43))).status).toBe(401);
    const { refresh: token } = await newSession();
    await db.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(token)],
    );
    const expired = await refresh(token);
    expect(expired.status).toBe(401);
    expect(expired.json.detail).toMatch(/expired/);
  });
});

describe('logs', () => {
  it('never contain refresh or access tokens', () => {
    const logs = stack.output();
    expect(logs).toContain('POST /v1/auth/refresh');
    expect(seenTokens.length).toBeGreaterThan(10);
    for (const token of seenTokens) expect(logs).not.toContain(token);
  });
});
