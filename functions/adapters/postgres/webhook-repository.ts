import type pg from 'pg';
import type {
  AttemptOutcome,
  AttemptRecord,
  AttemptView,
  DeliveryRecord,
  NewDelivery,
  NewWebhook,
  WebhookDirectory,
  WebhookEvent,
  WebhookRecord,
  WebhookRepository,
  WebhookSummary,
} from '../../ports/webhooks.ts';
import type { SecretBox } from '../../shared/secret-box.ts';
import { WebhookSecrets, type ResealReport } from './webhook-secrets.ts';

type Row = Record<string, unknown>;

const SUMMARY = 'id, user_id, url, events, description, failing_since, created_at';
const DELIVERY = `id, message_id, webhook_id, user_id, event, subject_id, payload, status, attempts, next_attempt_at,
  created_at`;

const toSummary = (r: Row): WebhookSummary => ({
  id: r.id as string,
  userId: r.user_id as string,
  url: r.url as string,
  events: r.events as WebhookEvent[],
  description: (r.description as string | null) ?? null,
  failingSince: (r.failing_since as Date | null) ?? null,
  createdAt: r.created_at as Date,
});

const toDelivery = (r: Row): DeliveryRecord => ({
  id: r.id as string,
  messageId: r.message_id as string,
  webhookId: r.webhook_id as string,
  userId: r.user_id as string,
  event: r.event as WebhookEvent,
  subjectId: r.subject_id as string,
  payload: r.payload as string,
  status: r.status as DeliveryRecord['status'],
  attempts: r.attempts as number,
  nextAttemptAt: (r.next_attempt_at as Date | null) ?? null,
  createdAt: r.created_at as Date,
});

/** Only this many characters of a receiver's answer are kept (an answer is the receiver's data, not ours). */
export const RESPONSE_PREFIX_CHARS = 256;

/** Endpoints and deliveries without the secrets: it neither selects nor writes those columns. */
export class PostgresWebhookDirectory implements WebhookDirectory {
  constructor(protected readonly pool: pg.Pool) {}

  async countForUser(userId: string): Promise<number> {
    const { rows } = await this.pool.query('SELECT count(*)::int AS n FROM webhooks WHERE user_id = $1', [
      userId,
    ]);
    return rows[0].n as number;
  }

