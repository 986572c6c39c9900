import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** Something a timer can call without a closure: its `fire()` runs when the timer does. */
export interface TimerTarget {
  fire(): void;
}

/** A timer in the clock's queue. `cancel()` is O(1): the queue drops it when it comes up. */
export class Timer {
  /** True from when the timer is armed until it fires or is cancelled. */
  pending = true;
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
    if (this.pending) {
      this.pending = false;
      this.clock.queue.cancelled();
    }
  }
}

/**
 * The clock's timers: a 4-ary min-heap ordered by (time, seq), whose keys are
 * kept in typed arrays beside the timers, so that sifting compares numbers in
 * a few contiguous cache lines instead of reading timer objects scattered over
 * the heap (with a million pending timers that was 2–5 µs a timer: 20 levels
 * of cache misses; see bench/README.md). A cancelled timer stays in the heap,
 * marked, until it reaches the top (or until cancelled ones outnumber the
 * live ones, when the heap is rebuilt without them): cancel is O(1), and
 * what fires, and in what order, is exactly as before.
 */
export class TimerQueue {
  private items: (Timer | undefined)[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  /** Entries in the heap, cancelled ones included. */
  private n = 0;
  /** Live (armed, not cancelled) timers. */
  live = 0;

  /** The earliest live timer, or undefined (drops cancelled ones from the top). */
  peek(): Timer | undefined {
    while (this.n > 0) {
      const top = this.items[0]!;
      if (top.pending) return top;
      this.removeTop();
    }
    return undefined;
  }

  push(timer: Timer): void {
    if (this.n === this.times.length) this.grow();
    this.live++;
    this.up(this.n++, timer, timer.time, timer.seq);
  }

  /** Removes the top (the timer peek returned). */
  pop(): void {
    this.live--;
    this.removeTop();
  }

  /** A pending timer was cancelled. */
  cancelled(): void {
    this.live--;
    const dead = this.n - this.live;
    if (dead > 1024 && dead > this.live) this.rebuild();
  }

  private removeTop(): void {
    const last = --this.n;
    const item = this.items[last]!;
    this.items[last] = undefined;
    if (last > 0) this.down(0, item, this.times[last]!, this.seqs[last]!);
  }

  /** Places (item, t, s) at hole i or above it. */
  private up(i: number, item: Timer, t: number, s: number): void {
    const items = this.items;
    const times = this.times;
    const seqs = this.seqs;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = times[p]!;
      if (pt < t || (pt === t && seqs[p]! < s)) break;
      items[i] = items[p];
      times[i] = pt;
      seqs[i] = seqs[p]!;
      i = p;
    }
    items[i] = item;
    times[i] = t;
    seqs[i] = s;
  }

  /** Places (item, t, s) at hole i or below it. */
  private down(i: number, item: Timer, t: number, s: number): void {
    const items = this.items;
    const times = this.times;
    const seqs = this.seqs;
    const n = this.n;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = times[first]!;
      let cs = seqs[first]!;
      const end = Math.min(first + 4, n);
      for (let k = first + 1; k < end; k++) {
        const kt = times[k]!;
        if (kt < ct || (kt === ct && seqs[k]! < cs)) {
          c = k;
          ct = kt;
          cs = seqs[k]!;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      items[i] = items[c];
      times[i] = ct;
      seqs[i] = cs;
      i = c;
    }
    items[i] = item;
    times[i] = t;
    seqs[i] = s;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }

  /** Drops every cancelled timer and restores the heap order (O(n)). */
  private rebuild(): void {
    const keep: Timer[] = [];
    for (let i = 0; i < this.n; i++) {
      const item = this.items[i]!;
      if (item.pending) keep.push(item);
    }
    this.items = [];
    this.n = 0;
    for (const item of keep) this.up(this.n++, item, item.time, item.seq);
  }
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
  /** The pending timers (a heap; see TimerQueue). */
  readonly queue = new TimerQueue();
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
    this.queue.push(timer);
    return timer;
  }

  /** Like `after`, calling target.fire() (no closure: for hot paths). */
  fireAfter(delay: number, target: TimerTarget): Timer {
    const timer = new Timer(this, this.now() + clampDelay(delay), this.seq++, null, target);
    this.queue.push(timer);
    return timer;
  }

  /** RxJS `SchedulerLike.schedule`: runs work after delay ms on this clock. */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ClockAction<T>(this, work).schedule(state, delay);
  }

  /** Time of the earliest pending timer, or undefined when none is pending. */
  nextTime(): number | undefined {
    return this.queue.peek()?.time;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.queue.live;
  }

  /**
   * Fires the earliest timer if it is due by `limit` (default: any time, moving
   * virtual time forward to it). Returns false when there was nothing to fire.
   */
  fireNext(limit = Infinity): boolean {
    const timer = this.queue.peek();
    if (!timer || timer.time > limit || timer.time === Infinity) return false;
    this.queue.pop();
    timer.pending = false;
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
