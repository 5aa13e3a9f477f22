import type { Migration } from './migrations.ts';

/** The schema, one migration per change. docs/data-model.md explains tables and indexes. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users_audio_files_detection_jobs',
    sql: `
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE audio_files (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  object_key text NOT NULL UNIQUE,
  filename text NOT NULL,
  content_type text NOT NULL,
  declared_bytes bigint NOT NULL CHECK (declared_bytes > 0),
  stored_bytes bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE detection_jobs (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  audio_file_id uuid NOT NULL UNIQUE REFERENCES audio_files (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('awaiting_upload', 'queued', 'processing', 'completed', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  lease_expires_at timestamptz,
  chunks_done integer NOT NULL DEFAULT 0,
  chunks_total integer,
  result jsonb,
  error_code text,
  error_message text,
  model_name text,
  model_version text,
  timings jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  CHECK ((status = 'failed') = (error_code IS NOT NULL))
);
-- History: a user's jobs newest first (keyset pagination on created_at, id).
CREATE INDEX detection_jobs_user_history ON detection_jobs (user_id, created_at DESC, id DESC);
-- Operations: jobs in flight, e.g. to find expired leases.
CREATE INDEX detection_jobs_in_flight ON detection_jobs (status, lease_expires_at) WHERE status IN ('queued', 'processing');
`,
  },
  {
    version: 2,
    name: 'job_kind_for_streams',
    // A finished live stream is recorded as a job of kind 'stream' (history, GET /v1/jobs). Its audio_files row
    // names where the audio would be kept (streams/<user>/<id>.wav), which is off by default (docs/streaming.md).
    sql: `
ALTER TABLE detection_jobs ADD COLUMN kind text NOT NULL DEFAULT 'file' CHECK (kind IN ('file', 'stream'));
`,
  },
  {
    version: 3,
    name: 'refresh_tokens',
    sql: `
-- Refresh tokens of browser sessions (docs/web.md): only a SHA-256 of each token is stored. One login starts a
-- family; every refresh marks the presented token used and adds its successor to the family. Presenting a used or
-- revoked token revokes the whole family (it was stolen, or replayed).
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  family_expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id, family_expires_at);
`,
  },
  {
    version: 4,
    name: 'job_extractors',
    // The extractors a job runs (docs/extractors.md), chosen with the upload request and read by the worker.
    sql: `
ALTER TABLE detection_jobs ADD COLUMN extractors text[] NOT NULL DEFAULT '{deepfake}';
`,
  },
  {
    version: 5,
    name: 'batches_manifests_correlation',
    // Batches group up to 100 uploads of one user (POST /v1/batches); deleting one deletes its items' audio files,
    // which cascade to their jobs. A job keeps the request id that created it (correlation_id, carried into every
    // worker log line), when its object was first known to be stored (queued_at, for the time-spent-queued
    // metric), and where its result manifest was written (manifest_key, results/<user>/<job>.json).
    sql: `
CREATE TABLE batches (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  extractors text[] NOT NULL,
  item_count integer NOT NULL CHECK (item_count BETWEEN 1 AND 100),
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batches_user_history ON batches (user_id, created_at DESC, id DESC);
ALTER TABLE detection_jobs
  ADD COLUMN batch_id uuid REFERENCES batches (id) ON DELETE CASCADE,
  ADD COLUMN batch_index integer CHECK (batch_index >= 0),
  ADD COLUMN correlation_id text,
  ADD COLUMN queued_at timestamptz,
  ADD COLUMN manifest_key text;
CREATE UNIQUE INDEX detection_jobs_batch_items ON detection_jobs (batch_id, batch_index) WHERE batch_id IS NOT NULL;
`,
  },
  {
    version: 6,
    name: 'webhooks_and_deliveries',
    // Webhook endpoints of a user and every delivery to them (docs/webhooks.md). The secret signs deliveries, so it
    // is kept (not hashed), sealed by the application (webhook-secrets.ts); a rotated one keeps signing until
    // previous_secret_expires_at. A delivery is one message (its body fixed when it is added) to one endpoint:
    // pending until a 2xx answer or 24 h of retries; the due index is what the sender sweeps, and locked_until keeps
    // two senders off the same delivery. Each attempt is a row of webhook_attempts (GET /v1/webhooks/{id}/deliveries).
    sql: `
CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  url text NOT NULL,
  events text[] NOT NULL,
  description text,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  failing_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_user ON webhooks (user_id, created_at);

CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  message_id text NOT NULL UNIQUE,
  webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event text NOT NULL,
  subject_id uuid NOT NULL,
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (webhook_id, event, subject_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- Finished deliveries are kept DELIVERY_RETENTION_DAYS for the delivery log, then pruned.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE status <> 'pending';

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  status_code integer,
  duration_ms integer NOT NULL,
  error text,
  response_prefix text,
  next_retry_at timestamptz,
  attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_recent ON webhook_attempts (webhook_id, attempted_at DESC, id DESC);
`,
  },
];
