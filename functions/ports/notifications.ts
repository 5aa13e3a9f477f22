/**
 * Notifications: what happened to a user's job or stream, sent by the worker and the stream service, and what
 * carries it on. The sender (functions/notifications) turns each into events-socket pushes and webhook deliveries.
 */
import type { JobStatus } from './jobs.ts';

/**
 * One message on the notifications queue. It names the job and its owner only: the sender reads the job itself, so
 * a message can never carry a view that is stale or somebody else's. `due` wakes the sender for a retry.
 */
export type Notification =
  | { kind: 'job'; job_id: string; user_id: string; status: JobStatus }
  | { kind: 'stream'; job_id: string; user_id: string }
  | { kind: 'due'; delivery_id: string };

/** Sends notifications (SQS in AWS and locally). */
export interface Notifier {
  send(notification: Notification, delaySeconds?: number): Promise<void>;
}

/** Pushes a message to every events socket a user has open (in-process locally; @connections in AWS). */
export interface ConnectionPusher {
  push(userId: string, message: string): Promise<void>;
}

/** Drops notifications: processes configured without a notifications queue (unit tests, tools). */
export const NO_NOTIFIER: Notifier = { send: async () => undefined };
