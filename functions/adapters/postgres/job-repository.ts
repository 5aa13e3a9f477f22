import type pg from 'pg';
import { JobGoneError } from '../../core/jobs/errors.ts';
import type {
  CompletedJob,
  FinishedStream,
  JobListQuery,
  JobRecord,
  JobRepository,
  NewJob,
} from '../../ports/jobs.ts';

const SELECT = `
SELECT j.id, j.user_id, j.kind, j.status, f.filename, f.content_type, f.declared_bytes, f.object_key, f.stored_bytes,
       j.attempts, j.chunks_done, j.chunks_total, j.result, j.error_code, j.error_message, j.model_name,
       j.model_version, j.timings, j.extractors, j.created_at, j.updated_at, j.started_at, j.finished_at,
       j.batch_id, j.batch_index, j.correlation_id, j.queued_at, j.manifest_key
FROM detection_jobs j JOIN audio_files f ON f.id = j.audio_file_id`;

type Row = Record<string, unknown>;

function toRecord(r: Row): JobRecord {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    kind: r.kind as JobRecord['kind'],
    status: r.status as JobRecord['status'],
    filename: r.filename as string,
    contentType: r.content_type as string,
    declaredBytes: r.declared_bytes as number,
    objectKey: r.object_key as string,
    storedBytes: (r.stored_bytes as number | null) ?? null,
    extractors: (r.extractors as string[] | null) ?? ['deepfake'],
    attempts: r.attempts as number,
    chunksDone: r.chunks_done as number,
    chunksTotal: (r.chunks_total as number | null) ?? null,
    result: (r.result as JobRecord['result']) ?? null,
    errorCode: (r.error_code as string | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
    modelName: (r.model_name as string | null) ?? null,
    modelVersion: (r.model_version as string | null) ?? null,
    timings: (r.timings as JobRecord['timings']) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    startedAt: (r.started_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
    batchId: (r.batch_id as string | null) ?? null,
    batchIndex: (r.batch_index as number | null) ?? null,
    correlationId: (r.correlation_id as string | null) ?? null,
    queuedAt: (r.queued_at as Date | null) ?? null,
    manifestKey: (r.manifest_key as string | null) ?? null,
  };
}

export class PostgresJobRepository implements JobRepository {
  constructor(private readonly pool: pg.Pool) {}

  private async one(sql: string, params: unknown[]): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query(sql, params);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  private async reread(jobId: string): Promise<JobRecord> {
    const job = await this.find(jobId);
    if (!job) throw new JobGoneError(`job ${jobId} no longer exists`);
    return job;
  }

  async create(job: NewJob): Promise<JobRecord> {
    // One statement, so the audio file and its job exist together or not at all.
    await this.pool.query(
      `WITH f AS (
         INSERT INTO audio_files (id, user_id, object_key, filename, content_type, declared_bytes)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
       )
       INSERT INTO detection_jobs (id, user_id, audio_file_id, status, extractors, correlation_id, batch_id, batch_index)
       SELECT $1, $2, f.id, 'awaiting_upload', $7, $8, $9, $10 FROM f`,
      [
        job.id,
        job.userId,
        job.objectKey,
        job.filename,
        job.contentType,
        job.declaredBytes,
        job.extractors ?? ['deepfake'],
        job.correlationId ?? null,
        job.batch?.id ?? null,
        job.batch?.index ?? null,
      ],
    );
    return this.reread(job.id);
  }

  findForUser(userId: string, jobId: string) {
    return this.one(`${SELECT} WHERE j.id = $1 AND j.user_id = $2`, [jobId, userId]);
  }

  find(jobId: string) {
    return this.one(`${SELECT} WHERE j.id = $1`, [jobId]);
  }

  async claim(jobId: string, leaseSeconds: number, maxAttempts: number) {
    const { rowCount } = await this.pool.query(
      `UPDATE detection_jobs
          SET status = 'processing', attempts = attempts + 1, started_at = now(), updated_at = now(),
              queued_at = COALESCE(queued_at, now()),
              lease_expires_at = now() + make_interval(secs => $2), chunks_done = 0, chunks_total = NULL
        WHERE id = $1 AND attempts < $3
          AND (status IN ('awaiting_upload', 'queued') OR (status = 'processing' AND lease_expires_at < now()))`,
      [jobId, leaseSeconds, maxAttempts],
    );
    return rowCount ? this.reread(jobId) : undefined;
  }

  async extendLease(jobId: string, leaseSeconds: number) {
    await this.pool.query(
      `UPDATE detection_jobs SET lease_expires_at = now() + make_interval(secs => $2)
        WHERE id = $1 AND status = 'processing'`,
      [jobId, leaseSeconds],
    );
  }

  async recordProgress(jobId: string, done: number, total: number) {
    await this.pool.query(
      `UPDATE detection_jobs SET chunks_done = $2, chunks_total = $3, updated_at = now()
        WHERE id = $1 AND status = 'processing'`,
      [jobId, done, total],
    );
  }

  async complete(jobId: string, outcome: CompletedJob) {
    const { result } = outcome;
    await this.pool.query(
      `WITH j AS (
         UPDATE detection_jobs
            SET status = 'completed', result = $2, timings = $3, model_name = $4, model_version = $5,
                chunks_done = $6, chunks_total = $6, lease_expires_at = NULL, finished_at = now(), updated_at = now(),
                manifest_key = $8
          WHERE id = $1 RETURNING audio_file_id
       )
       UPDATE audio_files SET stored_bytes = $7 WHERE id = (SELECT audio_file_id FROM j)`,
      [
        jobId,
        JSON.stringify(result),
        JSON.stringify(outcome.timings),
        result.model.name,
        result.model.version,
        result.chunks.length,
        outcome.storedBytes,
        outcome.manifestKey ?? null,
      ],
    );
    return this.reread(jobId);
  }

  async fail(
    jobId: string,
    code: string,
    message: string,
    storedBytes: number | null = null,
    manifestKey?: string,
  ) {
    await this.pool.query(
      `WITH j AS (
         UPDATE detection_jobs
            SET status = 'failed', error_code = $2, error_message = $3, lease_expires_at = NULL,
                finished_at = now(), updated_at = now(), manifest_key = $5
          WHERE id = $1 RETURNING audio_file_id
       )
       UPDATE audio_files SET stored_bytes = COALESCE($4, stored_bytes) WHERE id = (SELECT audio_file_id FROM j)`,
      [jobId, code, message.slice(0, 1000), storedBytes, manifestKey ?? null],
    );
    return this.reread(jobId);
  }

  async release(jobId: string) {
    await this.pool.query(
      `UPDATE detection_jobs SET status = 'queued', lease_expires_at = NULL, chunks_done = 0, updated_at = now()
        WHERE id = $1 AND status = 'processing'`,
      [jobId],
    );
  }

  async markQueued(jobId: string, storedBytes: number) {
    await this.pool.query(
      `WITH j AS (
         UPDATE detection_jobs SET status = 'queued', queued_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'awaiting_upload' RETURNING audio_file_id
       )
       UPDATE audio_files SET stored_bytes = $2 WHERE id = (SELECT audio_file_id FROM j)`,
      [jobId, storedBytes],
    );
    return this.find(jobId);
  }

  async listForUser(userId: string, q: JobListQuery) {
    const where = ['j.user_id = $1'];
    const params: unknown[] = [userId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.status) add('j.status = ?', q.status);
    if (q.from) add('j.created_at >= ?', q.from);
    if (q.to) add('j.created_at < ?', q.to);
    if (q.before) {
      params.push(q.before.createdAt, q.before.id);
      where.push(`(j.created_at, j.id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(q.limit);
    const { rows } = await this.pool.query(
      `${SELECT} WHERE ${where.join(' AND ')} ORDER BY j.created_at DESC, j.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  /** A batch's items in index order (the caller checked the batch belongs to the user). */
  async listBatchItems(userId: string, batchId: string) {
    const { rows } = await this.pool.query(
      `${SELECT} WHERE j.batch_id = $1 AND j.user_id = $2 ORDER BY j.batch_index`,
      [batchId, userId],
    );
    return rows.map(toRecord);
  }

  async recordStream(stream: FinishedStream) {
    const done = 'result' in stream.outcome;
    const result = 'result' in stream.outcome ? stream.outcome.result : null;
    const error = 'code' in stream.outcome ? stream.outcome : null;
    await this.pool.query(
      `WITH f AS (
         INSERT INTO audio_files (id, user_id, object_key, filename, content_type, declared_bytes, stored_bytes)
         VALUES ($1, $2, $3, $4, 'audio/pcm', GREATEST($5, 1), $5)
         ON CONFLICT (id) DO NOTHING RETURNING id
       )
       INSERT INTO detection_jobs (id, user_id, audio_file_id, kind, status, attempts, chunks_done, chunks_total,
                                   result, error_code, error_message, model_name, model_version, timings,
                                   created_at, started_at, finished_at, extractors)
       SELECT $1, $2, f.id, 'stream', $6, 1, $7, $7, $8, $9, $10, $11, $12, $13, $14, $14, now(), $15 FROM f`,
      [
        stream.id,
        stream.userId,
        stream.objectKey,
        stream.name,
        stream.bytes,
        done ? 'completed' : 'failed',
        result?.chunks.length ?? 0,
        result && JSON.stringify(result),
        error?.code ?? null,
        error?.message.slice(0, 1000) ?? null,
        result?.model.name ?? null,
        result?.model.version ?? null,
        result && JSON.stringify(result.timings),
        stream.startedAt,
        stream.extractors ?? ['deepfake'],
      ],
    );
    return this.reread(stream.id);
  }

  async deleteForUser(userId: string, jobId: string) {
    const job = await this.findForUser(userId, jobId);
    if (!job) return undefined;
    // Deleting the audio file cascades to its job.
    const { rowCount } = await this.pool.query(
      'DELETE FROM audio_files WHERE id = (SELECT audio_file_id FROM detection_jobs WHERE id = $1 AND user_id = $2)',
      [jobId, userId],
    );
    return rowCount ? job : undefined;
  }

  async ping() {
    await this.pool.query('SELECT 1');
  }
}
