/**
 * Webhook endpoints and their deliveries (docs/webhooks.md). Postgres is the system of record: a delivery that is
 * due, or waiting for its next retry, is a row, so a restart loses none.
 */
export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'stream.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** An endpoint as it is listed, managed and subscribed: everything but its signing secrets. */
export interface WebhookSummary {
  id: string;
  userId: string;
  url: string;
  events: WebhookEvent[];
  description: string | null;
  /** Set when a delivery was given up on (24 h of retries); cleared by the next success. */
  failingSince: Date | null;
  createdAt: Date;
}

/** An endpoint with its signing secrets, in plaintext: how they are kept at rest is the adapter's business. */
export interface WebhookRecord extends WebhookSummary {
  /** `whsec_<base64>`; never shown again after creation or rotation. */
  secret: string;
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface NewWebhook {
  id: string;
  userId: string;
  url: string;
  events: WebhookEvent[];
  description: string | null;
  secret: string;
}

/** One message to one endpoint, retried until delivered or given up; `messageId` is its `webhook-id`. */
export interface DeliveryRecord {
  id: string;
  messageId: string;
  webhookId: string;
  userId: string;
  event: WebhookEvent;
  /** The job (or stream) the message is about. */
  subjectId: string;
  /** The exact body sent on every attempt. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export type NewDelivery = Pick<
  DeliveryRecord,
  'id' | 'messageId' | 'webhookId' | 'userId' | 'event' | 'subjectId' | 'payload'
>;

/** What one attempt saw; the outcome decides the delivery's next state. */
export interface AttemptRecord {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first bytes of the answer's body, at most RESPONSE_PREFIX_BYTES. */
  responsePrefix: string | null;
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: Date }
  /** Retried for 24 h: the delivery is failed and its endpoint marked failing. */
  | { kind: 'give_up' };

/** One attempt as GET /v1/webhooks/{id}/deliveries lists it. */
export interface AttemptView {
  delivery_id: string;
  message_id: string;
  event: WebhookEvent;
  subject_id: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  attempted_at: string;
  delivery_status: DeliveryRecord['status'];
  next_retry_at: string | null;
}

/**
 * Endpoints and their deliveries without the signing secrets: what listing, deleting, subscribing and the delivery
 * log need, so that the processes doing only that never hold the means to read a secret.
 */
export interface WebhookDirectory {
  countForUser(userId: string): Promise<number>;
  listForUser(userId: string): Promise<WebhookSummary[]>;
  findForUser(userId: string, id: string): Promise<WebhookSummary | undefined>;
  deleteForUser(userId: string, id: string): Promise<boolean>;
  /** The user's endpoints subscribed to `event` that existed when the subject finished. */
  subscribed(userId: string, event: WebhookEvent, before: Date): Promise<WebhookSummary[]>;
  /** Adds deliveries due now; one per (endpoint, event, subject): a replayed event adds nothing. */
  enqueue(deliveries: NewDelivery[]): Promise<DeliveryRecord[]>;
  /**
   * Takes up to `limit` deliveries that are due (or one by id), each for `leaseSeconds`, so that two senders never
   * attempt the same delivery at once.
   */
  claimDue(limit: number, leaseSeconds: number, id?: string): Promise<DeliveryRecord[]>;
  /** Records an attempt and the delivery's next state; marks or clears the endpoint's failing mark. */
  recordAttempt(delivery: DeliveryRecord, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void>;
  /** Deletes finished deliveries (and their attempts) last changed before `before`; returns how many. */
  pruneFinished(before: Date): Promise<number>;
  /** The endpoint's most recent attempts, newest first (owner only). */
  recentAttempts(userId: string, webhookId: string, limit: number): Promise<AttemptView[]>;
}

/** The directory, and the endpoints' signing secrets: creating, rotating and signing with them. */
export interface WebhookRepository extends WebhookDirectory {
  create(webhook: NewWebhook): Promise<WebhookSummary>;
  /** The endpoint with its secrets, to sign with. */
  find(id: string): Promise<WebhookRecord | undefined>;
  /** New secret now; the current one keeps signing until `previousUntil`. Undefined: no such endpoint of the user. */
  rotate(
    userId: string,
    id: string,
    secret: string,
    previousUntil: Date,
  ): Promise<WebhookSummary | undefined>;
}

/** One outbound POST to a checked URL, connecting only to `addresses`; never follows a redirect. */
export interface WebhookTransport {
  post(request: {
    url: URL;
    addresses: string[];
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<{ statusCode: number; responsePrefix: string }>;
}
