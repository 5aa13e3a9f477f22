import { TERMINAL, type JobRecord, type JobStatus } from '../../ports/jobs.ts';
import type { BatchItemState, BatchRecord } from '../../ports/batches.ts';

/**
 * A batch's state is derived from its items, never stored: `awaiting_upload` while no item's object has arrived,
 * `processing` while any item is unfinished, then `completed` (at least one item completed) or `failed` (all failed).
 */
export type BatchStatus = 'awaiting_upload' | 'processing' | 'completed' | 'failed';

export type StatusCounts = Record<JobStatus, number>;

export interface BatchProgress {
  status: BatchStatus;
  counts: StatusCounts;
  /** Chunks done over chunks in total, across items, 0..1. */
  progress: number;
  chunks: { done: number; total: number };
  updated_at: string;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Progress counts chunks across items. A finished item counts as entirely done (a failed one weighs its chunk total,
 * or 1 when it never got one). An item whose chunk total is not known yet (it has not started decoding) weighs the
 * mean of the known totals, or 1 when none is known, so progress reaches 1 exactly when every item has finished and
 * moves smoothly as windows are scored.
 */
export function summarize(batch: BatchRecord, items: readonly BatchItemState[]): BatchProgress {
  const counts: StatusCounts = { awaiting_upload: 0, queued: 0, processing: 0, completed: 0, failed: 0 };
  let updated = batch.createdAt;
  const known: number[] = [];
  for (const item of items) {
    counts[item.status]++;
    if (item.updatedAt > updated) updated = item.updatedAt;
    if (item.chunksTotal) known.push(item.chunksTotal);
  }
  const typical = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  let done = 0;
  let total = 0;
  for (const item of items) {
    const weight = item.chunksTotal || (TERMINAL.includes(item.status) ? 1 : typical);
    total += weight;
    done += TERMINAL.includes(item.status) ? weight : Math.min(item.chunksDone, weight);
  }
  const finished = counts.completed + counts.failed;
  const status: BatchStatus =
    finished === items.length
      ? counts.completed > 0 || items.length === 0
        ? 'completed'
        : 'failed'
      : counts.awaiting_upload === items.length
        ? 'awaiting_upload'
        : 'processing';
  return {
    status,
    counts,
    progress: total ? round4(done / total) : 1,
    chunks: { done: Math.round(done), total: Math.round(total) },
    updated_at: updated.toISOString(),
  };
}

export function batchItemView(job: JobRecord) {
  return {
    index: job.batchIndex ?? 0,
    job_id: job.id,
    filename: job.filename,
    status: job.status,
    progress: { chunks_done: job.chunksDone, chunks_total: job.chunksTotal },
    overall: job.result ? { label: job.result.overall.label, score: job.result.overall.score } : null,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
  };
}

export function batchView(batch: BatchRecord, items: JobRecord[]) {
  return {
    id: batch.id,
    created_at: batch.createdAt.toISOString(),
    extractors: batch.extractors,
    total: items.length,
    ...summarize(batch, items),
    items: items.map(batchItemView),
  };
}

export function batchSummary(batch: BatchRecord, items: readonly BatchItemState[]) {
  return {
    id: batch.id,
    created_at: batch.createdAt.toISOString(),
    total: items.length,
    ...summarize(batch, items),
  };
}
