import { issueTicket } from '../../core/tickets/tickets.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';
import { socketUrl } from '../socket-url.ts';

/**
 * POST /v1/stream/tickets → 201 {ticket, url, expires_in}: a one-time ticket for the streaming socket, bound to the
 * caller, valid TICKET_TTL_SECONDS (60 by default; docs/streaming.md).
 */
export const handler = userRoute(async (event, deps, userId) => {
  const url = socketUrl(event, deps.config.STREAM_PUBLIC_URL, '/v1/stream');
  return json(201, await issueTicket(deps.tickets, userId, 'stream', url, deps.config.TICKET_TTL_SECONDS));
});
