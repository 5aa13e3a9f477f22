import { RealToneError } from '../../shared/errors.ts';

/** The shared inference queue is full or too slow for this caller: try again later (streams close with 1013). */
export class OverloadedError extends RealToneError {
  readonly code = 'overloaded';
}

/** The caller's windows were withdrawn from the queue (it disconnected, was cancelled or drained). */
export class CancelledError extends RealToneError {
  readonly code = 'cancelled';
}
