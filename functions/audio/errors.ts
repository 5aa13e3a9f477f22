import { RealToneError } from '../shared/errors.ts';

/**
 * The audio vocabulary shared by the API (upload request), the worker (job `failed`) and the CLI. Codes are stable:
 * clients match on them.
 */
export const AUDIO_ERROR_CODES = [
  'unsupported_format',
  'corrupt_audio',
  'empty_audio',
  'too_short',
  'too_long',
  'too_large',
] as const;
export type AudioErrorCode = (typeof AUDIO_ERROR_CODES)[number];

export class AudioError extends RealToneError {
  readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export const unsupported = (message: string, cause?: unknown) =>
  new AudioError('unsupported_format', message, { cause });
export const corrupt = (message: string, cause?: unknown) =>
  new AudioError('corrupt_audio', message, { cause });
