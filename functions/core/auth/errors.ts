import { RealToneError } from '../../shared/errors.ts';

export abstract class AuthError extends RealToneError {}

export class EmailTakenError extends AuthError {
  readonly code = 'email_taken';
}

/** Wrong email or password: one error for both, so a caller cannot probe which accounts exist. */
export class InvalidCredentialsError extends AuthError {
  readonly code = 'invalid_credentials';
}

/** Missing, malformed, expired, tampered or wrongly signed token. */
export class UnauthorizedError extends AuthError {
  readonly code = 'unauthorized';
}

export class TooManyAttemptsError extends AuthError {
  readonly code = 'too_many_attempts';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
