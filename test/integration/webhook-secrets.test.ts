/**
 * Webhook signing secrets at rest, on the real Postgres (a schema of its own): the columns hold sealed values, never
 * the plaintext, while the repository hands the plaintext back; a value copied to another row does not open; rows
 * from before sealing (plaintext `whsec_…`) read, and the sweep seals them; after a key rotation the previous key
 * opens what it sealed until the sweep has sealed it again, after which it can be retired.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../functions/adapters/postgres/migrations.ts';
import { PostgresUserRepository } from '../../functions/adapters/postgres/user-repository.ts';
import { PostgresWebhookRepository } from '../../functions/adapters/postgres/webhook-repository.ts';
import { webhookSecretBox } from '../../functions/adapters/postgres/webhook-secrets.ts';
import { newSecret } from '../../functions/core/webhooks/signing.ts';
import { SecretUnreadableError } from '../../functions/shared/secret-box.ts';
import { createTestSchema, type TestSchema } from '../support/test-schema.ts';

const KEY_A = 'key-a-'.padEnd(48, 'a');
const KEY_B = 'key-b-'.padEnd(48, 'b');
const KEY_C = 'key-c-'.padEnd(48, 'c');

let schema: TestSchema;
let pool: pg.Pool;
let userId: string;

const repo = (current: string, previous?: string) =>
  new PostgresWebhookRepository(
    pool,
    webhookSecretBox({ WEBHOOK_SECRET_KEY: current, WEBHOOK_SECRET_KEY_PREVIOUS: previous }),
  );
const keyId = (key: string) => webhookSecretBox({ WEBHOOK_SECRET_KEY: key }).keyId;

beforeAll(async () => {
  schema = await createTestSchema(inject('databaseUrl'), 'whs', 2);
  pool = schema.pool;
  await migrate(pool);
  const user = await new PostgresUserRepository(pool).create({
    id: randomUUID(),
    email: `${randomUUID()}@example.com`,
    passwordHash: 'x',
  });
  userId = user.id;
});

beforeEach(async () => {
  await pool.query('DELETE FROM webhooks');
});

afterAll(async () => {
  await schema.drop();
});

async function create(r: PostgresWebhookRepository) {
  const secret = newSecret();
  const created = await r.create({
    id: randomUUID(),
    userId,
    url: 'https://hooks.example.com/x',
    events: ['job.completed'],
    description: null,
    secret,
  });
  return { id: created.id, secret };
}

async function stored(id: string): Promise<{ secret: string; previous_secret: string | null }> {
  const { rows } = await pool.query('SELECT secret, previous_secret FROM webhooks WHERE id = $1', [id]);
  return rows[0];
}

/** A row as it was written before secrets were sealed. */
async function legacyRow(secret: string, previous: string | null, previousExpiresInSeconds = 3600) {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO webhooks (id, user_id, url, events, secret, previous_secret, previous_secret_expires_at)
     VALUES ($1, $2, 'https://hooks.example.com/old', '{job.completed}', $3, $4::text,
       CASE WHEN $4::text IS NULL THEN NULL ELSE now() + make_interval(secs => $5) END)`,
    [id, userId, secret, previous, previousExpiresInSeconds],
  );
  return id;
}

/** The base64 of a `whsec_` secret: the part a leak would be about. */
const keyPart = (secret: string) => secret.slice('whsec_'.length);

function unreadable(error: unknown) {
  expect(error).toBeInstanceOf(SecretUnreadableError);
  return { code: (error as SecretUnreadableError).code, reason: (error as SecretUnreadableError).reason };
}

describe('webhook secrets at rest', () => {
  it('stores created and rotated secrets sealed, and hands back the plaintext', async () => {
    const r = repo(KEY_A);
    const { id, secret } = await create(r);
    const raw = await stored(id);
    expect(raw.secret.startsWith(`rtbox1.${keyId(KEY_A)}.`)).toBe(true);
    expect(raw.secret).not.toContain(keyPart(secret));
    expect(raw.previous_secret).toBeNull();
    expect((await r.find(id))!).toMatchObject({ id, userId, secret, previousSecret: null });

    const next = newSecret();
    const until = new Date(Date.now() + 3600_000);
    expect(await r.rotate(userId, id, next, until)).toMatchObject({ id, userId });
    const rotated = await stored(id);
    for (const value of [rotated.secret, rotated.previous_secret!]) {
      expect(value.startsWith(`rtbox1.${keyId(KEY_A)}.`)).toBe(true);
      expect(value).not.toContain(keyPart(secret));
      expect(value).not.toContain(keyPart(next));
    }
    // The current secret moved to previous_secret as it was stored.
    expect(rotated.previous_secret).toBe(raw.secret);
    expect(await r.find(id)).toMatchObject({
      secret: next,
      previousSecret: secret,
      previousSecretExpiresAt: until,
    });
    expect(await r.rotate(randomUUID(), id, newSecret(), until)).toBeUndefined();
    // Reads that do not sign select no secret.
    expect(await r.findForUser(userId, id)).not.toHaveProperty('secret');
    expect((await r.listForUser(userId))[0]).not.toHaveProperty('secret');
  });

  it('does not open a sealed secret copied to another row', async () => {
    const r = repo(KEY_A);
    const mine = await create(r);
    const theirs = await create(r);
    await pool.query(
      'UPDATE webhooks SET secret = (SELECT secret FROM webhooks WHERE id = $1) WHERE id = $2',
      [mine.id, theirs.id],
    );
    expect(unreadable(await r.find(theirs.id).catch((e: unknown) => e))).toEqual({
      code: 'secret_unreadable',
      reason: 'rejected',
    });
    expect((await r.find(mine.id))!.secret).toBe(mine.secret);
  });

  it('reads rows from before sealing, and the sweep seals them', async () => {
    const r = repo(KEY_A);
    const [old, older] = [newSecret(), newSecret()];
    const id = await legacyRow(old, older);
    const alone = await legacyRow(newSecret(), null);
    expect(await r.find(id)).toMatchObject({ secret: old, previousSecret: older });

    expect(await r.resealStale()).toEqual({ keyId: keyId(KEY_A), updated: 2, unreadable: [], more: false });
    const raw = await stored(id);
    expect(raw.secret.startsWith(`rtbox1.${keyId(KEY_A)}.`)).toBe(true);
    expect(raw.previous_secret!.startsWith(`rtbox1.${keyId(KEY_A)}.`)).toBe(true);
    expect(JSON.stringify(raw)).not.toContain(keyPart(old));
    expect(JSON.stringify(raw)).not.toContain(keyPart(older));
    expect((await stored(alone)).secret.startsWith('rtbox1.')).toBe(true);
    expect(await r.find(id)).toMatchObject({ secret: old, previousSecret: older });
    // Nothing is left to do: the next pass writes nothing.
    expect((await r.resealStale()).updated).toBe(0);
    expect((await stored(id)).secret).toBe(raw.secret);
  });

  it('drops a previous secret past its expiry instead of sealing it', async () => {
    const current = newSecret();
    const id = await legacyRow(current, newSecret(), -60);
    const r = repo(KEY_A);
    expect((await r.resealStale()).updated).toBe(1);
    const { rows } = await pool.query(
      'SELECT previous_secret, previous_secret_expires_at FROM webhooks WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ previous_secret: null, previous_secret_expires_at: null });
    expect(await r.find(id)).toMatchObject({ secret: current, previousSecret: null });
  });

  it('opens with the previous key after a rotation, and the sweep frees that key', async () => {
    const before = repo(KEY_A);
    const a = await create(before);
    const b = await create(before);
    await before.rotate(userId, b.id, newSecret(), new Date(Date.now() + 3600_000));
    const bRotated = (await before.find(b.id))!;

    // Without the previous key nothing sealed under it opens.
    expect(
      unreadable(
        await repo(KEY_B)
          .find(a.id)
          .catch((e: unknown) => e),
      ).reason,
    ).toBe('unknown_key');

    const after = repo(KEY_B, KEY_A);
    expect((await after.find(a.id))!.secret).toBe(a.secret);
    // A secret made now is sealed under the new key.
    const c = await create(after);
    expect((await stored(c.id)).secret.startsWith(`rtbox1.${keyId(KEY_B)}.`)).toBe(true);

    expect(await after.resealStale()).toEqual({
      keyId: keyId(KEY_B),
      updated: 2,
      unreadable: [],
      more: false,
    });
    const { rows } = await pool.query('SELECT secret, previous_secret FROM webhooks');
    for (const value of rows.flatMap((row) => [row.secret, row.previous_secret]).filter(Boolean))
      expect(value.startsWith(`rtbox1.${keyId(KEY_B)}.`)).toBe(true);
    // The previous key is retired: everything still opens.
    const retired = repo(KEY_B);
    expect((await retired.find(a.id))!.secret).toBe(a.secret);
    expect(await retired.find(b.id)).toMatchObject({
      secret: bRotated.secret,
      previousSecret: bRotated.previousSecret,
    });
    expect((await retired.find(c.id))!.secret).toBe(c.secret);
  });

  it('reports a row no key opens and goes on with the others, a page at a time', async () => {
    const lost = await create(repo(KEY_C));
    const legacy = await Promise.all([1, 2, 3].map(() => legacyRow(newSecret(), null)));
    const r = repo(KEY_A);
    const first = await r.resealStale(2);
    expect(first.more).toBe(true);
    const second = await r.resealStale(10);
    expect(second.more).toBe(false);
    expect(first.updated + second.updated).toBe(3);
    expect(second.unreadable).toEqual([{ id: lost.id, reason: 'unknown_key' }]);
    for (const id of legacy)
      expect((await stored(id)).secret.startsWith(`rtbox1.${keyId(KEY_A)}.`)).toBe(true);
    // The unreadable row is left exactly as it was, for the key that sealed it to be restored.
    expect((await repo(KEY_A, KEY_C).find(lost.id))!.secret).toBe(lost.secret);
  });
});
