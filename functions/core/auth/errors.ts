import { RealToneError } from '../../shared/errors.ts';

export abstract class AuthError extends RealToneError {}

export class EmailTakenError extends AuthError {
  readonly code = 'email_taken';
  override readonly status = 409;
}

/** Wrong email or password: one error for both, so a caller cannot probe which accounts exist. */
export class InvalidCredentialsError extends AuthError {
  readonly code = 'invalid_credentials';
  override readonly status = 401;
}

/** Missing, malformed, expired, tampered or wrongly signed token. */
export class UnauthorizedError extends AuthError {
  readonly code = 'unauthorized';
  override readonly status = 401;
}

export class TooManyAttemptsError extends AuthError {
  readonly code = 'too_many_attempts';
  override readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
