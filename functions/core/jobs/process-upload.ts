/**
 * The worker's domain step: one uploaded object → one finished job. Knows nothing about SQS or S3 events; the
 * worker adapter parses those and calls `processUpload` with the object key.
 *
 * Guarantees: a job is claimed atomically (duplicate and replayed events never process it twice); audio problems
 * end the job `failed` with their precise code; infrastructure problems give the job back (`queued`) for another
 * attempt, and after `maxAttempts` end it `failed`; nothing is left in `processing` except under a live lease.
 */
import { AudioError } from '../../audio/errors.ts';
import { withCorrelation } from '../../shared/correlation.ts';
import { getLogger } from '../../shared/logger.ts';
import { isRealToneError } from '../../shared/errors.ts';
import type { StatusCache } from '../../ports/cache.ts';
import type { JobRecord, JobRepository } from '../../ports/jobs.ts';
import { NO_METRICS, type Metrics } from '../../ports/metrics.ts';
import type { Notifier } from '../../ports/notifications.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { analyzeAudio } from '../detection/analyze.ts';
import type { ExtractorCatalog } from '../extractors/catalog.ts';
import { resolveExtractors } from '../extractors/registry.ts';
import type { InferenceQueue } from '../pipeline/inference-queue.ts';
import type { VerdictPolicy } from '../detection/verdict.ts';
import { JobGoneError } from './errors.ts';
import { writeJobManifest } from './job-manifest.ts';
import { persist } from './persist.ts';
import { recordOutcome, recordQueued, recordStage, timedDownload } from './job-telemetry.ts';
import { parseUploadKey } from './object-key.ts';
import { cacheTtl, toCached } from './view.ts';

export interface ProcessDeps {
  jobs: JobRepository;
  cache: StatusCache;
  storage: ObjectStore;
  /** The process's shared inference queue (the model behind it). */
  inference: InferenceQueue;
  limits: { maxUploadBytes: number; maxDurationS: number };
  leaseSeconds: number;
  maxAttempts: number;
  resultTtlSeconds: number;
  /** Overall policy (top fraction, thresholds); defaults to the manifest's thresholds. */
  verdict?: Partial<VerdictPolicy>;
  /** Builds the stage of the extractors each job chose (pitch, tempo, vad, the VAD gate). */
  extractors?: ExtractorCatalog;
  /** Stage latencies, outcomes, time spent queued (default: recorded nowhere). */
  metrics?: Metrics;
  /** Told of every state the job reaches (events sockets, webhooks); default: nobody. */
  notifier?: Notifier;
}

export type ProcessOutcome =
  | { outcome: 'completed' | 'failed'; jobId: string; code?: string }
  /** Nothing to do: not our key, unknown job, already done or held by another worker. The message can go. */
  | { outcome: 'ignored'; jobId?: string; reason: string }
  /** Given back for another attempt; the message should become visible again. */
  | { outcome: 'retry'; jobId: string; reason: string };

const log = getLogger('process-upload');

async function publish(deps: ProcessDeps, job: JobRecord): Promise<void> {
  // The cache is a read optimisation: losing a write only costs a Postgres read, so it never fails the job.
  await deps.cache
    .put(toCached(job), cacheTtl(job.status, deps.resultTtlSeconds))
    .catch((error) =>
      log.warn('status cache write failed', { jobId: job.id, error: (error as Error).message }),
    );
  // Progress reaches here at most once a second (onProgress below), so sockets get at most that too.
  await deps.notifier
    ?.send({ kind: 'job', job_id: job.id, user_id: job.userId, status: job.status })
    .catch((error) => log.warn('notification not sent', { jobId: job.id, error: (error as Error).message }));
}

function manifestDeps(deps: ProcessDeps) {
  return { storage: deps.storage, model: deps.inference.manifest };
}

