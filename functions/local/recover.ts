/**
 * AWS SQS keeps messages across restarts; the local SQS emulator does not. At start-up the local stack therefore
 * re-sends the S3 notification for every stored upload whose job is not finished, so a job that was queued, or
 * handed back by a drain, or held by a worker that crashed, still runs after `npm start`. A job whose lease is
 * still live is re-sent with a delay until the lease has expired, so the new worker can claim it.
 *
 * With the embedded database the leases of the previous run are known to be dead: PGlite's data directory is
 * opened by one process only, the one whose worker held them. They are expired at once, so a crashed stack's jobs
 * restart in the seconds it takes to start, not after the lease. A shared DATABASE_URL may have live workers
 * elsewhere, so there the leases run out on their own (at most WORKER_VISIBILITY_TIMEOUT_SECONDS − 5).
 *
 * When the emulator alone restarts (queue-watch.ts), the workers live on: a job under a live lease is not re-sent
 * but returned as `held`, for the watch to re-send if its worker gives it back or dies before finishing it.
 * Finished and deleted jobs are never re-sent (and a stray message for one is ignored by the claim anyway).
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import type { S3ToSqsBridge } from './bridge.ts';

export interface HeldJob {
  jobId: string;
  objectKey: string;
}

export async function replayUnfinishedUploads(
  pool: pg.Pool,
  s3: S3Client,
  bucket: string,
  bridge: S3ToSqsBridge,
  options: { leasesAreDead?: boolean; holdLive?: (job: HeldJob) => void } = {},
): Promise<number> {
  if (options.leasesAreDead)
    await pool.query(
      `UPDATE detection_jobs SET lease_expires_at = now() WHERE status = 'processing' AND lease_expires_at > now()`,
    );
  const { rows } = await pool.query<{ id: string; object_key: string; delay: number; live: boolean }>(
    `SELECT j.id, f.object_key,
            GREATEST(0, CEIL(EXTRACT(EPOCH FROM (j.lease_expires_at - now()))))::int + 1 AS delay,
            (j.status = 'processing' AND j.lease_expires_at > now()) AS live
       FROM detection_jobs j JOIN audio_files f ON f.id = j.audio_file_id
      WHERE j.status IN ('awaiting_upload', 'queued', 'processing')`,
  );
  let replayed = 0;
  for (const row of rows) {
    if (row.live && options.holdLive) {
      options.holdLive({ jobId: row.id, objectKey: row.object_key });
      continue;
    }
    if (!(await sendFor(s3, bucket, bridge, row.object_key, row.delay ?? 0))) continue;
    replayed++;
  }
  return replayed;
}

/**
 * The same gap for notifications: a job that finished while its notification sat in the emulator's memory (the
 * process was killed before the sender took it) has no webhook delivery. At start-up the local stack re-announces
 * every job finished in the last `hours` for which a subscribed endpoint that existed then has no delivery; the
 * sender's one-delivery-per-endpoint-and-job rule makes a second announcement add nothing.
 */
export async function unannouncedFinishedJobs(
  pool: pg.Pool,
  hours = 24,
): Promise<{ job_id: string; user_id: string; status: 'completed' | 'failed'; kind: 'file' | 'stream' }[]> {
  const { rows } = await pool.query(
    `SELECT DISTINCT j.id AS job_id, j.user_id, j.status, j.kind
       FROM detection_jobs j JOIN webhooks w ON w.user_id = j.user_id AND w.created_at <= j.finished_at
      WHERE j.status IN ('completed', 'failed') AND j.finished_at >= now() - make_interval(hours => $1)
        AND (CASE WHEN j.kind = 'stream' THEN 'stream.completed'
                  WHEN j.status = 'completed' THEN 'job.completed' ELSE 'job.failed' END) = ANY (w.events)
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.subject_id = j.id)`,
    [hours],
  );
  return rows;
}

/** Re-sends the S3 notification of one stored upload; false when the object is not there (never uploaded). */
export async function sendFor(
  s3: S3Client,
  bucket: string,
  bridge: S3ToSqsBridge,
  key: string,
  delaySeconds = 0,
): Promise<boolean> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  if (!head) return false;
  await bridge.send(key, head.ContentLength ?? 0, 'ObjectCreated:Post', delaySeconds);
  return true;
}
