/**
 * The sender's one step per notification: read the job it names (as its owner's GET /v1/jobs/{id} shows it), push
 * it to the owner's events sockets, and when it has finished, add one webhook delivery per subscribed endpoint of
 * that same owner and attempt each at once. Every push and delivery goes to the job's owner only: the message names
 * a user, and the job read must belong to that user.
 */
import { randomUUID } from 'node:crypto';
import { getLogger } from '../../shared/logger.ts';
import type { JobRecord, JobRepository } from '../../ports/jobs.ts';
import type { ConnectionPusher, Notification } from '../../ports/notifications.ts';
import type { WebhookEvent } from '../../ports/webhooks.ts';
import type { ManifestLinks } from '../jobs/manifest-links.ts';
import { toCached } from '../jobs/view.ts';
import { deliverDue, type DeliveryDeps } from '../webhooks/deliver.ts';
import { newMessageId } from '../webhooks/signing.ts';

const log = getLogger('notifications');

export interface DispatchDeps extends DeliveryDeps {
  jobs: Pick<JobRepository, 'find'>;
  manifestLinks: Pick<ManifestLinks, 'fill'>;
  connections: ConnectionPusher;
}

/** The webhook event a job's state is, if any: only finished jobs and streams have one. */
export function eventOf(job: JobRecord): WebhookEvent | undefined {
  if (job.kind === 'stream')
    return job.status === 'completed' || job.status === 'failed' ? 'stream.completed' : undefined;
  if (job.status === 'completed') return 'job.completed';
  if (job.status === 'failed') return 'job.failed';
  return undefined;
}

/** The job exactly as its owner's GET /v1/jobs/{id} answers it. */
export async function jobBody(deps: Pick<DispatchDeps, 'manifestLinks'>, job: JobRecord): Promise<string> {
  const cached = toCached(job);
  return cached.manifest ? deps.manifestLinks.fill(job.userId, job.id, cached.view) : cached.view;
}

export async function dispatch(deps: DispatchDeps, n: Notification): Promise<void> {
  if (n.kind === 'due') {
    await deliverDue(deps, 1, n.delivery_id);
    return;
  }
  const job = await deps.jobs.find(n.job_id);
  if (!job || job.userId !== n.user_id) return;
  const body = await jobBody(deps, job);
  const type = job.kind === 'stream' ? 'stream' : 'job';
  await deps.connections
    .push(job.userId, `{"type":"${type}","job":${body}}`)
    .catch((error) => log.warn('events push failed', { jobId: job.id, error: (error as Error).message }));
  const event = eventOf(job);
  if (!event) return;
  await enqueueDeliveries(deps, job, event, body);
}

async function enqueueDeliveries(deps: DispatchDeps, job: JobRecord, event: WebhookEvent, body: string) {
  const at = job.finishedAt ?? job.updatedAt;
  const endpoints = await deps.webhooks.subscribed(job.userId, event, at);
  if (!endpoints.length) return;
  const payload = `{"type":"${event}","timestamp":"${at.toISOString()}","data":{"job":${body}}}`;
  const added = await deps.webhooks.enqueue(
    endpoints.map((w) => ({
      id: randomUUID(),
      messageId: newMessageId(),
      webhookId: w.id,
      userId: job.userId,
      event,
      subjectId: job.id,
      payload,
    })),
  );
  await Promise.all(added.map((d) => deliverDue(deps, 1, d.id)));
}