async function finishFailed(
  deps: ProcessDeps,
  claimed: JobRecord,
  code: string,
  message: string,
  size?: number,
) {
  const jobId = claimed.id;
  // The manifest of a failed job says what went wrong; it is best effort, the failure itself is what must be kept.
  const manifestKey = await writeJobManifest(
    manifestDeps(deps),
    claimed,
    { error: { code, message } },
    {},
    size,
  ).catch((error: unknown) => {
    log.warn('result manifest not written', { jobId, error: (error as Error).message });
    return undefined;
  });
  const job = await persist(() => deps.jobs.fail(jobId, code, message, size, manifestKey)).catch(
    async (error: unknown) => {
      if (error instanceof JobGoneError && manifestKey)
        await deps.storage.delete(manifestKey).catch(() => undefined);
      throw error;
    },
  );
  await publish(deps, job);
  log.info('job failed', { jobId, code });
  return { outcome: 'failed' as const, jobId, code };
}

type ProcessOptions = { signal?: AbortSignal; heartbeat?: () => Promise<void> };

export async function processUpload(
  deps: ProcessDeps,
  upload: { key: string },
  options: ProcessOptions = {},
): Promise<ProcessOutcome> {
  const ids = parseUploadKey(upload.key);
  if (!ids) return { outcome: 'ignored', reason: 'not_an_upload_key' };
  const existing = await deps.jobs.find(ids.jobId);
  if (!existing || existing.userId !== ids.userId)
    return { outcome: 'ignored', jobId: ids.jobId, reason: 'unknown_job' };
  if (existing.objectKey !== upload.key)
    return { outcome: 'ignored', jobId: ids.jobId, reason: 'foreign_key' };
  // Every log line from here on carries the id of the request that created the job, and the job's id.
  const correlation = {
    correlation_id: existing.correlationId ?? existing.id,
    job_id: existing.id,
    ...(existing.batchId ? { batch_id: existing.batchId } : {}),
  };
  const metrics = deps.metrics ?? NO_METRICS;
  metrics.set('realtone_jobs_running', ++running);
  try {
    const outcome = await withCorrelation(correlation, () => processJob(deps, upload, ids, options));
    recordOutcome(metrics, outcome);
    return outcome;
  } finally {
    metrics.set('realtone_jobs_running', --running);
  }
}

/** File jobs this process is running (the realtone_jobs_running gauge). */
let running = 0;

