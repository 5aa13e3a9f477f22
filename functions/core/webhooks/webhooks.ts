/**
 * Managing a user's webhook endpoints (POST/GET/DELETE /v1/webhooks, rotate-secret, deliveries). Every read and
 * write is scoped to the caller: another user's endpoint is indistinguishable from a missing one.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import {
  WEBHOOK_EVENTS,
  type AttemptView,
  type WebhookDirectory,
  type WebhookRepository,
  type WebhookSummary,
} from '../../ports/webhooks.ts';
import { UUID } from '../jobs/get-job.ts';
import { WebhookLimitError } from './errors.ts';
import { newSecret } from './signing.ts';
import { resolveAllowed, type Resolve, type UrlPolicy } from './url-guard.ts';

export interface WebhookDeps {
  webhooks: WebhookRepository;
  policy: UrlPolicy;
  resolve: Resolve;
  maxPerUser: number;
}

/** How long the secret before a rotation keeps signing. */
export const ROTATION_OVERLAP_SECONDS = 24 * 3600;

const CreateBody = z
  .object({
    url: z.string().min(1).max(2048),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .refine((e) => new Set(e).size === e.length, 'events must not repeat'),
    description: z.string().max(500).optional(),
  })
  .strict();

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  created_at: string;
  /** A delivery to it was given up on after 24 h of retries, and none has succeeded since. */
  failing: boolean;
}

export function toWebhookView(w: WebhookSummary): WebhookView {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    created_at: w.createdAt.toISOString(),
    failing: w.failingSince !== null,
  };
}

export async function createWebhook(
  deps: WebhookDeps,
  userId: string,
  body: unknown,
): Promise<WebhookView & { secret: string }> {
  const parsed = CreateBody.safeParse(body);
  if (!parsed.success)
    throw new ValidationError('invalid webhook', {
      details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  await resolveAllowed(parsed.data.url, deps.policy, deps.resolve);
  if ((await deps.webhooks.countForUser(userId)) >= deps.maxPerUser)
    throw new WebhookLimitError(`at most ${deps.maxPerUser} webhooks per user`);
  const secret = newSecret();
  const created = await deps.webhooks.create({
    id: randomUUID(),
    userId,
    url: parsed.data.url,
    events: parsed.data.events,
    description: parsed.data.description ?? null,
    secret,
  });
  return { ...toWebhookView(created), secret };
}

export async function listWebhooks(
  deps: { webhooks: Pick<WebhookDirectory, 'listForUser'> },
  userId: string,
): Promise<WebhookView[]> {
  return (await deps.webhooks.listForUser(userId)).map(toWebhookView);
}

const notFound = () => new NotFoundError('webhook not found');

export async function deleteWebhook(
  deps: { webhooks: Pick<WebhookDirectory, 'deleteForUser'> },
  userId: string,
  id: string,
) {
  if (!UUID.test(id) || !(await deps.webhooks.deleteForUser(userId, id))) throw notFound();
}

export async function rotateWebhookSecret(
  deps: { webhooks: Pick<WebhookRepository, 'rotate'> },
  userId: string,
  id: string,
  now = new Date(),
): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
  if (!UUID.test(id)) throw notFound();
  const until = new Date(now.getTime() + ROTATION_OVERLAP_SECONDS * 1000);
  const secret = newSecret();
  if (!(await deps.webhooks.rotate(userId, id, secret, until))) throw notFound();
  return { id, secret, previous_secret_expires_at: until.toISOString() };
}

export async function listDeliveries(
  deps: { webhooks: Pick<WebhookDirectory, 'findForUser' | 'recentAttempts'> },
  userId: string,
  id: string,
  limitRaw: string | undefined,
): Promise<{ items: AttemptView[] }> {
  if (!UUID.test(id) || !(await deps.webhooks.findForUser(userId, id))) throw notFound();
  const limit = limitRaw === undefined ? 50 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new ValidationError('limit must be an integer from 1 to 200', { code: 'invalid_query' });
  return { items: await deps.webhooks.recentAttempts(userId, id, limit) };
}
