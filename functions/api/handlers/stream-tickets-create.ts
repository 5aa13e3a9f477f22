import { issueTicket } from '../../core/tickets/tickets.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { socketUrl } from '../socket-url.ts';
import { keyValue } from '../deps/key-value.ts';

/**
 * POST /v1/stream/tickets → 201 {ticket, url, expires_in}: a one-time ticket for the streaming socket, bound to the
 * caller, valid TICKET_TTL_SECONDS (60 by default; docs/streaming.md).
 */
export const handler = userRoute(
  (c) => ({ config: c, tickets: keyValue(c).tickets }),
  async (event, { config, tickets }, userId) => {
    const url = socketUrl(event, config.STREAM_PUBLIC_URL, '/v1/stream');
    return json(201, await issueTicket(tickets, userId, 'stream', url, config.TICKET_TTL_SECONDS));
  },
);
