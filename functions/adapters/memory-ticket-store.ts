import type { TicketGrant, TicketStore } from '../ports/tickets.ts';

/** In-process tickets for the local stack without Redis: the API and the stream server share the process. */
export class MemoryTicketStore implements TicketStore {
  private readonly entries = new Map<string, { grant: TicketGrant; expires: number }>();

  async put(key: string, grant: TicketGrant, ttlSeconds: number): Promise<void> {
    const now = Date.now();
    // Expired entries are swept on write, so an idle map never grows without bound.
    for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
    this.entries.set(key, { grant: { ...grant }, expires: now + ttlSeconds * 1000 });
  }

  async take(key: string): Promise<TicketGrant | undefined> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry && entry.expires > Date.now() ? entry.grant : undefined;
  }
}
