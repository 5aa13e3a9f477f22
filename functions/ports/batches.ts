import type { JobRecord, NewJob } from './jobs.ts';

export interface BatchRecord {
  id: string;
  userId: string;
  extractors: string[];
  /** Items created with the batch (items deleted one by one since are no longer listed). */
  itemCount: number;
  createdAt: Date;
}

/** What a batch summary needs of each item: its state and chunk counts. */
export type BatchItemState = Pick<JobRecord, 'status' | 'chunksDone' | 'chunksTotal' | 'updatedAt'>;

export interface BatchListQuery {
  limit: number;
  /** Keyset cursor: batches strictly older than (createdAt, id). */
  before?: { createdAt: Date; id: string };
}

/** Postgres holds batches; their items are ordinary jobs with a batch id and index. */
export interface BatchRepository {
  /** The batch and every item's audio file and job, in one transaction: all of them exist, or none. */
  create(
    batch: Omit<BatchRecord, 'createdAt'> & { correlationId?: string },
    items: NewJob[],
  ): Promise<BatchRecord>;
  /** Owner-scoped: another user's batch is indistinguishable from a missing one. Items in index order. */
  findForUser(
    userId: string,
    batchId: string,
  ): Promise<{ batch: BatchRecord; items: JobRecord[] } | undefined>;
  /** A page of the user's batches, newest first, each with its items' states. */
  listForUser(
    userId: string,
    query: BatchListQuery,
  ): Promise<{ batch: BatchRecord; items: BatchItemState[] }[]>;
  /** Deletes the batch and every item (audio files cascade to jobs); returns the items that were deleted. */
  deleteForUser(userId: string, batchId: string): Promise<JobRecord[] | undefined>;
  /** Jobs of the user not yet finished (awaiting upload, queued, processing): the admission limit. */
  countUnfinished(userId: string): Promise<number>;
}
