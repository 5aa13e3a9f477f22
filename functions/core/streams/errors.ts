import { RealToneError } from '../../shared/errors.ts';

/** A protocol violation by the client: a bad start message, a frame out of place, an unknown message. */
export class StreamProtocolError extends RealToneError {
  readonly code: 'bad_start' | 'bad_message' | 'frame_too_large';
  constructor(code: StreamProtocolError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A configured limit ended the session: idle too long, or too many sessions for this user or server. */
export class StreamLimitError extends RealToneError {
  readonly code: 'idle_timeout' | 'too_many_sessions';
  constructor(code: StreamLimitError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** The server is stopping: sessions end with what they have (summary), then close. */
export class ShuttingDownError extends RealToneError {
  readonly code = 'shutting_down';
}
