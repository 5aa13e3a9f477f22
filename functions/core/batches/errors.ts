import { RealToneError } from '../../shared/errors.ts';

/** The user already has too many unfinished jobs for a new batch: try again once some have finished. */
export class TooManyPendingJobsError extends RealToneError {
  readonly code = 'too_many_pending_jobs';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
