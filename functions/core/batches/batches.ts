import * as z from 'zod';
import type { BatchRepository } from '../../ports/batches.ts';
import type { StatusCache } from '../../ports/cache.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { UUID } from '../jobs/get-job.ts';
import { decodeCursor, encodeCursor } from '../jobs/list-jobs.ts';
import { resultKey } from '../jobs/object-key.ts';
import { batchSummary, batchView } from './view.ts';

/** GET /v1/batches/{id}: status counts, progress and every item (owner only; anyone else gets 404). */
export async function getBatch(batches: BatchRepository, userId: string, batchId: string) {
  if (!UUID.test(batchId)) throw new NotFoundError('batch not found');
  const found = await batches.findForUser(userId, batchId);
  if (!found) throw new NotFoundError('batch not found');
  return batchView(found.batch, found.items);
}

export const batchListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** GET /v1/batches: the user's batches, newest first, keyset-paginated on (created_at, id) like GET /v1/jobs. */
export async function listBatches(
  batches: BatchRepository,
  userId: string,
  query: Record<string, string | undefined>,
) {
  const parsed = batchListQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new ValidationError('invalid query', {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const q = parsed.data;
  const rows = await batches.listForUser(userId, {
    limit: q.limit + 1,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
  });
  const page = rows.slice(0, q.limit).map((r) => batchSummary(r.batch, r.items));
  const last = page[page.length - 1];
  return {
    items: page,
    next_cursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

/** Deletes S3 objects a few at a time: a 100-item batch is 200 deletes. */
async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * DELETE /v1/batches/{id}: every item's upload and manifest in S3, then the rows (batch, audio files, jobs), then
 * the cache entries. S3 goes first and is idempotent, so a failure part-way leaves a batch the owner can delete
 * again, never objects nobody can reach. Workers holding an item drop their work when they find it gone.
 */
export async function deleteBatch(
  deps: { batches: BatchRepository; storage: ObjectStore; cache: StatusCache },
  userId: string,
  batchId: string,
): Promise<void> {
  if (!UUID.test(batchId)) throw new NotFoundError('batch not found');
  const found = await deps.batches.findForUser(userId, batchId);
  if (!found) throw new NotFoundError('batch not found');
  await inParallel(found.items, 8, async (job) => {
    await Promise.all([deps.storage.delete(job.objectKey), deps.storage.delete(resultKey(userId, job.id))]);
  });
  const deleted = (await deps.batches.deleteForUser(userId, batchId)) ?? [];
  await Promise.all(deleted.map((job) => deps.cache.delete(job.id).catch(() => undefined)));
}
