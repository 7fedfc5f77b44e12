import { AsyncLocalStorage } from 'node:async_hooks';
import type { SimClock } from './contract';

/** A timer on the event clock; `cancel` is what the patched aws-local-stepfunctions calls to clear it. */
export interface EventTimer {
  cancel(): void;
}

interface Pending {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * One `during`: it holds the clock while its work runs and no sleep started within it (its own work's, or any work's
 * nested in it) is under way. A Task's handler holds the clock, and each AWS call it makes holds it too: a call that
 * backs off releases itself and the handler, while a call running beside it keeps its own hold.
 */
interface Hold {
  parent: Hold | undefined;
  /** Sleeps under way within this hold's work (nested work's included). */
  sleepers: number;
  /** The work has settled: a sleep that outlives it no longer takes or gives back its hold. */
  done: boolean;
}

/**
 * Simulated time as a discrete-event simulation keeps it (docs/design.md "13.6"): the clock stands still while
 * anything it waits for runs (an AWS call in flight, our handlers' code between calls) and moves only when the
 * process is idle, to the next timer: a Step Functions Wait or Retry, an SDK backoff, a paced launch. So our own
 * code's real run time counts as no simulated time at all, as it is next to AWS's seconds, and a figure read on
 * this clock does not depend on the time scale or on how busy the machine is.
 *
 * `timeScale` only paces the steps (Infinity: at once): at ×60 a step of 30 simulated seconds is taken half a real
 * second after the process went idle, so a person watching a local build sees it move; it changes no simulated figure.
 * Time does not flow between steps, not even while idle: the Step Functions interpreter's own work between states
 * holds no call, and time read during it must be the time of the step it follows.
 *
 * What the clock waits for is what runs inside `during` (the local Step Functions puts each Task's handler there, the
 * local runtime's SDK clients each call, the bench each request it sends). A `sleep` inside `during` lets the clock
 * move while it sleeps (a throttled call's backoff, a paced launch): see `Hold`. Why our own: fake-timer libraries (@sinonjs/fake-timers,
 * jest's) replace the process's timers wholesale, which would stop the sockets the handlers talk to the cloud
 * over; this one owns only the timers handed to it, and moves on its own when the process goes idle.
 */
export class EventClock implements SimClock {
  readonly timeScale: number;
  private simMs: number;
  private busy = 0;
  /** Bumped whenever work starts: a wake-up planned before it is stale. */
  private generation = 0;
  private waking = false;
  private pacing: NodeJS.Timeout | undefined;
  private readonly timers: Pending[] = [];
  private seq = 0;
  private readonly holds = new AsyncLocalStorage<Hold>();

  constructor(timeScale = Number.POSITIVE_INFINITY, startMs = Date.now()) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number of simulated seconds per real second, got ${timeScale}`);
    this.timeScale = timeScale;
    this.simMs = startMs;
  }

  /** Simulated epoch ms: it moves only in steps, to a timer's time (or by `advance`), never while anything runs. */
  now(): number {
    return this.simMs;
  }

  /** Moves simulated time forward by hand (timers now due fire once the process is idle). */
  advance(simulatedSeconds: number): void {
    if (simulatedSeconds < 0) throw new Error('the simulated clock only moves forward');
    this.simMs += simulatedSeconds * 1000;
    this.schedule();
  }

  /** Calls `fire` once `ms` simulated milliseconds have passed (at once, on the next move, for ms ≤ 0). */
  setTimeout(fire: () => void, ms: number): EventTimer {
    const pending: Pending = { at: this.now() + Math.max(0, ms), seq: this.seq++, fire };
    const index = this.timers.findIndex((t) => t.at > pending.at);
    this.timers.splice(index === -1 ? this.timers.length : index, 0, pending);
    this.schedule();
    return {
      cancel: () => {
        const i = this.timers.indexOf(pending);
        if (i !== -1) this.timers.splice(i, 1);
      },
    };
  }

  /** Resolves after `ms` simulated milliseconds (at once when `signal` aborts); inside `during`, the clock may move meanwhile. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const released = this.releaseChain(this.holds.getStore());
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        this.retake(released);
        resolve();
      };
      const timer = this.setTimeout(wake, ms);
      const onAbort = () => {
        timer.cancel();
        wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `work` as something the clock waits for: simulated time stands still until it settles (but for its sleeps). */
  async during<T>(work: () => Promise<T>): Promise<T> {
    const hold: Hold = { parent: this.holds.getStore(), sleepers: 0, done: false };
    this.hold();
    try {
      return await this.holds.run(hold, work);
    } finally {
      hold.done = true;
      if (hold.sleepers === 0) this.release();
    }
  }

  /** A sleep starts within `hold`: it and every hold it is nested in stop holding the clock (those not done). */
  private releaseChain(hold: Hold | undefined): Hold[] {
    const released: Hold[] = [];
    for (let h = hold; h; h = h.parent) {
      if (h.done) continue;
      released.push(h);
      if (h.sleepers++ === 0) this.release();
    }
    return released;
  }

  /** The sleep is over: each hold it released holds the clock again once no other sleep within it is under way. */
  private retake(released: Hold[]): void {
    for (const h of released) {
      h.sleepers -= 1;
      if (h.sleepers === 0 && !h.done) this.hold();
    }
  }

  /** Timers not yet fired (tests; a bench that ends checks nothing is left waiting). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private hold(): void {
    if (this.busy++ > 0) return;
    this.generation += 1;
    if (this.pacing) {
      clearTimeout(this.pacing);
      this.pacing = undefined;
      this.waking = false;
    }
  }

  private release(): void {
    if (--this.busy > 0) return;
    this.schedule();
  }

  /**
   * Plans the next move once the process looks idle: two turns of the event loop after the last work let what
   * it already queued (I/O callbacks, immediates, promise chains) start and take a hold first.
   */
  private schedule(): void {
    if (this.busy > 0 || this.waking || this.timers.length === 0) return;
    this.waking = true;
    const generation = this.generation;
    setImmediate(() =>
      setImmediate(() => {
        this.waking = false;
        if (this.busy > 0) return;
        if (generation !== this.generation) return this.schedule();
        this.pace(generation);
      }),
    );
  }

  /** Waits the real time the idle stretch to the next timer takes at timeScale, then fires what is due. */
  private pace(generation: number): void {
    const next = this.timers[0];
    if (!next) return;
    const realMs = this.timeScale === Number.POSITIVE_INFINITY ? 0 : (next.at - this.simMs) / this.timeScale;
    if (realMs <= 0) return this.fireDue();
    this.waking = true;
    this.pacing = setTimeout(() => {
      this.pacing = undefined;
      this.waking = false;
      if (this.busy === 0 && generation === this.generation) this.fireDue();
      else this.schedule();
    }, realMs);
    // The server and the sockets keep a running stack alive; a pacing timer alone must not keep a finished one.
    this.pacing.unref();
  }

  /** Moves to the next timer's time and fires every timer due then, in the order they were set. */
  private fireDue(): void {
    const next = this.timers[0];
    if (!next) return;
    this.simMs = Math.max(this.simMs, next.at);
    try {
      while (this.timers.length > 0 && this.timers[0].at <= this.simMs) this.timers.shift()!.fire();
    } finally {
      // A callback that throws fails like a real timer's (uncaught); the timers still due fire on the next move.
      this.schedule();
    }
  }
}
