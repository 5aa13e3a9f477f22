/**
 * One inference queue per process, shared by every file job, stream and RPC that uses the same model: windows from
 * many callers are batched together (up to `maxBatch`), so a hundred streams that each send one window a second cost
 * a few batched runs a second instead of a hundred single ones.
 *
 * Dispatch: when the model is idle, a batch runs as soon as `maxBatch` windows wait, or `maxWaitMs` after the first
 * one arrived; while a batch runs, windows accumulate and the next batch starts the moment it ends. Batches are
 * filled round-robin over groups (users), and within a group over callers: a long file cannot starve a stream,
 * nor a stream another, and a user running many jobs at once gets one share of the model, as does a user running
 * one. A caller that names no group is a group of its own.
 * As many batches run at once as the detector can score at once (`Detector.concurrency`: one for a single
 * onnxruntime session, which already spreads a run over its threads; one per thread for a DetectorPool). When
 * several runners are free, the waiting windows are shared evenly among them.
 */
import type { Detector } from '../../ports/detector.ts';
import { CancelledError } from './errors.ts';

export interface InferenceQueueOptions {
  /** Most windows per model run (default: the manifest's batch_size). */
  maxBatch?: number;
  /** Longest a window waits for others to share its batch when the model is idle, in ms (default 5). */
  maxWaitMs?: number;
  /** Told after each model run: how many windows it scored and how long it took (metrics). */
  onBatch?: (windows: number, ms: number) => void;
}

interface Pending {
  input: Float32Array;
  enqueuedAt: number;
  resolve: (score: number) => void;
  reject: (error: unknown) => void;
}

export interface QueueStats {
  batches: number;
  windows: number;
  /** Time spent running batches, ms, summed over batches (so up to `concurrency` × the wall time). */
  busyMs: number;
}

export class InferenceQueue {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly stats: QueueStats = { batches: 0, windows: 0, busyMs: 0 };
  /**
   * Per-group, per-caller FIFO queues: groups in round-robin order, and inside each group its callers in
   * round-robin order (each in the order it first queued).
   */
  private readonly groups = new Map<unknown, Map<object, Pending[]>>();
  /** The group of each caller with windows waiting. */
  private readonly groupOf = new Map<object, unknown>();
  private queued = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batch buffers not in use (one per batch in flight, allocated on demand). */
  private readonly buffers: Float32Array[] = [];
  private readonly window: number;
  private idleWaiters: (() => void)[] = [];
  private readonly onBatch: InferenceQueueOptions['onBatch'];
  /** True while the detector is still loading: windows wait, so that batches are formed once it can run them. */
  private loading: boolean;

