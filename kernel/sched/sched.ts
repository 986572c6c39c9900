import type { Task } from '../../tasks/task.ts';
import { Heap } from '../time/heap.ts';

/** CPU scheduling policies. */
export type SchedPolicy = 'fcfs' | 'rr' | 'priority';

/** Options of the CPU scheduler. */
export interface SchedOptions {
  /**
   * - `fcfs` (default): first come, first served; a task keeps its CPU until it blocks or ends.
   * - `rr`: round robin; a task that computes for `quantum` ms while others are ready goes to the back.
   *   The quantum counts CPU time since dispatch, across computes and traps that do not block.
   * - `priority`: the ready task with the lowest priority number runs first, and preempts a
   *   running task with a higher number (at once if that task is computing, at the end of its
   *   system call otherwise). Equal priorities are first come, first served.
   */
  policy?: SchedPolicy;
  /** Round-robin time slice in ms (default 10). */
  quantum?: number;
  /** Number of CPUs (default 1). */
  cpus?: number;
  /** Virtual ms a CPU spends switching from one task's context to another's (default 0): overhead. */
  switchCost?: number;
  /**
   * Register sets per CPU (default 1). A CPU keeps the contexts of its last this-many tasks
   * loaded; switching back to one of them costs nothing.
   */
  registerSets?: number;
  /**
   * The IPC fast path (default true): a task that blocks right after handing a message to a
   * waiting receiver gives its CPU straight to that receiver, ahead of the ready queue.
   */
  fastPath?: boolean;
}

/** One emulated CPU. */
export class Cpu {
  /** The task running on it (the one whose state is 'running' here). */
  task: Task | null = null;
  /** A task whose context is being loaded (the switch costs time). */
  switching: Task | null = null;
  /** Contexts loaded in its register sets, most recent last. */
  readonly loaded: Task[] = [];
  /** The last task that ran here, for counting context switches. */
  last: Task | null = null;
  /** Virtual ms spent computing for tasks, and switching. */
  busyTime = 0;
  switchTime = 0;

  constructor(readonly id: number) {}

  get idle(): boolean {
    return this.task === null && this.switching === null;
  }
}

/**
 * The ready queue: FIFO for fcfs and rr, a heap on (priority, arrival) for
 * priority (the same `Heap` as the clock's timers).
 */
export class ReadyQueue {
  private readonly fifo: Task[] = [];
  private head = 0;
  private readonly heap = new Heap<Task>(before);
  private seq = 0;

  constructor(private readonly byPriority: boolean) {}

  get length(): number {
    return this.byPriority ? this.heap.size : this.fifo.length - this.head;
  }

  push(task: Task): void {
    task.readySeq = this.seq++;
    if (this.byPriority) this.heap.push(task);
    else this.fifo.push(task);
  }

  /** The task that would run next, without taking it. */
  peek(): Task | undefined {
    return this.byPriority ? this.heap.peek() : this.fifo[this.head];
  }

  shift(): Task | undefined {
    if (this.byPriority) return this.heap.pop();
    if (this.head >= this.fifo.length) return undefined;
    const t = this.fifo[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
    return t;
  }

  /** Takes task out if it is the newest in a FIFO queue (O(1)); false otherwise. */
  popNewest(task: Task): boolean {
    if (this.byPriority || this.fifo.length <= this.head || this.fifo[this.fifo.length - 1] !== task) return false;
    this.fifo.pop();
    return true;
  }

  /** Takes a task out wherever it is (it was killed while ready): O(log n) in the heap, O(n) in a FIFO (rare). */
  remove(task: Task): boolean {
    if (this.byPriority) return this.heap.remove(task);
    const i = this.fifo.indexOf(task, this.head);
    if (i < 0) return false;
    this.fifo.splice(i, 1);
    return true;
  }
}

/** Priority order: lower number first; equal priorities first come, first served. */
function before(a: Task, b: Task): boolean {
  const pa = a.pcb.priority;
  const pb = b.pcb.priority;
  return pa < pb || (pa === pb && a.readySeq < b.readySeq);
}
