import { issueTicket } from '../../core/tickets/tickets.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';
import { socketUrl } from '../socket-url.ts';

/**
 * POST /v1/events/tickets → 201 {ticket, url, expires_in}: a one-time ticket for the events socket, bound to the
 * caller (docs/webhooks.md).
 */
export const handler = userRoute(async (event, deps, userId) => {
  const url = socketUrl(event, deps.config.EVENTS_PUBLIC_URL, '/v1/events');
  return json(201, await issueTicket(deps.tickets, userId, 'events', url, deps.config.TICKET_TTL_SECONDS));
});
