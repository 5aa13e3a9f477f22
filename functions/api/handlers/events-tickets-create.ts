import { issueTicket } from '../../core/tickets/tickets.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { socketUrl } from '../socket-url.ts';
import { keyValue } from '../deps/key-value.ts';

/**
 * POST /v1/events/tickets → 201 {ticket, url, expires_in}: a one-time ticket for the events socket, bound to the
 * caller (docs/webhooks.md).
 */
export const handler = userRoute(
  (c) => ({ config: c, tickets: keyValue(c).tickets }),
  async (event, { config, tickets }, userId) => {
    const url = socketUrl(event, config.EVENTS_PUBLIC_URL, '/v1/events');
    return json(201, await issueTicket(tickets, userId, 'events', url, config.TICKET_TTL_SECONDS));
  },
);
