/**
 * Fair scheduling of the jobs queue, per worker. SQS hands messages out roughly in arrival order, so a user's
 * 100-file batch would sit in front of another user's single upload. This MessageSource wraps the queue and:
 *
 * - **looks ahead**: a pull loop keeps receiving while the worker is busy, holding at most `perOwner` messages per
 *   user (their visibility is extended while held);
 * - **defers a user's excess**: a message of a user who already has `perOwner` messages held is sent back to the
 *   end of the queue with a delay (re-sent, so its receive count does not grow towards the dead-letter queue).
 *   A user's deferred messages are spaced half a job time apart (over the slots), after the last one already
 *   deferred: they come back as a steady stream, a little faster than this worker runs jobs, so no slot waits;
 * - **picks fairly**: each of the worker's loops is handed the held message whose user has the fewest jobs
 *   running here, oldest first;
 * - **keeps a slot for newcomers**: `slots` jobs run at once, plus one more for a user who has none running, so
 *   another user's upload starts at once even while a batch fills every regular slot.
 *
 * Inside a job, the shared inference queue then gives each user one turn of the model (inference-queue.ts).
 * Fairness is per worker process; several workers each apply it to the messages they hold.
 */
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import { getLogger } from '../shared/logger.ts';

/** Sends a message to the back of the queue, visible again after `seconds`, as a fresh message. */
export interface MessageDeferral {
  defer(message: QueueMessage, seconds: number): Promise<void>;
}

export interface FairSourceOptions {
  inner: MessageSource & MessageDeferral;
  /** Whose message it is (a user id); '' for messages that are nobody's (test events, malformed bodies). */
  ownerOf: (message: QueueMessage) => string;
  /** Regular job slots (WORKER_CONCURRENCY); one more is kept for users with nothing running. */
  slots: number;
  /** Messages held per user (default 2). */
  perOwner?: number;
  /** Messages held in all (default 64). */
  maxHeld?: number;
  /** Long-poll wait of the pull loop, seconds. */
  waitSeconds: number;
  /** Visibility held messages are kept at, seconds (the queue's visibility timeout or the job lease). */
  holdSeconds: number;
  /** Called once per message when it is first held (e.g. to mark its job queued). */
  onArrival?: (message: QueueMessage) => void;
  /** Longest deferral, seconds (default 900, SQS's maximum). */
  maxDeferSeconds?: number;
}

interface Held {
  message: QueueMessage;
  owner: string;
  heldAt: number;
  extendedAt: number;
}

const log = getLogger('fair-source');

export class FairMessageSource implements MessageSource {
  private readonly held: Held[] = [];
  private readonly heldBy = new Map<string, number>();
  private readonly running = new Map<string, number>();
  private readonly started = new Map<QueueMessage, { owner: string; at: number }>();
  /** Per user, when the latest of their deferred messages comes back (ms). */
  private readonly lastDue = new Map<string, number>();
  private readonly waiters: (() => void)[] = [];
  private readonly signals = new WeakSet<AbortSignal>();
  private readonly pulling = new AbortController();
  private pullLoop: Promise<void> | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Moving average of a job's duration here, seconds (spaces deferrals). */
  private jobSeconds = 2;
  readonly stats = { received: 0, deferred: 0, handedOut: 0, reserveUsed: 0 };

  constructor(private readonly options: FairSourceOptions) {}

  private get perOwner() {
    return this.options.perOwner ?? 2;
  }

  private get runningTotal() {
    let n = 0;
    for (const v of this.running.values()) n += v;
    return n;
  }

