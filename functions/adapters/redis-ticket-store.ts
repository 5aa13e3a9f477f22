import * as z from 'zod';
import type { TicketGrant, TicketStore } from '../ports/tickets.ts';
import type { RedisConnection } from './redis-connection.ts';

const grantSchema = z.object({ userId: z.string().uuid(), purpose: z.enum(['stream', 'events']) }).strict();

/**
 * `{prefix}ticket:{hash}` → grant JSON, with the ticket's TTL. GETDEL makes taking atomic, so two connections racing
 * with one ticket cannot both get it (Redis ≥ 6.2; ElastiCache Valkey has it).
 */
export class RedisTicketStore implements TicketStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async put(key: string, grant: TicketGrant, ttlSeconds: number): Promise<void> {
    await this.redis.run((c) =>
      c.set(`${this.prefix}ticket:${key}`, JSON.stringify(grant), { EX: ttlSeconds }),
    );
  }

  async take(key: string): Promise<TicketGrant | undefined> {
    const raw = await this.redis.run((c) => c.getDel(`${this.prefix}ticket:${key}`));
    if (raw === null) return undefined;
    const parsed = grantSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }
}
