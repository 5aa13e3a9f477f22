/**
 * WebSocket close codes of the streaming protocol (docs/streaming.md), by error code. Clients act on these: 1008
 * means "get a new ticket", 1013 "try again later", 1001 "the server is going away", 1003 "fix what you send".
 */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
} as const;

const BY_CODE: Record<string, number> = {
  invalid_ticket: WS_CLOSE.policy,
  unauthorized: WS_CLOSE.policy,
  idle_timeout: WS_CLOSE.policy,
  too_long: WS_CLOSE.policy,
  bad_start: WS_CLOSE.unsupportedData,
  bad_message: WS_CLOSE.unsupportedData,
  corrupt_audio: WS_CLOSE.unsupportedData,
  frame_too_large: WS_CLOSE.tooBig,
  overloaded: WS_CLOSE.tryAgainLater,
  too_many_sessions: WS_CLOSE.tryAgainLater,
  shutting_down: WS_CLOSE.goingAway,
};

/** The close code for an error code; anything unexpected is an internal error (1011). */
export function closeCodeFor(code: string): number {
  return BY_CODE[code] ?? WS_CLOSE.internal;
}
