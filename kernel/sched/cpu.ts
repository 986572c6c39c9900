import type { Task } from '../../tasks/task.ts';
import type { ExitStatus } from '../../tasks/pcb.ts';
import type { TaskEvent } from '../../tasks/task-machine.ts';
import type { Trace } from '../../trace/trace.ts';
import type { Clock } from '../time/clock.ts';
import { Cpu, ReadyQueue, type SchedOptions } from './sched.ts';

/** What the CPU scheduler needs of the rest of the kernel. */
export interface SchedKernel {
  readonly clock: Clock;
  readonly trace: Trace;
  /** Moves a task along an arrow of the state diagram (traced). */
  move(task: Task, ev: TaskEvent['type']): void;
  /** Asks for a turn of the dispatch loop. */
  kick(): void;
  /** Ends every thread of a process (a CPU-time limit reached). */
  killProcess(proc: Task, status: ExitStatus, why: string): void;
  /** A machine program on a CPU has nothing in flight: it waits for a timer or an event. */
  idle(task: Task): void;
}

/**
 * The CPU scheduler: the CPUs, the ready queue, the tasks on a CPU whose
 * program has something to go on with, and the one task whose program code
 * executes now. It decides who runs where; the kernel's loop (`dispatch`)
 * drives it.
 *
 * One task's program executes at a time (JavaScript is single-threaded), but
 * several tasks can be *running* at once, one per CPU, when they compute:
 * `compute(ms)` is the only thing that takes CPU time.
 */
export class CpuScheduler {
  readonly sched: Required<SchedOptions>;
  readonly cpus: Cpu[];
  readonly ready: ReadyQueue;
  /** Tasks running on a CPU whose program has something to go on with (a trap result, a finished burst). */
  private readonly runnable: Task[] = [];
  private runHead = 0;
  /** The task whose program code is executing now. */
  current: Task | null = null;
  /** A receiver the executing task just handed a message to: the fast path's candidate. */
  handoff: Task | null = null;
  /** Times the fast path switched straight from a blocking sender to its receiver. */
  handoffs = 0;

  constructor(
    private readonly k: SchedKernel,
    sched: Required<SchedOptions>,
  ) {
    this.sched = sched;
    this.cpus = Array.from({ length: sched.cpus }, (_, i) => new Cpu(i));
    this.ready = new ReadyQueue(sched.policy === 'priority');
  }

  /** The next task whose program can go on, if any. */
  nextRunnable(): Task | undefined {
    const task = this.runHead < this.runnable.length ? this.runnable[this.runHead++]! : undefined;
    if (this.runHead > 1024 && this.runHead * 2 > this.runnable.length) {
      this.runnable.splice(0, this.runHead);
      this.runHead = 0;
    }
    return task;
  }

  /** A task on a CPU whose program was not executing (it waited in a kernel-served call) can go on. */
  runnableAgain(task: Task): void {
    this.runnable.push(task);
    this.k.kick();
  }

  /** Forgets a task that ended while it waited to go on. */
  forget(task: Task): void {
    const i = this.runnable.indexOf(task, this.runHead);
    if (i >= 0) this.runnable.splice(i, 1);
  }

  /** Puts a ready task on the ready queue; under the priority policy it may preempt a running one. */
  makeReady(task: Task): void {
    this.ready.push(task);
    task.pcb.queue = 'ready';
    if (this.sched.policy === 'priority') this.preemptFor(task);
    this.k.kick();
  }

  /** Takes a task off its CPU (it blocked, ended or was preempted); the CPU is free for the next. */
  release(task: Task): void {
    const id = task.pcb.cpu;
    if (id !== null) {
      this.cpus[id]!.task = null;
      task.pcb.cpu = null;
    }
    if (this.current === task) this.current = null;
    this.k.kick();
  }

  /** running → ready: the task goes back on the ready queue (quantum expired, or a higher priority came). */
  preempt(task: Task): void {
    const burst = task.burst;
    if (burst?.timer) {
      // Stop the slice where it is: the rest of the burst runs when the task is dispatched again.
      burst.timer.cancel();
      burst.timer = null;
      const used = this.k.clock.now() - burst.sliceStart;
      this.account(task, used);
      burst.left -= used;
    }
    this.forget(task);
    this.k.move(task, 'preempt');
    this.release(task);
    this.makeReady(task);
  }

  /** True when a ready task has a lower priority number than task. */
  outranked(task: Task): boolean {
    const next = this.ready.peek();
    return next !== undefined && next.pcb.priority < task.pcb.priority;
  }

