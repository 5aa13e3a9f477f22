import type { AnalysisResult } from '../core/detection/analyze.ts';

/** Job lifecycle. `awaiting_upload` → `queued` (object arrived) → `processing` → `completed` | `failed`. */
export const JOB_STATUSES = ['awaiting_upload', 'queued', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL: readonly JobStatus[] = ['completed', 'failed'];

/** `file`: an uploaded file; `stream`: a finished live stream, recorded when it ends. */
export type JobKind = 'file' | 'stream';

export interface JobRecord {
  id: string;
  userId: string;
  kind: JobKind;
  status: JobStatus;
  filename: string;
  contentType: string;
  declaredBytes: number;
  objectKey: string;
  storedBytes: number | null;
  /** Extractors the job runs (deepfake first), chosen at upload time. */
  extractors: string[];
  attempts: number;
  chunksDone: number;
  chunksTotal: number | null;
  result: AnalysisResult | null;
  errorCode: string | null;
  errorMessage: string | null;
  modelName: string | null;
  modelVersion: string | null;
  timings: Record<string, number> | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The batch this job is an item of (POST /v1/batches), and its position there. */
  batchId: string | null;
  batchIndex: number | null;
  /** The id of the API request that created the job: carried into every log line about it. */
  correlationId: string | null;
  /** When the stored object was first noticed (poll or queue message): the start of its time spent queued. */
  queuedAt: Date | null;
  /** Where its audio_manifest_v1 was written, once it finished. */
  manifestKey: string | null;
}

export interface NewJob {
  id: string;
  userId: string;
  filename: string;
  contentType: string;
  declaredBytes: number;
  objectKey: string;
  /** Extractors to run (default: the detector alone). */
  extractors?: readonly string[];
  correlationId?: string;
  batch?: { id: string; index: number };
}

/** A live stream that ended, recorded for its owner's history in one step. */
export interface FinishedStream {
  id: string;
  userId: string;
  name: string;
  /** Where the audio would be kept (streams/<user>/<id>.wav); nothing is stored there unless keeping is on. */
  objectKey: string;
  /** PCM bytes received. */
  bytes: number;
  /** Extractors the stream ran. */
  extractors?: readonly string[];
  startedAt: Date;
  /** The analysis, or the code and message of why no verdict could be given (too short, all silent). */
  outcome: { result: AnalysisResult } | { code: string; message: string };
}

export interface CompletedJob {
  result: AnalysisResult;
  storedBytes: number;
  timings: Record<string, number>;
  manifestKey?: string;
}

/** Postgres is the system of record for jobs. */
export interface JobRepository {
  create(job: NewJob): Promise<JobRecord>;
  /** Owner-scoped read: another user's job is indistinguishable from a missing one. */
  findForUser(userId: string, jobId: string): Promise<JobRecord | undefined>;
  find(jobId: string): Promise<JobRecord | undefined>;
  /**
   * Atomically moves a job to `processing` when it is waiting (`awaiting_upload`/`queued`) or its previous lease
   * expired (a crashed worker). Returns undefined when another worker holds it or it is finished: duplicate or
   * replayed events never process a job twice.
   */
  claim(jobId: string, leaseSeconds: number, maxAttempts: number): Promise<JobRecord | undefined>;
  extendLease(jobId: string, leaseSeconds: number): Promise<void>;
  recordProgress(jobId: string, done: number, total: number): Promise<void>;
  complete(jobId: string, outcome: CompletedJob): Promise<JobRecord>;
  fail(
    jobId: string,
    code: string,
    message: string,
    storedBytes?: number | null,
    manifestKey?: string,
  ): Promise<JobRecord>;
  /** Gives a claimed job back (drain, transient failure): `queued` again, lease cleared. */
  release(jobId: string): Promise<void>;
  /** `awaiting_upload` → `queued` once the object is in S3 (no-op in any other state). */
  markQueued(jobId: string, storedBytes: number): Promise<JobRecord | undefined>;
  /** A user's jobs, newest first, keyset-paginated. */
  listForUser(userId: string, query: JobListQuery): Promise<JobRecord[]>;
  /** Records a finished stream as a `stream` job, completed (or failed when it could not be judged). */
  recordStream(stream: FinishedStream): Promise<JobRecord>;
  /** Deletes the job and its audio-file row; returns what was deleted (for S3 and cache cleanup). */
  deleteForUser(userId: string, jobId: string): Promise<JobRecord | undefined>;
  ping(): Promise<void>;
}

export interface JobListQuery {
  limit: number;
  status?: JobStatus;
  /** created_at >= from */
  from?: Date;
  /** created_at < to */
  to?: Date;
  /** Keyset cursor: rows strictly older than (createdAt, id). */
  before?: { createdAt: Date; id: string };
}
