import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { Heap, type HeapItem } from './heap.ts';

/** Something a timer can call without a closure: its `fire()` runs when the timer does. */
export interface TimerTarget {
  fire(): void;
}

/** A timer in the clock's heap. `cancel()` takes it out in O(log n). */
export class Timer implements HeapItem {
  heapIndex = -1;
  constructor(
    readonly clock: Clock,
    public time: number,
    public seq: number,
    public fn: (() => void) | null,
    public target: TimerTarget | null = null,
  ) {}

  /** Cancels the timer; a no-op once it has fired. */
  cancel(): void {
    this.fn = null;
    this.target = null;
    this.clock.heap.remove(this);
  }
}

/** Timer order: by time; equal times in the order scheduled. */
function earlier(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

function clampDelay(delay: number): number {
  return delay > 0 && Number.isFinite(delay) ? delay : delay === Infinity ? Infinity : 0;
}

/** An RxJS scheduler action on the clock: a Subscription that can reschedule itself. */
class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: Timer | null = null;
  private pending = false;

  constructor(
    private readonly clock: Clock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => this.timer?.cancel());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.timer?.cancel();
    this.pending = true;
    this.timer = this.clock.after(delay, () => {
      this.pending = false;
      this.work.call(this, state);
      if (!this.pending) this.unsubscribe();
    });
    return this;
  }
}

/** Options for a Clock. */
export interface ClockOptions {
  /** 'virtual' (default): time jumps to the next event. 'real': time follows the wall clock, in ms since boot. */
  mode?: 'virtual' | 'real';
}

/**
 * The kernel's one time source: an RxJS `SchedulerLike` whose queue is a binary
 * heap (O(log n) per timer). In virtual mode time stands still until whoever
 * drives the clock (the kernel's run loop, or `flush()`) jumps it to the next
 * timer, so an hour-long timeout costs nothing.
 *
 * @example
 * const clock = new Clock();
 * timer(3_600_000, clock).subscribe(() => console.log('an hour later', clock.now()));
 * clock.flush(); // logs: an hour later 3600000
 */
export class Clock implements SchedulerLike {
  readonly heap = new Heap<Timer>(earlier);
  readonly mode: 'virtual' | 'real';
  private current = 0;
  private seq = 0;
  private readonly t0 = performance.now();

  constructor(options: ClockOptions = {}) {
    this.mode = options.mode ?? 'virtual';
  }

  /** Current time in ms (virtual, or wall-clock ms since boot in real mode). */
  now(): number {
    if (this.mode === 'real') {
      const wall = performance.now() - this.t0;
      if (wall > this.current) this.current = wall;
    }
    return this.current;
  }

  /** Schedules fn to run delay ms from now; returns the timer. Equal times fire in order of scheduling. */
  after(delay: number, fn: () => void): Timer {
    const timer = new Timer(this, this.now() + clampDelay(delay), this.seq++, fn);
    this.heap.push(timer);
    return timer;
  }

  /** Like `after`, calling target.fire() (no closure: for hot paths). */
  fireAfter(delay: number, target: TimerTarget): Timer {
    const timer = new Timer(this, this.now() + clampDelay(delay), this.seq++, null, target);
    this.heap.push(timer);
    return timer;
  }

  /** RxJS `SchedulerLike.schedule`: runs work after delay ms on this clock. */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ClockAction<T>(this, work).schedule(state, delay);
  }

  /** Time of the earliest pending timer, or undefined when none is pending. */
  nextTime(): number | undefined {
    return this.heap.peek()?.time;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.heap.size;
  }

  /**
   * Fires the earliest timer if it is due by `limit` (default: any time, moving
   * virtual time forward to it). Returns false when there was nothing to fire.
   */
  fireNext(limit = Infinity): boolean {
    const timer = this.heap.peek();
    if (!timer || timer.time > limit || timer.time === Infinity) return false;
    this.heap.pop();
    if (timer.time > this.current) this.current = timer.time;
    const fn = timer.fn;
    const target = timer.target;
    timer.fn = null;
    timer.target = null;
    if (fn) fn();
    else target?.fire();
    return true;
  }

  /** Virtual mode: moves time forward to t (no timer fires; none may be due before t). */
  advanceTo(t: number): void {
    if (this.mode === 'virtual' && t > this.current) this.current = t;
  }

  /** Fires every timer due at or before the current time. */
  fireDue(): void {
    while (this.fireNext(this.current)) {
      /* keep firing */
    }
  }

  /** Virtual mode: fires every pending timer in time order (for using the clock without a kernel). */
  flush(): void {
    while (this.fireNext()) {
      /* keep firing */
    }
  }

  /** A clock for XState's `clock` option, so `after` delays share this timeline. */
  get xstate(): { setTimeout(fn: (...args: unknown[]) => void, ms: number): Timer; clearTimeout(id: unknown): void } {
    return {
      setTimeout: (fn, ms) => this.after(ms, fn as () => void),
      clearTimeout: (id) => (id as Timer | undefined)?.cancel(),
    };
  }
}
