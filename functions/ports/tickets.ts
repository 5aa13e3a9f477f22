/**
 * One-time tickets for WebSocket connections. A browser cannot set headers on a WebSocket and a JWT must never
 * appear in a URL, so a client trades its JWT for a short-lived ticket (POST /v1/stream/tickets or
 * /v1/events/tickets) and puts the ticket in the socket's URL. Redis in AWS (the API Lambda writes, the stream
 * service or the $connect route takes); an in-process map locally.
 */
export type TicketPurpose = 'stream' | 'events';

export interface TicketGrant {
  userId: string;
  purpose: TicketPurpose;
}

export interface TicketStore {
  /** Stores a grant under an opaque key (a hash of the ticket) for `ttlSeconds`. */
  put(key: string, grant: TicketGrant, ttlSeconds: number): Promise<void>;
  /** Returns and deletes the grant atomically: a ticket can be taken once. Undefined when absent or expired. */
  take(key: string): Promise<TicketGrant | undefined>;
}