async function processJob(
  deps: ProcessDeps,
  upload: { key: string },
  ids: { jobId: string },
  options: ProcessOptions,
): Promise<ProcessOutcome> {
  const metrics = deps.metrics ?? NO_METRICS;

  const job = await deps.jobs.claim(ids.jobId, deps.leaseSeconds, deps.maxAttempts);
  if (!job) {
    const now = await deps.jobs.find(ids.jobId);
    if (now?.status === 'processing' && now.attempts >= deps.maxAttempts) {
      // A worker died on the last allowed attempt; its lease has run out or will, and nobody may claim it again.
      const stale = await deps.jobs.claim(ids.jobId, deps.leaseSeconds, Number.MAX_SAFE_INTEGER);
      if (stale)
        return finishFailed(deps, stale, 'attempts_exhausted', `processing failed ${deps.maxAttempts} times`);
    }
    return { outcome: 'ignored', jobId: ids.jobId, reason: `not_claimable:${now?.status ?? 'gone'}` };
  }
  await publish(deps, job);
  const queueWaitMs = recordQueued(metrics, job);

  const heartbeat = setInterval(
    () => {
      void Promise.all([deps.jobs.extendLease(job.id, deps.leaseSeconds), options.heartbeat?.()]).catch(
        (error) => log.warn('heartbeat failed', { jobId: job.id, error: (error as Error).message }),
      );
    },
    Math.max(1000, (deps.leaseSeconds * 1000) / 3),
  );
  const started = performance.now();
  let storedBytes: number | undefined;
  try {
    const head = await deps.storage.head(upload.key);
    if (!head) return await finishFailed(deps, job, 'upload_missing', 'the uploaded object no longer exists');
    storedBytes = head.size;
    if (head.size > job.declaredBytes || head.size > deps.limits.maxUploadBytes) {
      const limit = Math.min(job.declaredBytes, deps.limits.maxUploadBytes);
      return await finishFailed(
        deps,
        job,
        'too_large',
        `the upload is ${head.size} bytes; at most ${limit} were allowed`,
        head.size,
      );
    }
    const readStarted = performance.now();
    const source = timedDownload(await deps.storage.read(upload.key), readStarted, (ms) =>
      recordStage(metrics, 'download', ms),
    );
    const downloadedAt = performance.now();
    let lastPublish = 0;
    const extractorMs = new Map<string, number>();
    const result = await analyzeAudio(source, deps.inference, {
      maxDurationS: deps.limits.maxDurationS,
      maxBytes: Math.min(job.declaredBytes, deps.limits.maxUploadBytes),
      declaredContentType: job.contentType,
      sourceBytes: head.size,
      group: job.userId,
      onExtractorTime: (name, ms) => extractorMs.set(name, (extractorMs.get(name) ?? 0) + ms),
      verdict: deps.verdict,
      signal: options.signal,
      ...(deps.extractors
        ? { extractors: { names: resolveExtractors(job.extractors), catalog: deps.extractors } }
        : {}),
      onProgress: async (done, total) => {
        // Progress goes to Postgres and the cache at most once a second (plus the last batch).
        if (done < total && performance.now() - lastPublish < 1000) return;
        lastPublish = performance.now();
        // Progress is for pollers: a database that is briefly away must not cost the job its work so far.
        await deps.jobs
          .recordProgress(job.id, done, total)
          .catch((error: unknown) =>
            log.warn('progress not recorded', { jobId: job.id, error: (error as Error).message }),
          );
        await publish(deps, { ...job, chunksDone: done, chunksTotal: total, updatedAt: new Date() });
      },
    });
    const timings = {
      ...result.timings,
      first_byte_ms: Math.round(downloadedAt - started),
      total_ms: Math.round(performance.now() - started),
      queue_wait_ms: Math.round(queueWaitMs),
    };
    recordStage(metrics, 'decode', result.timings.decode_ms ?? 0);
    recordStage(metrics, 'inference', result.timings.inference_ms ?? 0);
    // Each extractor's time over the whole file (window by window, summed), as one observation per job.
    for (const [name, ms] of extractorMs) recordStage(metrics, `extractor:${name}`, ms);
    const writeStarted = performance.now();
    // The analysis is done: a store that is briefly away (S3, Postgres restarting) is waited for, under the
    // heartbeat, rather than throwing the work away and running the whole job again.
    const manifestKey = await persist(() =>
      writeJobManifest(manifestDeps(deps), job, { result }, timings, head.size),
    );
    const done = await persist(() =>
      deps.jobs.complete(job.id, { result, storedBytes: head.size, timings, manifestKey }),
    ).catch(async (error: unknown) => {
      // Deleted meanwhile: the delete may have run before the manifest existed, so remove it here.
      if (error instanceof JobGoneError) await deps.storage.delete(manifestKey).catch(() => undefined);
      throw error;
    });
    await publish(deps, done);
    recordStage(metrics, 'write', performance.now() - writeStarted);
    log.info('job completed', {
      jobId: job.id,
      chunks: result.chunks.length,
      label: result.overall.label,
      ...timings,
    });
    return { outcome: 'completed', jobId: job.id };
  } catch (error) {
    // The owner deleted the job while we worked on it: nothing left to record.
    const gone = { outcome: 'ignored' as const, jobId: job.id, reason: 'deleted_while_processing' };
    if (error instanceof JobGoneError) return gone;
    if (error instanceof AudioError) {
      return finishFailed(deps, job, error.code, error.message, storedBytes).catch((inner: unknown) => {
        if (inner instanceof JobGoneError) return gone;
        throw inner;
      });
    }
    const aborted = options.signal?.aborted;
    if (!aborted && job.attempts >= deps.maxAttempts) {
      log.error('job failed on its last attempt', { jobId: job.id, error: (error as Error).message });
      const code = isRealToneError(error) ? error.code : 'processing_failed';
      return finishFailed(deps, job, code, `processing failed after ${job.attempts} attempts`, storedBytes);
    }
    await deps.jobs.release(job.id);
    const released = await deps.jobs.find(job.id);
    if (released) await publish(deps, released);
    const reason = aborted ? 'drain' : (error as Error).message;
    if (!aborted)
      log.warn('job given back for another attempt', { jobId: job.id, attempt: job.attempts, error: reason });
    return { outcome: 'retry', jobId: job.id, reason };
  } finally {
    clearInterval(heartbeat);
  }
}