  /** Priority policy: a newly ready task takes the CPU of the lowest-priority running task it outranks. */
  preemptFor(task: Task): void {
    let victim: Task | null = null;
    for (const cpu of this.cpus) {
      if (cpu.idle) return; // a free CPU will take it
      const t = cpu.task;
      if (t && (!victim || t.pcb.priority > victim.pcb.priority)) victim = t;
    }
    if (!victim || victim.pcb.priority <= task.pcb.priority) return;
    // A task executing its program is preempted on its way out of its current trap.
    if (victim === this.current) victim.preemptPending = true;
    else this.preempt(victim);
  }

  /** Gives every idle CPU the next ready task (loading its context may take `switchCost`). */
  fillCpus(): void {
    for (const cpu of this.cpus) {
      while (cpu.idle) {
        const task = this.ready.shift();
        if (!task) return;
        if (task.state !== 'ready') continue;
        if (task.suspendCount > 0) {
          task.held = true; // suspended: stays ready, off the CPUs, until resumed
          continue;
        }
        this.load(cpu, task);
      }
    }
  }

  load(cpu: Cpu, task: Task): void {
    const loaded = this.touch(cpu, task);
    const cost = this.sched.switchCost;
    if (cost === 0 || loaded) return this.startOn(cpu, task);
    // The context is not in a register set: the CPU spends `cost` ms loading it (overhead).
    cpu.switching = task;
    task.pcb.queue = `switching onto cpu ${cpu.id}`;
    if (this.k.trace.on) {
      this.k.trace.emit({ t: this.k.clock.now(), kind: 'switch', pid: task.pid, task: task.name, cpu: cpu.id, detail: `loading context, ${cost} ms` });
    }
    this.k.clock.after(cost, () => {
      cpu.switching = null;
      cpu.switchTime += cost;
      this.k.trace.counters.switchTime += cost;
      if (task.state === 'ready') this.startOn(cpu, task);
      else this.k.kick();
    });
  }

  /** ready → running on cpu; the program goes on at the next turn of the loop. */
  startOn(cpu: Cpu, task: Task): void {
    this.dispatchOn(cpu, task);
    if (task.burst) this.runSlice(task);
    else this.runnable.push(task);
    this.k.kick();
  }

  /** The bookkeeping of a dispatch: the task holds the CPU (ready → running). */
  private dispatchOn(cpu: Cpu, task: Task): void {
    cpu.task = task;
    task.pcb.cpu = cpu.id;
    this.k.move(task, 'dispatch');
    task.pcb.queue = '';
    task.pcb.dispatches++;
    task.quantumUsed = 0;
    if (cpu.last !== task) this.k.trace.counters.contextSwitches++;
    cpu.last = task;
  }

  /** Marks task's context as the most recently loaded on cpu (its register sets are an LRU). Returns true if it was loaded. */
  private touch(cpu: Cpu, task: Task): boolean {
    const i = cpu.loaded.indexOf(task);
    if (i >= 0) cpu.loaded.splice(i, 1);
    cpu.loaded.push(task);
    if (cpu.loaded.length > this.sched.registerSets) cpu.loaded.shift();
    return i >= 0;
  }

  /**
   * The IPC fast path (Mach's mach_msg handoff, L4's direct process switch):
   * `from` is blocking right after handing a message to `to`, which was
   * waiting for it. Instead of queueing `to` behind every other ready task
   * and going round the scheduler's loop, give it `from`'s CPU now. The
   * states are the same as on the slow path (to: waiting → ready → running;
   * from: running → waiting) and traced the same way. Returns false when the
   * fast path does not apply (then the caller takes the slow path): another
   * policy than fcfs/rr, a context that would cost a switch, a suspended or
   * computing target, or a target that is no longer the newest ready task.
   */
  handoffTo(from: Task, to: Task): boolean {
    const id = from.pcb.cpu;
    if (!this.sched.fastPath || id === null || this.sched.policy === 'priority') return false;
    if (to.state !== 'ready' || to.suspendCount > 0 || to.burst || to.pcb.cpu !== null) return false;
    const cpu = this.cpus[id]!;
    if (this.sched.switchCost > 0 && !cpu.loaded.includes(to)) return false;
    if (!this.ready.popNewest(to)) return false;
    cpu.task = null;
    from.pcb.cpu = null;
    if (this.current === from) this.current = null;
    this.touch(cpu, to);
    this.dispatchOn(cpu, to);
    this.handoffs++;
    this.resume(to);
    return true;
  }

