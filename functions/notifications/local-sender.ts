/**
 * The notification sender in-process (the local stack): long-polls the notifications queue and dispatches each
 * message, and once a second sweeps the deliveries table for retries that are due. Deliveries live in Postgres, so
 * a retry pending when the stack stops is sent after it starts again. stop() waits for attempts in flight.
 */
import { deliverDue, pruneDeliveries } from '../core/webhooks/deliver.ts';
import { dispatch, type DispatchDeps } from '../core/notifications/dispatch.ts';
import { parseNotification } from '../core/notifications/message.ts';
import type { MessageSource } from '../ports/queue.ts';
import { getLogger } from '../shared/logger.ts';

const log = getLogger('notifications');

export interface LocalSender {
  stop(): Promise<void>;
}

export function startLocalSender(
  deps: DispatchDeps,
  source: MessageSource,
  options: { waitSeconds?: number; sweepMs?: number } = {},
): LocalSender {
  const abort = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };
  const handle = (messages: Awaited<ReturnType<MessageSource['receive']>>) => {
    for (const message of messages)
      void track(
        (async () => {
          const n = parseNotification(message.body);
          if (!n) log.warn('notification dropped: not a valid message', { id: message.id });
          else await dispatch(deps, n);
          await source.ack(message);
        })().catch((error) =>
          // Left on the queue: it comes back after its visibility timeout (the dead-letter queue after a few).
          log.error('notification failed', { id: message.id, error: (error as Error).message }),
        ),
      );
  };
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const messages = await source
        .receive(10, options.waitSeconds ?? 1, abort.signal)
        .catch(async (error) => {
          if (!abort.signal.aborted) {
            log.warn('notifications receive failed', { error: (error as Error).message });
            await new Promise((r) => setTimeout(r, 1000));
          }
          return [];
        });
      handle(messages);
    }
  })();
  const prune = () =>
    void pruneDeliveries(deps).catch((error) =>
      log.warn('delivery log prune failed', { error: (error as Error).message }),
    );
  prune();
  const pruner = setInterval(prune, 3600_000).unref();
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping || abort.signal.aborted) return;
    sweeping = true;
    void track(deliverDue(deps))
      .catch((error) => log.warn('delivery sweep failed', { error: (error as Error).message }))
      .finally(() => (sweeping = false));
  }, options.sweepMs ?? 1000);
  return {
    async stop() {
      clearInterval(sweep);
      clearInterval(pruner);
      abort.abort();
      await loop;
      // What arrived while stopping (the worker's last words as it drains) is still handled.
      for (let i = 0; i < 10; i++) {
        const rest = await source.receive(10, 0).catch(() => []);
        if (!rest.length) break;
        handle(rest);
      }
      await Promise.allSettled([...inFlight]);
    },
  };
}