  constructor(
    readonly detector: Detector,
    options: InferenceQueueOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? detector.manifest.batch_size);
    this.maxWaitMs = Math.max(0, options.maxWaitMs ?? 5);
    this.onBatch = options.onBatch;
    this.window = detector.manifest.input.shape[1];
    this.loading = detector.ready !== undefined;
    // One turn of the event loop first: a model loaded in this thread blocked it, and audio that arrived meanwhile
    // is still in its queue; its windows belong in the first batch.
    const loaded = () =>
      setImmediate(() => {
        this.loading = false;
        this.schedule();
      });
    // A detector that fails to load still gets its batches, so that every window is rejected with its error.
    detector.ready?.then(loaded, loaded);
  }

  /** Batches that may run at once. */
  get concurrency(): number {
    return Math.max(1, this.detector.concurrency ?? 1);
  }

  get manifest() {
    return this.detector.manifest;
  }

  /** Windows waiting (not counting the batch that runs). */
  get depth(): number {
    return this.queued;
  }

  private queueOf(owner: object): Pending[] | undefined {
    return this.groups.get(this.groupOf.get(owner))?.get(owner);
  }

  queuedFor(owner: object): number {
    return this.queueOf(owner)?.length ?? 0;
  }

  /** How long the oldest waiting window has waited, in ms (0 when none waits); of one caller's when given. */
  oldestWaitMs(now = performance.now(), owner?: object): number {
    let oldest = Infinity;
    const queues = owner
      ? [this.queueOf(owner) ?? []]
      : [...this.groups.values()].flatMap((o) => [...o.values()]);
    for (const q of queues) if (q.length) oldest = Math.min(oldest, q[0]!.enqueuedAt);
    return oldest === Infinity ? 0 : now - oldest;
  }

  /**
   * Queues one normalised window (window_samples floats) for `owner`; resolves to P(synthetic). `group` (a user id)
   * shares one round-robin turn among all of a user's callers.
   */
  submit(owner: object, input: Float32Array, group: unknown = owner): Promise<number> {
    if (input.length !== this.window)
      return Promise.reject(new RangeError(`a window holds ${this.window} samples, got ${input.length}`));
    return new Promise<number>((resolve, reject) => {
      let q = this.queueOf(owner);
      if (!q) {
        this.groupOf.set(owner, group);
        let owners = this.groups.get(group);
        if (!owners) this.groups.set(group, (owners = new Map()));
        owners.set(owner, (q = []));
      }
      q.push({ input, enqueuedAt: performance.now(), resolve, reject });
      this.queued++;
      this.schedule();
    });
  }

  /**
   * Withdraws every window `owner` still has waiting; their promises reject with CancelledError. A batch already
   * running finishes, and its results for `owner` are delivered (callers that left ignore them). Returns how many
   * windows were withdrawn.
   */
  cancel(owner: object): number {
    const group = this.groupOf.get(owner);
    const owners = this.groups.get(group);
    const q = owners?.get(owner);
    if (!owners || !q) return 0;
    this.groupOf.delete(owner);
    owners.delete(owner);
    if (!owners.size) this.groups.delete(group);
    this.queued -= q.length;
    const error = new CancelledError('the caller withdrew its windows');
    for (const p of q) p.reject(error);
    if (!this.queued) {
      this.clearTimer();
      this.wakeIfIdle();
    }
    return q.length;
  }

  /** Resolves when nothing waits and no batch runs (drain, tests). */
  idle(): Promise<void> {
    if (!this.queued && !this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIfIdle(): void {
    if (!this.queued && !this.inFlight) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.loading || this.inFlight >= this.concurrency || !this.queued) return;
    if (this.queued >= this.maxBatch || this.maxWaitMs === 0) {
      this.clearTimer();
      this.dispatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.dispatch();
      }, this.maxWaitMs);
    }
  }

  /**
   * Starts batches on the free runners. What waits is shared among all runners, busy ones included (each batch at
   * most maxBatch), so that a runner that frees up soon finds work left: 15 windows on two runners go 8 + 7, not
   * 15 on the first one free.
   */
  private dispatch(): void {
    const free = this.concurrency - this.inFlight;
    if (!this.queued) return this.wakeIfIdle(); // withdrawn while the dispatch waited for its turn
    if (this.loading || free <= 0) return;
    const runners = Math.min(free, this.queued);
    const size = Math.min(this.maxBatch, Math.ceil(this.queued / this.concurrency));
    for (let i = 0; i < runners && this.queued; i++) void this.runBatch(size);
  }

  /**
   * Takes up to maxBatch windows, one per group in turn and, inside a group, from its callers in turn; served
   * groups and callers move to the back of their order, so the next batch starts with the next ones.
   */
  private take(size: number): Pending[] {
    const taken: Pending[] = [];
    while (taken.length < size && this.queued) {
      for (const [group, owners] of this.groups) {
        if (taken.length >= size) break;
        const [owner, q] = owners.entries().next().value!;
        taken.push(q.shift()!);
        this.queued--;
        owners.delete(owner); // re-inserted at the end of its group, which goes to the end of the groups
        if (q.length) owners.set(owner, q);
        else this.groupOf.delete(owner);
        this.groups.delete(group);
        if (owners.size) this.groups.set(group, owners);
      }
    }
    return taken;
  }

  private async runBatch(size: number): Promise<void> {
    const taken = this.take(size);
    this.inFlight++;
    const batch = this.buffers.pop() ?? new Float32Array(this.maxBatch * this.window);
    taken.forEach((p, i) => batch.set(p.input, i * this.window));
    const started = performance.now();
    try {
      const scores = await this.detector.score(batch, taken.length);
      taken.forEach((p, i) => p.resolve(scores[i]!));
    } catch (error) {
      for (const p of taken) p.reject(error);
    } finally {
      this.stats.batches++;
      this.stats.windows += taken.length;
      const ms = performance.now() - started;
      this.stats.busyMs += ms;
      this.onBatch?.(taken.length, ms);
      this.buffers.push(batch);
      this.inFlight--;
      if (this.queued) {
        // Everything that arrived during the run goes now: it has waited a whole batch already. After one turn of
        // the event loop, though: a run in this thread blocks it, and the windows whose audio arrived meanwhile
        // are still in its queue; without the turn they would follow in a batch of their own.
        this.clearTimer();
        setImmediate(() => this.dispatch());
      } else this.wakeIfIdle();
    }
  }
}
