import type { Task } from '../tasks/task.ts';
import type { Trace } from '../trace/trace.ts';
import type { Clock } from './time/clock.ts';

/** What the run's watch needs of the kernel. */
export interface WatchedKernel {
  readonly clock: Clock;
  readonly trace: Trace;
  /** Tasks not yet ended. */
  readonly census: { readonly live: number };
  /** The task whose program code executes now (or awaits something): null while the kernel itself can move. */
  executing(): Task | null;
  /** The task whose program code executes now on any host of the simulation (the default host's core answers for all). */
  executingAnywhere(): Task | null;
  /** Ends the run: a task's program awaits something outside xmach ('stuck'), or spins without progress ('livelock'). */
  stop(status: 'stuck' | 'livelock', task: Task, why: string): void;
}

/** Options of the watch (part of `run()`'s options). */
export interface WatchOptions {
  /**
   * Wall-clock ms a task's program may await something the kernel does not know about (a
   * promise of its own, a `fetch`) while no task can move inside the kernel, before the run
   * ends with status 'stuck' (default 1000).
   */
  outsideGrace?: number;
  /**
   * Traps in a row that return at once with nothing done (a poll that finds no message, a
   * send that cannot queue) while no message moves and no virtual time passes, before the
   * run ends with status 'livelock' naming the task (default 100,000).
   */
  spinLimit?: number;
  /**
   * A progress line on stderr (virtual time, messages, tasks alive) for runs longer than 2 s
   * of wall-clock time: default when stderr is a terminal; `false` never; a number: after
   * that many ms.
   */
  progress?: boolean | number;
}

/**
 * Watches a run so it always ends with a report: a task's program that awaits
 * something outside xmach (nothing inside can move, and the program does not
 * come back) is reported as stuck after a wall-clock grace; a task that spins
 * in traps that do nothing, with no message moving and no time passing, as a
 * livelock. Also draws a progress line on a terminal for long runs. An
 * infinite loop with no trap at all cannot be watched: JavaScript cannot
 * interrupt it (the README's troubleshooting section says what is seen then).
 */
export class RunWatch {
  private timer: ReturnType<typeof setInterval> | null = null;
  private started = 0;
  private lastTraps = -1;
  private stillSince = 0;
  private progressShown = false;
  private grace = 1000;
  private spinLimit = 100_000;
  /** Wall-clock ms after which the progress line shows (Infinity: never). */
  private progressAfter = Infinity;
  // The livelock count: traps that did nothing in a row, and the state they saw.
  private spins = 0;
  private spinTask: Task | null = null;
  private spinMoved = -1;
  private spinTime = -1;

  constructor(private readonly k: WatchedKernel) {}

  /** Starts watching a run. Throws a RangeError on bad options. */
  start(options: WatchOptions): void {
    const grace = options.outsideGrace ?? 1000;
    const limit = options.spinLimit ?? 100_000;
    if (!(grace >= 0) || !Number.isFinite(grace)) throw new RangeError('run: outsideGrace must be a number of ms ≥ 0');
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('run: spinLimit must be an integer ≥ 1');
    this.grace = grace;
    this.spinLimit = limit;
    const p = options.progress ?? process.stderr.isTTY === true;
    this.progressAfter = p === true ? 2000 : p === false ? Infinity : p;
    this.started = performance.now();
    this.lastTraps = -1;
    this.stillSince = 0;
    this.spins = 0;
    this.timer = setInterval(() => this.check(), Math.min(100, Math.max(10, grace / 4)));
  }

  /** Stops watching (the run ended). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.progressShown) process.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }

  /**
   * A trap of task returned at once having done nothing (a poll that found no
   * message, a send that could not queue). Returns true when this makes a
   * livelock: the run has been stopped, and the trap should not return.
   */
  idleTrap(task: Task): boolean {
    const c = this.k.trace.counters;
    const moved = c.messagesSent + c.messagesReceived;
    const now = this.k.clock.now();
    if (task !== this.spinTask || moved !== this.spinMoved || now !== this.spinTime) {
      this.spinTask = task;
      this.spinMoved = moved;
      this.spinTime = now;
      this.spins = 0;
    }
    if (++this.spins < this.spinLimit) return false;
    this.k.stop('livelock', task, `made ${this.spins} traps in a row at t=${now} that did nothing (polls finding no message, or sends finding no room) while no message moved and no time passed: add a timeout or a sleep to the loop`);
    return true;
  }

  private check(): void {
    const traps = this.k.trace.counters.traps;
    const task = this.k.executingAnywhere();
    const wall = performance.now();
    if (task && traps === this.lastTraps) {
      if (this.stillSince === 0) this.stillSince = wall;
      else if (wall - this.stillSince >= this.grace) {
        this.k.stop('stuck', task, `its program awaits something outside xmach (a promise the kernel does not know about) for ${Math.round(wall - this.stillSince)} ms of wall-clock time, and no task can move meanwhile`);
        return;
      }
    } else this.stillSince = 0;
    this.lastTraps = traps;
    if (wall - this.started >= this.progressAfter) {
      const c = this.k.trace.counters;
      process.stderr.write(`\r\x1b[Kxmach: t=${this.k.clock.now()} ms, ${c.messagesSent} messages, ${this.k.census.live} tasks alive`);
      this.progressShown = true;
    }
  }
}
