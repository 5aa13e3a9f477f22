/**
 * Webhook signing secrets at rest (docs/webhooks.md, "How secrets are stored"). The sender reads them back to sign,
 * so they cannot be hashed: `secret` and `previous_secret` hold them sealed with the secret box
 * (shared/secret-box.ts) under WEBHOOK_SECRET_KEY, bound to the webhook's id. Rows written before sealing hold the
 * plaintext `whsec_…`, which no sealed value starts with; they still read. The sender's sweep (resealStale) seals
 * those, and values sealed under the previous key, under the current one: after a deployment or a key rotation the
 * table ends up with no plaintext and nothing the previous key is still needed for.
 */
import type pg from 'pg';
import type { WebhookSecretsConfig } from '../../shared/config.ts';
import {
  SEALED_VERSION,
  SecretBox,
  SecretUnreadableError,
  type UnreadableReason,
} from '../../shared/secret-box.ts';

/** HKDF label: the key derived from WEBHOOK_SECRET_KEY serves this purpose only. */
export const WEBHOOK_SECRET_LABEL = 'realtone webhook signing secrets v1';
/** What a secret stored before sealing starts with (core/webhooks/signing.ts makes them). */
const PLAINTEXT_PREFIX = 'whsec_';
/** Rows read per statement of the sweep. */
const PAGE = 100;

export function webhookSecretBox(c: WebhookSecretsConfig): SecretBox {
  return new SecretBox({
    current: c.WEBHOOK_SECRET_KEY,
    previous: c.WEBHOOK_SECRET_KEY_PREVIOUS,
    label: WEBHOOK_SECRET_LABEL,
  });
}

export interface ResealReport {
  /** Id of the key everything is sealed under now. */
  keyId: string;
  /** Rows written: a secret sealed again, or an expired previous secret dropped. */
  updated: number;
  /** Rows left as they were because a value opens with neither key. */
  unreadable: { id: string; reason: UnreadableReason }[];
  /** The pass stopped at its limit; the next one goes on. */
  more: boolean;
}

type Row = { id: string; secret: string; previous_secret: string | null; previous_expired: boolean };

export class WebhookSecrets {
  constructor(private readonly box: SecretBox) {}

  seal(webhookId: string, plaintext: string): string {
    return this.box.seal(plaintext, webhookId);
  }

  /** The plaintext of a stored secret: sealed under either key, or from before sealing. */
  open(webhookId: string, stored: string): string {
    return stored.startsWith(PLAINTEXT_PREFIX) ? stored : this.box.open(stored, webhookId);
  }

  private current(webhookId: string, stored: string): string {
    return this.box.isCurrent(stored) ? stored : this.seal(webhookId, this.open(webhookId, stored));
  }

  /**
   * Seals, under the current key, every stored secret that is not: plaintext from before sealing, or sealed under
   * the previous key. A previous secret past its expiry signs nothing any more and is dropped instead. Walks the
   * table in id order, at most `limit` rows due. A row is written only if it still holds what was read, so a
   * rotation meanwhile wins and the next pass sees the result; each write is one statement, as the embedded PGlite
   * of the local stack needs.
   */
  async resealStale(pool: pg.Pool, limit = 1000): Promise<ResealReport> {
    const sealedNow = `${SEALED_VERSION}.${this.box.keyId}.%`;
    const report: ResealReport = { keyId: this.box.keyId, updated: 0, unreadable: [], more: false };
    let after: string | null = null;
    for (let seen = 0; seen < limit;) {
      const page = Math.min(PAGE, limit - seen);
      const { rows }: { rows: Row[] } = await pool.query(
        `SELECT id, secret, previous_secret,
           coalesce(previous_secret_expires_at <= now(), true) AS previous_expired
         FROM webhooks
         WHERE ($2::uuid IS NULL OR id > $2)
           AND (secret NOT LIKE $1 OR (previous_secret IS NOT NULL
             AND (previous_secret NOT LIKE $1 OR coalesce(previous_secret_expires_at <= now(), true))))
         ORDER BY id LIMIT $3`,
        [sealedNow, after, page],
      );
      for (const row of rows) {
        try {
          const secret = this.current(row.id, row.secret);
          const previous =
            row.previous_secret === null || row.previous_expired
              ? null
              : this.current(row.id, row.previous_secret);
          const { rowCount } = await pool.query(
            `UPDATE webhooks SET secret = $3, previous_secret = $4::text,
               previous_secret_expires_at = CASE WHEN $4::text IS NULL THEN NULL ELSE previous_secret_expires_at END
             WHERE id = $1 AND secret = $2 AND previous_secret IS NOT DISTINCT FROM $5::text`,
            [row.id, row.secret, secret, previous, row.previous_secret],
          );
          report.updated += rowCount ?? 0;
        } catch (error) {
          if (!(error instanceof SecretUnreadableError)) throw error;
          report.unreadable.push({ id: row.id, reason: error.reason });
        }
      }
      seen += rows.length;
      if (rows.length < page) return report;
      after = rows.at(-1)!.id;
    }
    report.more = true;
    return report;
  }
}
