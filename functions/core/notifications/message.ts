import * as z from 'zod';
import { JOB_STATUSES } from '../../ports/jobs.ts';
import type { Notification } from '../../ports/notifications.ts';

const uuid = z.string().uuid();
const Schema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('job'), job_id: uuid, user_id: uuid, status: z.enum(JOB_STATUSES) }),
  z.object({ kind: z.literal('stream'), job_id: uuid, user_id: uuid }),
  z.object({ kind: z.literal('due'), delivery_id: uuid }),
]);

/** A notifications-queue message body, validated; undefined for anything else (it is dropped and logged). */
export function parseNotification(body: string): Notification | undefined {
  try {
    const parsed = Schema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
