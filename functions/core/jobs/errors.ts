import { RealToneError } from '../../shared/errors.ts';

export abstract class JobError extends RealToneError {}

/** The uploaded object disagrees with the job (key, size): never processed. */
export class UploadMismatchError extends JobError {
  readonly code = 'upload_mismatch';
}

/** The job failed on every allowed attempt for reasons outside the audio (infrastructure). */
export class AttemptsExhaustedError extends JobError {
  readonly code = 'attempts_exhausted';
}

/** The job was deleted by its owner while a worker held it; the worker drops its work. */
export class JobGoneError extends JobError {
  readonly code = 'job_gone';
}
