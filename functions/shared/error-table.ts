/**
 * The one table from an error code to what each edge answers: the HTTP status (API), the gRPC status (the gRPC
 * services) and the WebSocket close code (streams). Errors themselves carry only a code (shared/errors.ts); edges
 * look the code up here. A code missing from the table is an internal error everywhere.
 *
 * gRPC statuses are the standard numeric codes (grpc/doc/statuscodes.md), written out so that this module, which
 * every Lambda bundles, does not load a gRPC library.
 */

/** Standard gRPC status codes (the numbers are the wire contract). */
export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * WebSocket close codes of the streaming protocol (docs/streaming.md). Clients act on these: 1008 means "get a new
 * ticket", 1013 "try again later", 1001 "the server is going away", 1003 "fix what you send".
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

export interface TransportCodes {
  http: number;
  grpc: number;
  ws: number;
}

const row = (http: number, grpc: number, ws: number): TransportCodes => ({ http, grpc, ws });
const { INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL } = GRPC;
const W = WS_CLOSE;

/** Every code RealTone raises on purpose (docs/api.md, docs/streaming.md, docs/grpc.md list them). */
export const ERROR_TABLE: Readonly<Record<string, TransportCodes>> = {
  // Requests that fail validation
  invalid_request: row(400, INVALID_ARGUMENT, W.unsupportedData),
  invalid_json: row(400, INVALID_ARGUMENT, W.unsupportedData),
  unsupported_media_type: row(415, INVALID_ARGUMENT, W.unsupportedData),
  invalid_cursor: row(400, INVALID_ARGUMENT, W.unsupportedData),
  unknown_extractor: row(400, INVALID_ARGUMENT, W.unsupportedData),
  invalid_idempotency_key: row(400, INVALID_ARGUMENT, W.unsupportedData),
  idempotency_key_reused: row(422, GRPC.FAILED_PRECONDITION, W.unsupportedData),
  idempotency_in_progress: row(409, GRPC.ABORTED, W.tryAgainLater),
  // Audio (the vocabulary of uploads, jobs, streams and the CLI)
  unsupported_format: row(415, INVALID_ARGUMENT, W.unsupportedData),
  corrupt_audio: row(422, INVALID_ARGUMENT, W.unsupportedData),
  empty_audio: row(422, INVALID_ARGUMENT, W.unsupportedData),
  too_short: row(422, INVALID_ARGUMENT, W.unsupportedData),
  too_long: row(422, INVALID_ARGUMENT, W.policy),
  too_large: row(413, INVALID_ARGUMENT, W.tooBig),
  // Resources
  not_found: row(404, NOT_FOUND, W.policy),
  job_gone: row(404, NOT_FOUND, W.internal),
  upload_mismatch: row(422, GRPC.FAILED_PRECONDITION, W.unsupportedData),
  email_taken: row(409, GRPC.ALREADY_EXISTS, W.policy),
  invalid_query: row(400, INVALID_ARGUMENT, W.unsupportedData),
  webhook_url_forbidden: row(400, INVALID_ARGUMENT, W.unsupportedData),
  webhook_url_unresolvable: row(400, INVALID_ARGUMENT, W.unsupportedData),
  webhook_limit_reached: row(409, RESOURCE_EXHAUSTED, W.policy),
  // Identity and permission
  invalid_credentials: row(401, UNAUTHENTICATED, W.policy),
  unauthorized: row(401, UNAUTHENTICATED, W.policy),
  invalid_ticket: row(401, UNAUTHENTICATED, W.policy),
  permission_denied: row(403, GRPC.PERMISSION_DENIED, W.policy),
  // Limits and load
  too_many_attempts: row(429, RESOURCE_EXHAUSTED, W.tryAgainLater),
  too_many_pending_jobs: row(429, RESOURCE_EXHAUSTED, W.tryAgainLater),
  too_many_sessions: row(429, RESOURCE_EXHAUSTED, W.tryAgainLater),
  idle_timeout: row(408, GRPC.DEADLINE_EXCEEDED, W.policy),
  deadline_exceeded: row(504, GRPC.DEADLINE_EXCEEDED, W.internal),
  overloaded: row(503, UNAVAILABLE, W.tryAgainLater),
  shutting_down: row(503, UNAVAILABLE, W.goingAway),
  cache_unavailable: row(503, UNAVAILABLE, W.tryAgainLater),
  database_unavailable: row(503, UNAVAILABLE, W.tryAgainLater),
  storage_full: row(507, RESOURCE_EXHAUSTED, W.tryAgainLater),
  cancelled: row(499, GRPC.CANCELLED, W.goingAway),
  // Streaming protocol
  bad_start: row(400, INVALID_ARGUMENT, W.unsupportedData),
  bad_message: row(400, INVALID_ARGUMENT, W.unsupportedData),
  frame_too_large: row(413, INVALID_ARGUMENT, W.tooBig),
  // Server faults: the message is never shown to the caller
  config_invalid: row(500, INTERNAL, W.internal),
  model_manifest_invalid: row(500, INTERNAL, W.internal),
  model_mismatch: row(500, INTERNAL, W.internal),
  inference_failed: row(500, INTERNAL, W.internal),
  attempts_exhausted: row(500, INTERNAL, W.internal),
  internal_error: row(500, INTERNAL, W.internal),
  // A stored secret sealed under a key this process lacks, or altered (shared/secret-box.ts).
  secret_unreadable: row(500, INTERNAL, W.internal),
};

const INTERNAL_ROW = ERROR_TABLE.internal_error!;

/** The edges' codes for an error code; anything not in the table is an internal error. */
export function transportFor(code: string): TransportCodes {
  return Object.hasOwn(ERROR_TABLE, code) ? ERROR_TABLE[code]! : INTERNAL_ROW;
}

export const httpStatusFor = (code: string): number => transportFor(code).http;
export const grpcStatusFor = (code: string): number => transportFor(code).grpc;
export const closeCodeFor = (code: string): number => transportFor(code).ws;

/** Client errors carry a message meant for the caller; server errors (5xx) are shown as a generic message. */
export const isClientCode = (code: string): boolean => httpStatusFor(code) < 500;
