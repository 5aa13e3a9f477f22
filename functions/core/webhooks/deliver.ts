/**
 * One delivery attempt: check the endpoint's URL again (its host may resolve elsewhere now), sign the stored body
 * with every valid secret, POST it, and record what happened. A 2xx answer delivers; anything else (another status,
 * a redirect, a timeout, a refused address) schedules the next try, up to 24 h. The `webhook-id` is the delivery's,
 * the same on every try; the timestamp is the attempt's.
 */
import { getLogger } from '../../shared/logger.ts';
import { isRealToneError } from '../../shared/errors.ts';
import type { Notifier } from '../../ports/notifications.ts';
import type {
  AttemptOutcome,
  AttemptRecord,
  DeliveryRecord,
  WebhookRepository,
  WebhookTransport,
} from '../../ports/webhooks.ts';
import { nextAttemptAt } from './schedule.ts';
import { signedHeaders } from './signing.ts';
import { resolveAllowed, type Resolve, type UrlPolicy } from './url-guard.ts';

const log = getLogger('webhooks');

export interface DeliveryDeps {
  webhooks: WebhookRepository;
  transport: WebhookTransport;
  resolve: Resolve;
  policy: UrlPolicy;
  timeoutMs: number;
  /** Wakes a sender when a retry is due (a delayed queue message); a periodic sweep is the safety net. */
  notifier: Notifier;
  now?: () => Date;
}

/** A claimed delivery is the claimer's for this long; a sender that dies mid-attempt frees it after. */
export const CLAIM_SECONDS = 60;
/** SQS delays a message by at most 15 min; later retries are found by the sweep. */
const MAX_NUDGE_SECONDS = 900;

export async function attemptDelivery(deps: DeliveryDeps, delivery: DeliveryRecord): Promise<AttemptOutcome> {
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const webhook = await deps.webhooks.find(delivery.webhookId);
  // Deleted since (its deliveries went with it), or not the owner's: nothing may be sent.
  if (!webhook || webhook.userId !== delivery.userId) return { kind: 'give_up' };
  const attempt: AttemptRecord = { statusCode: null, durationMs: 0, error: null, responsePrefix: null };
  try {
    const addresses = await resolveAllowed(webhook.url, deps.policy, deps.resolve);
    const at = now();
    const secrets = [webhook.secret];
    if (webhook.previousSecret && webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt > at)
      secrets.push(webhook.previousSecret);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'RealTone-Webhooks/1',
      ...signedHeaders(secrets, delivery.messageId, Math.floor(at.getTime() / 1000), delivery.payload),
    };
    const answer = await deps.transport.post({
      url: new URL(webhook.url),
      addresses,
      headers,
      body: delivery.payload,
      timeoutMs: deps.timeoutMs,
    });
    attempt.statusCode = answer.statusCode;
    attempt.responsePrefix = answer.responsePrefix;
    if (answer.statusCode >= 300 && answer.statusCode < 400) attempt.error = 'redirect_not_followed';
  } catch (error) {
    attempt.error = isRealToneError(error)
      ? error.code
      : ((error as { code?: string }).code ?? 'request_failed');
  }
  attempt.durationMs = Math.round(performance.now() - started);
  const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
  let outcome: AttemptOutcome;
  if (ok) outcome = { kind: 'delivered' };
  else {
    const next = nextAttemptAt(delivery.attempts + 1, delivery.createdAt, now());
    outcome = next ? { kind: 'retry', at: next } : { kind: 'give_up' };
  }
  await deps.webhooks.recordAttempt(delivery, attempt, outcome);
  log.info('webhook attempt', {
    deliveryId: delivery.id,
    webhookId: delivery.webhookId,
    attempt: delivery.attempts + 1,
    status: attempt.statusCode,
    error: attempt.error,
    outcome: outcome.kind,
  });
  if (outcome.kind === 'retry') {
    const delay = Math.ceil((outcome.at.getTime() - now().getTime()) / 1000);
    if (delay <= MAX_NUDGE_SECONDS)
      await deps.notifier
        .send({ kind: 'due', delivery_id: delivery.id }, Math.max(0, delay))
        .catch((error) => log.warn('retry nudge not sent', { error: (error as Error).message }));
  }
  return outcome;
}

/** Attempts every delivery that is due (up to `limit`), a few at a time; returns how many were attempted. */
export async function deliverDue(deps: DeliveryDeps, limit = 20, id?: string): Promise<number> {
  const due = await deps.webhooks.claimDue(limit, CLAIM_SECONDS, id);
  await Promise.all(
    due.map((d) =>
      // Not a receiver's failure (the endpoint could not be read, or the attempt not recorded): the delivery is
      // claimed again once its claim runs out.
      attemptDelivery(deps, d).catch((error) =>
        log.error('webhook attempt not made or not recorded', {
          deliveryId: d.id,
          code: isRealToneError(error) ? error.code : undefined,
          error: (error as Error).message,
        }),
      ),
    ),
  );
  return due.length;
}

/** How long the delivery log keeps a finished delivery and its attempts. */
export const DELIVERY_RETENTION_DAYS = 30;

/** Removes finished deliveries older than the retention (run hourly by the sender). */
export async function pruneDeliveries(deps: Pick<DeliveryDeps, 'webhooks' | 'now'>): Promise<number> {
  const now = deps.now?.() ?? new Date();
  return deps.webhooks.pruneFinished(new Date(now.getTime() - DELIVERY_RETENTION_DAYS * 86400_000));
}