  async listForUser(userId: string): Promise<WebhookSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT ${SUMMARY} FROM webhooks WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toSummary);
  }

  async findForUser(userId: string, id: string): Promise<WebhookSummary | undefined> {
    const { rows } = await this.pool.query(`SELECT ${SUMMARY} FROM webhooks WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ]);
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  async deleteForUser(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhooks WHERE id = $1 AND user_id = $2', [
      id,
      userId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async subscribed(userId: string, event: WebhookEvent, before: Date): Promise<WebhookSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT ${SUMMARY} FROM webhooks WHERE user_id = $1 AND $2 = ANY (events) AND created_at <= $3`,
      [userId, event, before],
    );
    return rows.map(toSummary);
  }

  async enqueue(deliveries: NewDelivery[]): Promise<DeliveryRecord[]> {
    if (!deliveries.length) return [];
    // The owner is checked in the statement too: a delivery is only ever added to one of its user's own endpoints.
    const { rows } = await this.pool.query(
      `INSERT INTO webhook_deliveries (id, message_id, webhook_id, user_id, event, subject_id, payload, next_attempt_at)
       SELECT d.id, d.message_id, d.webhook_id, d.user_id, d.event, d.subject_id, d.payload, now()
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[])
         AS d (id, message_id, webhook_id, user_id, event, subject_id, payload)
       JOIN webhooks w ON w.id = d.webhook_id AND w.user_id = d.user_id
       ON CONFLICT (webhook_id, event, subject_id) DO NOTHING
       RETURNING ${DELIVERY}`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.messageId),
        deliveries.map((d) => d.webhookId),
        deliveries.map((d) => d.userId),
        deliveries.map((d) => d.event),
        deliveries.map((d) => d.subjectId),
        deliveries.map((d) => d.payload),
      ],
    );
    return rows.map(toDelivery);
  }

  async claimDue(limit: number, leaseSeconds: number, id?: string): Promise<DeliveryRecord[]> {
    const { rows } = await this.pool.query(
      `UPDATE webhook_deliveries SET locked_until = now() + make_interval(secs => $2)
       WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
           AND (locked_until IS NULL OR locked_until < now()) AND ($3::uuid IS NULL OR id = $3)
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING ${DELIVERY}`,
      [limit, leaseSeconds, id ?? null],
    );
    return rows.map(toDelivery);
  }

  async recordAttempt(d: DeliveryRecord, a: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    const status =
      outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed';
    const next = outcome.kind === 'retry' ? outcome.at : null;
    // One statement (data-modifying CTEs), so it is atomic without a multi-statement transaction: the embedded
    // PGlite of the local stack multiplexes one session between every connection.
    await this.pool.query(
      `WITH d AS (
         UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = $3,
           locked_until = NULL, updated_at = now()
         WHERE id = $1 RETURNING id, webhook_id, attempts),
       a AS (
         INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, status_code, duration_ms, error,
           response_prefix, next_retry_at)
         SELECT d.id, d.webhook_id, d.attempts, $4, $5, $6, $7, $3 FROM d RETURNING 1),
       w AS (
         UPDATE webhooks SET failing_since = CASE WHEN $2 = 'delivered' THEN NULL ELSE coalesce(failing_since, now()) END
         WHERE id = (SELECT webhook_id FROM d) AND ($2 = 'failed' OR ($2 = 'delivered' AND failing_since IS NOT NULL))
         RETURNING 1)
       SELECT (SELECT count(*) FROM a) AS attempts, (SELECT count(*) FROM w) AS webhooks`,
      [
        d.id,
        status,
        next,
        a.statusCode,
        a.durationMs,
        a.error,
        a.responsePrefix?.slice(0, RESPONSE_PREFIX_CHARS) ?? null,
      ],
    );
  }

  async pruneFinished(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1`,
      [before],
    );
    return rowCount ?? 0;
  }

  async recentAttempts(userId: string, webhookId: string, limit: number): Promise<AttemptView[]> {
    const { rows } = await this.pool.query(
      `SELECT a.delivery_id, d.message_id, d.event, d.subject_id, a.attempt, a.status_code, a.duration_ms, a.error,
              a.attempted_at, d.status AS delivery_status, a.next_retry_at
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE a.webhook_id = $1 AND d.user_id = $2
       ORDER BY a.attempted_at DESC, a.id DESC LIMIT $3`,
      [webhookId, userId, limit],
    );
    return rows.map((r: Row) => ({
      delivery_id: r.delivery_id as string,
      message_id: r.message_id as string,
      event: r.event as WebhookEvent,
      subject_id: r.subject_id as string,
      attempt: r.attempt as number,
      status_code: (r.status_code as number | null) ?? null,
      duration_ms: r.duration_ms as number,
      error: (r.error as string | null) ?? null,
      attempted_at: (r.attempted_at as Date).toISOString(),
      delivery_status: r.delivery_status as DeliveryRecord['status'],
      next_retry_at: r.next_retry_at ? (r.next_retry_at as Date).toISOString() : null,
    }));
  }
}

/**
 * The directory with the endpoints' signing secrets, sealed in the database and plaintext to the caller
 * (webhook-secrets.ts): what creates and rotates them (the API) and signs with them (the sender).
 */
export class PostgresWebhookRepository extends PostgresWebhookDirectory implements WebhookRepository {
  private readonly secrets: WebhookSecrets;

  constructor(pool: pg.Pool, box: SecretBox) {
    super(pool);
    this.secrets = new WebhookSecrets(box);
  }

  async create(w: NewWebhook): Promise<WebhookSummary> {
    const { rows } = await this.pool.query(
      `INSERT INTO webhooks (id, user_id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${SUMMARY}`,
      [w.id, w.userId, w.url, w.events, w.description, this.secrets.seal(w.id, w.secret)],
    );
    return toSummary(rows[0]);
  }

  async find(id: string): Promise<WebhookRecord | undefined> {
    const { rows } = await this.pool.query(
      `SELECT ${SUMMARY}, secret, previous_secret, previous_secret_expires_at FROM webhooks WHERE id = $1`,
      [id],
    );
    const r = rows[0] as Row | undefined;
    if (!r) return undefined;
    const previous = (r.previous_secret as string | null) ?? null;
    return {
      ...toSummary(r),
      secret: this.secrets.open(id, r.secret as string),
      previousSecret: previous === null ? null : this.secrets.open(id, previous),
      previousSecretExpiresAt: (r.previous_secret_expires_at as Date | null) ?? null,
    };
  }

  /** The stored secret, as it is, becomes the previous one: nothing is opened, so a rotation never fails on it. */
  async rotate(userId: string, id: string, secret: string, previousUntil: Date) {
    const { rows } = await this.pool.query(
      `UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3
       WHERE id = $1 AND user_id = $2 RETURNING ${SUMMARY}`,
      [id, userId, this.secrets.seal(id, secret), previousUntil],
    );
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  /** Seals what is not sealed under the current key yet; the sender runs it (webhook-secrets.ts). */
  resealStale(limit?: number): Promise<ResealReport> {
    return this.secrets.resealStale(this.pool, limit);
  }
}