  /** Hands out one message when one may start now; waits up to `waitSeconds` (or until `signal`) otherwise. */
  async receive(_max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueueMessage[]> {
    if (signal?.aborted || this.stopped) return [];
    if (signal && !this.signals.has(signal)) {
      this.signals.add(signal);
      signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
    this.startPulling();
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const next = this.pick();
      if (next) return [next];
      const left = deadline - Date.now();
      if (left <= 0 || this.stopped || signal?.aborted) return [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async ack(message: QueueMessage): Promise<void> {
    this.settle(message);
    await this.options.inner.ack(message);
  }

  async retry(message: QueueMessage, seconds: number): Promise<void> {
    this.settle(message);
    await this.options.inner.retry(message, seconds);
  }

  extend(message: QueueMessage, seconds: number): Promise<void> {
    return this.options.inner.extend(message, seconds);
  }

  /** Stops looking ahead and gives every held message back to the queue (drain). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.pulling.abort();
    clearInterval(this.holdTimer);
    this.wake();
    await this.pullLoop;
    const returned = this.held.splice(0);
    this.heldBy.clear();
    await Promise.allSettled(returned.map((h) => this.options.inner.retry(h.message, 0)));
  }

  /** The held message whose user runs the fewest jobs here (oldest first), if a slot may take it. */
  private pick(): QueueMessage | undefined {
    let best = -1;
    let bestRunning = Infinity;
    for (let i = 0; i < this.held.length; i++) {
      const n = this.running.get(this.held[i]!.owner) ?? 0;
      if (n < bestRunning) {
        best = i;
        bestRunning = n;
      }
    }
    if (best < 0) return undefined;
    const total = this.runningTotal;
    // The regular slots go to whoever is first in line; the extra one only to a user with nothing running.
    if (total >= this.options.slots + 1 || (total >= this.options.slots && bestRunning > 0)) return undefined;
    if (total >= this.options.slots) this.stats.reserveUsed++;
    const [h] = this.held.splice(best, 1);
    this.heldBy.set(h!.owner, (this.heldBy.get(h!.owner) ?? 1) - 1);
    this.running.set(h!.owner, bestRunning + 1);
    this.started.set(h!.message, { owner: h!.owner, at: Date.now() });
    this.stats.handedOut++;
    this.wake(); // the pull loop may hold one more of this user's messages now
    return h!.message;
  }

  private settle(message: QueueMessage): void {
    const start = this.started.get(message);
    if (!start) return;
    this.started.delete(message);
    const n = (this.running.get(start.owner) ?? 1) - 1;
    if (n > 0) this.running.set(start.owner, n);
    else this.running.delete(start.owner);
    this.jobSeconds = 0.8 * this.jobSeconds + 0.2 * ((Date.now() - start.at) / 1000);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private startPulling(): void {
    if (this.pullLoop || this.stopped) return;
    this.pullLoop = this.pull();
    this.holdTimer = setInterval(
      () => this.keepHeld(),
      Math.max(1000, (this.options.holdSeconds * 1000) / 3),
    );
    this.holdTimer.unref();
  }

  private async pull(): Promise<void> {
    const { inner, waitSeconds } = this.options;
    while (!this.stopped) {
      if (this.held.length >= (this.options.maxHeld ?? 64)) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      let messages: QueueMessage[];
      try {
        messages = await inner.receive(10, waitSeconds, this.pulling.signal);
      } catch (error) {
        if (this.stopped) break;
        log.error('receive failed; retrying in 1 s', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const message of messages) await this.arrive(message);
    }
  }

  private async arrive(message: QueueMessage): Promise<void> {
    this.stats.received++;
    const owner = this.options.ownerOf(message);
    const holding = this.heldBy.get(owner) ?? 0;
    if (this.stopped) {
      await this.options.inner.retry(message, 0).catch(() => undefined);
      return;
    }
    if (owner && holding >= this.perOwner) {
      const seconds = this.deferral(owner);
      this.stats.deferred++;
      await this.options.inner.defer(message, seconds).catch((error: unknown) =>
        log.warn('message not deferred; it comes back after its visibility timeout', {
          messageId: message.id,
          error: (error as Error).message,
        }),
      );
      return;
    }
    const now = Date.now();
    this.held.push({ message, owner, heldAt: now, extendedAt: now });
    this.heldBy.set(owner, holding + 1);
    this.options.onArrival?.(message);
    this.wake();
  }

  /**
   * How long to defer one more of `owner`'s messages: half a job time (over the slots) after the
   * latest of their messages already deferred, so a long batch comes back as a steady stream a little faster than
   * the worker takes it (early ones are deferred again), and no slot waits for a message still sleeping in the queue.
   */
  private deferral(owner: string): number {
    const now = Date.now();
    const spacing = (0.5 * this.jobSeconds * 1000) / Math.max(1, this.options.slots);
    const due = Math.max(now, this.lastDue.get(owner) ?? now) + spacing;
    const seconds = Math.min(this.options.maxDeferSeconds ?? 900, Math.max(1, Math.ceil((due - now) / 1000)));
    this.lastDue.set(owner, Math.min(due, now + seconds * 1000));
    return seconds;
  }

  /** Keeps held messages invisible while they wait for a slot. */
  private keepHeld(): void {
    const now = Date.now();
    for (const [owner, due] of this.lastDue) if (due <= now) this.lastDue.delete(owner);
    const every = (this.options.holdSeconds * 1000) / 3;
    for (const h of this.held) {
      if (now - h.extendedAt < every) continue;
      h.extendedAt = now;
      void this.options.inner.extend(h.message, this.options.holdSeconds).catch((error: unknown) =>
        log.warn('held message visibility not extended', {
          messageId: h.message.id,
          error: (error as Error).message,
        }),
      );
    }
  }
}
