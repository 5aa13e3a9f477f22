import { isClientCode } from './error-table.ts';

/**
 * Base of every error RealTone raises on purpose. Each module has its own `errors.ts` with subclasses that fix
 * `code`: a stable, machine-readable value that clients, the worker and the CLI share. An error carries no
 * transport status: each edge maps the code through the one table in error-table.ts (HTTP status, gRPC status,
 * WebSocket close code). `expose` says whether the message may be shown to a caller: only client errors' are.
 */
export abstract class RealToneError extends Error {
  abstract readonly code: string;
  /** Client errors carry a message meant for the caller; server errors are shown as a generic message. */
  get expose(): boolean {
    return isClientCode(this.code);
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** A configuration value is missing or malformed: raised once at start-up, never at request time. */
export class ConfigError extends RealToneError {
  readonly code = 'config_invalid';
}

/** Input from outside (HTTP body, query, header) failed validation. */
export class ValidationError extends RealToneError {
  readonly code: string;
  readonly details: unknown;
  constructor(message: string, options: { code?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? 'invalid_request';
    this.details = options.details;
  }
}

/** The resource does not exist, or belongs to somebody else: the two are indistinguishable on purpose. */
export class NotFoundError extends RealToneError {
  readonly code = 'not_found';
}

export function isRealToneError(error: unknown): error is RealToneError {
  return error instanceof RealToneError;
}
