/**
 * WebSocket tickets: issued to an authenticated user for one purpose, valid once and for `ttlSeconds`. The store
 * keeps only a SHA-256 of the ticket, so whoever reads Redis cannot connect as anybody.
 */
import { createHash, randomBytes } from 'node:crypto';
import { RealToneError } from '../../shared/errors.ts';
import type { TicketPurpose, TicketStore } from '../../ports/tickets.ts';

export const TICKET_TTL_SECONDS = 60;
const TICKET = /^[A-Za-z0-9_-]{43}$/;

/** A ticket that is malformed, unknown, expired, already used or for another purpose. */
export class InvalidTicketError extends RealToneError {
  readonly code = 'invalid_ticket';
}

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');

export interface IssuedTicket {
  ticket: string;
  url: string;
  expires_in: number;
}

/** Issues a ticket for `userId`; `socketUrl` is the socket's address without the query string. */
export async function issueTicket(
  store: TicketStore,
  userId: string,
  purpose: TicketPurpose,
  socketUrl: string,
  ttlSeconds = TICKET_TTL_SECONDS,
): Promise<IssuedTicket> {
  const ticket = randomBytes(32).toString('base64url');
  await store.put(hash(ticket), { userId, purpose }, ttlSeconds);
  return { ticket, url: `${socketUrl}?ticket=${ticket}`, expires_in: ttlSeconds };
}

/** Takes a ticket (it cannot be used again) and returns its user; InvalidTicketError otherwise. */
export async function redeemTicket(
  store: TicketStore,
  ticket: string | undefined,
  purpose: TicketPurpose,
): Promise<string> {
  if (!ticket || !TICKET.test(ticket)) throw new InvalidTicketError('the ticket is missing or malformed');
  const grant = await store.take(hash(ticket));
  if (!grant) throw new InvalidTicketError('the ticket is unknown, expired or already used');
  if (grant.purpose !== purpose) throw new InvalidTicketError(`the ticket is not for ${purpose}`);
  return grant.userId;
}
