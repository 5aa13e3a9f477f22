/**
 * Webhook delivery with the real parts: the Postgres repository (a schema of its own), the node HTTP transport and
 * receivers on 127.0.0.1. AWS mode (`public`) refuses loopback and private targets on every attempt, whatever the
 * URL was when it was stored; no mode follows a redirect; a slow receiver times out; 24 h of failures give up and
 * mark the endpoint failing; a delivery can only be added to its user's own endpoint.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../functions/adapters/postgres/migrations.ts';
import { PostgresUserRepository } from '../../functions/adapters/postgres/user-repository.ts';
import { PostgresWebhookRepository } from '../../functions/adapters/postgres/webhook-repository.ts';
import { webhookSecretBox } from '../../functions/adapters/postgres/webhook-secrets.ts';
import { HttpWebhookTransport } from '../../functions/adapters/webhook-transport.ts';
import { deliverDue, type DeliveryDeps } from '../../functions/core/webhooks/deliver.ts';
import { newMessageId, newSecret } from '../../functions/core/webhooks/signing.ts';
import type { UrlPolicy } from '../../functions/core/webhooks/url-guard.ts';
import type { Notification } from '../../functions/ports/notifications.ts';
import type { WebhookTransport } from '../../functions/ports/webhooks.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createTestSchema, type TestSchema } from '../support/test-schema.ts';

let pool: pg.Pool;
let schema: TestSchema;
let repo: PostgresWebhookRepository;
let users: PostgresUserRepository;
const receivers: WebhookReceiver[] = [];
const nudges: [Notification, number | undefined][] = [];

beforeAll(async () => {
  schema = await createTestSchema(inject('databaseUrl'), 'wh', 4);
  pool = schema.pool;
  await migrate(pool);
  repo = new PostgresWebhookRepository(pool, webhookSecretBox({ WEBHOOK_SECRET_KEY: 'k'.repeat(48) }));
  users = new PostgresUserRepository(pool);
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  await schema.drop();
});

function deps(policy: UrlPolicy, extra: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return {
    webhooks: repo,
    transport: new HttpWebhookTransport(),
    resolve: async () => [],
    policy,
    timeoutMs: 2000,
    notifier: { send: async (n, delay) => void nudges.push([n, delay]) },
    ...extra,
  };
}

async function endpoint(url: string) {
  const user = await users.create({
    id: randomUUID(),
    email: `${randomUUID()}@example.com`,
    passwordHash: 'x',
  });
  const webhook = await repo.create({
    id: randomUUID(),
    userId: user.id,
    url,
    events: ['job.completed'],
    description: null,
    secret: newSecret(),
  });
  const [delivery] = await repo.enqueue([
    {
      id: randomUUID(),
      messageId: newMessageId(),
      webhookId: webhook.id,
      userId: user.id,
      event: 'job.completed',
      subjectId: randomUUID(),
      payload: '{"type":"job.completed"}',
    },
  ]);
  return { user, webhook, delivery: delivery! };
}

async function receiver(script: number[] = [], location?: string) {
  const r = await new WebhookReceiver(script, location).start();
  receivers.push(r);
  return r;
}

const attempts = async (userId: string, webhookId: string) => repo.recentAttempts(userId, webhookId, 10);

describe('webhook delivery', () => {
  it('refuses loopback and private targets on every attempt in AWS mode', async () => {
    const r = await receiver();
    const { user, webhook, delivery } = await endpoint(r.url);
    expect(await deliverDue(deps('public'), 1, delivery.id)).toBe(1);
    const [a] = await attempts(user.id, webhook.id);
    expect(a).toMatchObject({ attempt: 1, status_code: null, error: 'webhook_url_forbidden' });
    expect(a!.delivery_status).toBe('pending');
    expect(r.received).toHaveLength(0);
    // A public name that now resolves to the metadata service or a private address: refused, nothing sent.
    for (const address of ['169.254.169.254', '10.0.0.8', '192.168.0.1']) {
      const hop = await endpoint('https://hooks.example.com/x');
      await deliverDue(deps('public', { resolve: async () => [address] }), 1, hop.delivery.id);
      expect((await attempts(hop.user.id, hop.webhook.id))[0]!.error).toBe('webhook_url_forbidden');
    }
    // The first retry is woken within 10 s.
    const nudge = nudges.find(([n]) => n.kind === 'due' && n.delivery_id === delivery.id);
    expect(nudge![1]).toBeGreaterThanOrEqual(3);
    expect(nudge![1]).toBeLessThanOrEqual(10);
  });

  it('never follows a redirect', async () => {
    const target = await receiver();
    const redirecting = await receiver([302], target.url);
    const { user, webhook, delivery } = await endpoint(redirecting.url);
    await deliverDue(deps('loopback'), 1, delivery.id);
    expect(redirecting.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
    const [a] = await attempts(user.id, webhook.id);
    expect(a).toMatchObject({ status_code: 302, error: 'redirect_not_followed', delivery_status: 'pending' });
    // In AWS mode too: a 3xx from a public https endpoint is a failed attempt, not a hop.
    const redirect: WebhookTransport = { post: async () => ({ statusCode: 301, responsePrefix: '' }) };
    const hop = await endpoint('https://hooks.example.com/x');
    await deliverDue(
      deps('public', { resolve: async () => ['93.184.216.34'], transport: redirect }),
      1,
      hop.delivery.id,
    );
    expect((await attempts(hop.user.id, hop.webhook.id))[0]).toMatchObject({
      status_code: 301,
      error: 'redirect_not_followed',
      delivery_status: 'pending',
    });
  });

  it('times out a receiver that does not answer, and keeps only a short prefix of an answer', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { user, webhook, delivery } = await endpoint(
      `http://127.0.0.1:${(silent.address() as { port: number }).port}/`,
    );
    const started = Date.now();
    await deliverDue(deps('loopback', { timeoutMs: 300 }), 1, delivery.id);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await attempts(user.id, webhook.id))[0]).toMatchObject({ status_code: null, error: 'timeout' });
    silent.closeAllConnections();
    silent.close();

    const big = http.createServer((_req, res) => {
      res.writeHead(500);
      res.end('x'.repeat(100_000));
    });
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    const chatty = await endpoint(`http://127.0.0.1:${(big.address() as { port: number }).port}/`);
    await deliverDue(deps('loopback'), 1, chatty.delivery.id);
    const { rows } = await pool.query(
      'SELECT length(response_prefix) AS n FROM webhook_attempts WHERE delivery_id = $1',
      [chatty.delivery.id],
    );
    expect(rows[0].n).toBeLessThanOrEqual(256);
    expect(rows[0].n).toBeGreaterThan(0);
    big.close();
  });

  it('gives up after 24 h and marks the endpoint failing; a success clears the mark', async () => {
    const r = await receiver([500]);
    const { user, webhook, delivery } = await endpoint(r.url);
    const later = new Date(Date.now() + 25 * 3600_000);
    await deliverDue(deps('loopback', { now: () => later }), 1, delivery.id);
    expect((await attempts(user.id, webhook.id))[0]).toMatchObject({
      delivery_status: 'failed',
      next_retry_at: null,
    });
    expect((await repo.find(webhook.id))!.failingSince).not.toBeNull();
    const [next] = await repo.enqueue([
      { ...delivery, id: randomUUID(), messageId: newMessageId(), subjectId: randomUUID() },
    ]);
    await deliverDue(deps('loopback'), 1, next!.id);
    expect((await repo.find(webhook.id))!.failingSince).toBeNull();
  });

  it('prunes finished deliveries after the retention, never pending ones', async () => {
    const r = await receiver([500]);
    const pending = await endpoint(r.url);
    const delivered = await endpoint(r.url);
    await deliverDue(deps('loopback'), 1, pending.delivery.id); // 500: pending
    await deliverDue(deps('loopback'), 1, delivered.delivery.id); // 204: delivered
    await pool.query(`UPDATE webhook_deliveries SET updated_at = now() - interval '31 days'`);
    const { pruneDeliveries } = await import('../../functions/core/webhooks/deliver.ts');
    expect(await pruneDeliveries({ webhooks: repo })).toBeGreaterThanOrEqual(1);
    const left = await pool.query('SELECT id FROM webhook_deliveries WHERE id = ANY ($1)', [
      [pending.delivery.id, delivered.delivery.id],
    ]);
    expect(left.rows.map((row) => row.id)).toEqual([pending.delivery.id]);
    expect(await attempts(delivered.user.id, delivered.webhook.id)).toEqual([]);
  });

  it('sends nothing while the secret cannot be opened, and delivers once the key is back', async () => {
    const r = await receiver();
    const { user, webhook, delivery } = await endpoint(r.url);
    r.secrets = [(await repo.find(webhook.id))!.secret];
    // A sender holding another key (the one that sealed the secret is missing from its configuration).
    const wrongKey = new PostgresWebhookRepository(
      pool,
      webhookSecretBox({ WEBHOOK_SECRET_KEY: 'w'.repeat(48) }),
    );
    expect(await deliverDue(deps('loopback', { webhooks: wrongKey }), 1, delivery.id)).toBe(1);
    expect(r.received).toHaveLength(0);
    expect(await attempts(user.id, webhook.id)).toEqual([]);
    const { rows } = await pool.query('SELECT status, attempts FROM webhook_deliveries WHERE id = $1', [
      delivery.id,
    ]);
    expect(rows).toEqual([{ status: 'pending', attempts: 0 }]);
    // Its claim runs out and a sender with the right key attempts it: nothing was lost.
    await pool.query('UPDATE webhook_deliveries SET locked_until = NULL WHERE id = $1', [delivery.id]);
    await deliverDue(deps('loopback'), 1, delivery.id);
    const [got] = await r.waitFor(1);
    expect(got!.verified).toBe(true);
    expect((await attempts(user.id, webhook.id))[0]).toMatchObject({
      attempt: 1,
      delivery_status: 'delivered',
    });
  });

  it('adds a delivery only to the endpoint of its own user', async () => {
    const r = await receiver();
    const mine = await endpoint(r.url);
    const other = await endpoint(r.url);
    const added = await repo.enqueue([
      {
        id: randomUUID(),
        messageId: newMessageId(),
        webhookId: mine.webhook.id,
        userId: other.user.id,
        event: 'job.completed',
        subjectId: randomUUID(),
        payload: '{}',
      },
    ]);
    expect(added).toEqual([]);
    // A replayed event adds nothing either: one delivery per endpoint, event and job.
    expect(await repo.enqueue([{ ...mine.delivery, id: randomUUID(), messageId: newMessageId() }])).toEqual(
      [],
    );
  });
});