  /** The program goes on from where it stopped: its start, a trap's second part, timer callbacks, or a trap result. */
  resume(task: Task): void {
    this.current = task;
    this.handoff = null;
    const start = task.start;
    if (start) {
      task.start = null;
      queueMicrotask(start);
      return;
    }
    const cont = task.cont;
    if (cont) {
      // A trap with a second part (msg_rpc's receive after its send): run it now, on the CPU.
      task.cont = null;
      const value = cont(task, task.result);
      if (value === undefined) return; // blocked again; the same promise waits
      task.result = value;
    }
    const callbacks = task.timerCallbacks;
    const resolve = task.resolve;
    task.resolve = null;
    if (callbacks) {
      task.timerCallbacks = null;
      queueMicrotask(() => {
        for (const cb of callbacks) cb();
        if (resolve) resolve(task.result);
        else if (this.current === task && task.state === 'running') this.idleCheck(task);
      });
      return;
    }
    if (resolve) {
      // Handed over: the task record does not keep the value (an idle task would hold its last reply).
      const value = task.result;
      task.result = undefined;
      resolve(value);
    } else queueMicrotask(() => this.idleCheck(task));
  }

  /**
   * The running task computes for ms of virtual time on its CPU. Its program
   * stops executing (others may execute meanwhile) and goes on when the burst
   * is done. Under round robin a burst longer than the quantum is cut into
   * slices, and the task goes to the back of the ready queue between them
   * when others are waiting. The quantum counts CPU time since the task was
   * dispatched, across computes and across traps that did not block: a
   * compute that starts with the quantum used up (an earlier compute ended
   * exactly on it) sends the task to the back first if others are waiting,
   * else starts a fresh quantum. The caller checks the task is the one
   * executing. Returns false for a burst of 0 (nothing to wait for), true
   * when the burst started (or waits for the task's next turn). Throws on a
   * bad duration.
   */
  compute(task: Task, ms: number): boolean {
    if (typeof ms !== 'number' || !(ms >= 0) || !(ms < 2 ** 53)) throw new RangeError(`compute(${ms}): ms must be a number ≥ 0 and < 2^53`);
    task.pcb.pc = 'compute';
    if (ms === 0) return false;
    task.burst = { left: ms, slice: 0, sliceStart: 0, timer: null };
    task.result = undefined;
    this.current = null;
    if (this.sched.policy === 'rr' && task.quantumUsed >= this.sched.quantum) {
      // The slice ran out exactly where the last compute ended: the expiry is taken now.
      if (this.ready.length > 0) {
        if (this.k.trace.on) this.k.trace.emit({ t: this.k.clock.now(), kind: 'quantum', pid: task.pid, task: task.name, detail: `${ms} ms left` });
        this.preempt(task);
        return true;
      }
      task.quantumUsed = 0;
    }
    this.runSlice(task);
    this.k.kick();
    return true;
  }

  runSlice(task: Task): void {
    const burst = task.burst!;
    const q = this.sched.quantum;
    let slice = this.sched.policy === 'rr' ? Math.min(burst.left, q - task.quantumUsed) : burst.left;
    const limit = task.pcb.cpuLimit;
    if (limit !== null) slice = Math.max(0, Math.min(slice, limit - task.pcb.cpuTime));
    burst.slice = slice;
    burst.sliceStart = this.k.clock.now();
    burst.timer = this.k.clock.fireAfter(slice, task.sliceEnd ??= { fire: () => this.endSlice(task) });
  }

  endSlice(task: Task): void {
    const burst = task.burst!;
    burst.timer = null;
    this.account(task, burst.slice);
    burst.left -= burst.slice;
    task.quantumUsed += burst.slice;
    const limit = task.pcb.cpuLimit;
    if (limit !== null && task.pcb.cpuTime >= limit && burst.left > 0) {
      // The CPU-time limit in the PCB is reached (as RLIMIT_CPU's SIGXCPU: 128 + 24).
      this.k.killProcess(task.process, { code: 152, reason: 'killed', error: `CPU time limit of ${limit} ms exceeded` }, 'cpu limit');
      return;
    }
    if (burst.left <= 0) {
      task.burst = null;
      this.runnable.push(task);
      this.k.kick();
      return;
    }
    // The quantum is used up: back of the queue if anyone waits, else another slice.
    if (this.ready.length > 0) {
      if (this.k.trace.on) this.k.trace.emit({ t: this.k.clock.now(), kind: 'quantum', pid: task.pid, task: task.name, detail: `${burst.left} ms left` });
      this.preempt(task);
    } else {
      task.quantumUsed = 0;
      this.runSlice(task);
    }
  }

  /** CPU time a task has used up to now, counting the slice it is computing. */
  cpuTimeOf(task: Task): number {
    const b = task.burst;
    return task.pcb.cpuTime + (b?.timer ? this.k.clock.now() - b.sliceStart : 0);
  }

  account(task: Task, ms: number): void {
    task.pcb.cpuTime += ms;
    if (task.pcb.cpu !== null) this.cpus[task.pcb.cpu]!.busyTime += ms;
    this.k.trace.counters.cpuTime += ms;
  }

  idleCheck(task: Task): void {
    if (this.current === task && task.state === 'running' && task.inFlight === 0) this.k.idle(task);
  }
}
