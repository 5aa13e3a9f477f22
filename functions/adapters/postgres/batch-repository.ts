import type pg from 'pg';
import type { BatchItemState, BatchListQuery, BatchRecord, BatchRepository } from '../../ports/batches.ts';
import type { JobRecord, NewJob } from '../../ports/jobs.ts';
import { PostgresJobRepository } from './job-repository.ts';

type Row = Record<string, unknown>;

const toBatch = (r: Row): BatchRecord => ({
  id: r.id as string,
  userId: r.user_id as string,
  extractors: r.extractors as string[],
  itemCount: r.item_count as number,
  createdAt: r.created_at as Date,
});

export class PostgresBatchRepository implements BatchRepository {
  private readonly jobs: PostgresJobRepository;

  constructor(private readonly pool: pg.Pool) {
    this.jobs = new PostgresJobRepository(pool);
  }

  async create(batch: Omit<BatchRecord, 'createdAt'> & { correlationId?: string }, items: NewJob[]) {
    // One statement: the batch, its audio files and their jobs are inserted together or not at all. An audio
    // file's id is its job's id, as for single uploads.
    const { rows } = await this.pool.query(
      `WITH b AS (
         INSERT INTO batches (id, user_id, extractors, item_count, correlation_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id, user_id, extractors, item_count, created_at
       ), f AS (
         INSERT INTO audio_files (id, user_id, object_key, filename, content_type, declared_bytes)
         SELECT u.id, $2, u.key, u.name, u.ctype, u.bytes
           FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[], $10::bigint[]) AS u(id, key, name, ctype, bytes)
         RETURNING id
       ), j AS (
         INSERT INTO detection_jobs (id, user_id, audio_file_id, status, correlation_id, batch_id, batch_index,
                                     extractors)
         SELECT f.id, $2, f.id, 'awaiting_upload', $5, b.id, u.idx, $3
           FROM unnest($6::uuid[], $11::int[]) AS u(id, idx) JOIN f ON f.id = u.id CROSS JOIN b
       )
       SELECT * FROM b`,
      [
        batch.id,
        batch.userId,
        batch.extractors,
        items.length,
        batch.correlationId ?? null,
        items.map((i) => i.id),
        items.map((i) => i.objectKey),
        items.map((i) => i.filename),
        items.map((i) => i.contentType),
        items.map((i) => i.declaredBytes),
        items.map((i) => i.batch!.index),
      ],
    );
    return toBatch(rows[0]!);
  }

  async findForUser(userId: string, batchId: string) {
    const { rows } = await this.pool.query('SELECT * FROM batches WHERE id = $1 AND user_id = $2', [
      batchId,
      userId,
    ]);
    if (!rows[0]) return undefined;
    return { batch: toBatch(rows[0]), items: await this.jobs.listBatchItems(userId, batchId) };
  }

  async listForUser(userId: string, q: BatchListQuery) {
    const params: unknown[] = [userId, q.limit];
    let keyset = '';
    if (q.before) {
      params.push(q.before.createdAt, q.before.id);
      keyset = 'AND (created_at, id) < ($3, $4)';
    }
    const { rows } = await this.pool.query(
      `SELECT * FROM batches WHERE user_id = $1 ${keyset} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const batches = rows.map(toBatch);
    if (!batches.length) return [];
    const { rows: items } = await this.pool.query(
      `SELECT batch_id, status, chunks_done, chunks_total, updated_at FROM detection_jobs
        WHERE user_id = $1 AND batch_id = ANY($2::uuid[])`,
      [userId, batches.map((b) => b.id)],
    );
    const byBatch = new Map<string, BatchItemState[]>(batches.map((b) => [b.id, []]));
    for (const r of items)
      byBatch.get(r.batch_id as string)!.push({
        status: r.status as JobRecord['status'],
        chunksDone: r.chunks_done as number,
        chunksTotal: (r.chunks_total as number | null) ?? null,
        updatedAt: r.updated_at as Date,
      });
    return batches.map((batch) => ({ batch, items: byBatch.get(batch.id)! }));
  }

  async deleteForUser(userId: string, batchId: string) {
    const found = await this.findForUser(userId, batchId);
    if (!found) return undefined;
    await this.pool.query(
      `WITH f AS (
         DELETE FROM audio_files WHERE id IN (SELECT audio_file_id FROM detection_jobs WHERE batch_id = $1 AND user_id = $2)
       )
       DELETE FROM batches WHERE id = $1 AND user_id = $2`,
      [batchId, userId],
    );
    return found.items;
  }

  async countUnfinished(userId: string) {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS n FROM detection_jobs
        WHERE user_id = $1 AND status IN ('awaiting_upload', 'queued', 'processing')`,
      [userId],
    );
    return rows[0]!.n as number;
  }
}
