import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { ExitStatus } from '../../tasks/pcb.ts';
import type { ProgramHost } from '../../tasks/program.ts';
import { newTaskHome, type Task } from '../../tasks/task.ts';
import type { Trace } from '../../trace/trace.ts';
import type { Clock } from '../time/clock.ts';
import type { Wait } from '../../tasks/task.ts';

/** What the program host needs of the rest of the kernel. */
export interface HostKernel {
  readonly clock: Clock;
  readonly trace: Trace;
  /** The task whose program code executes now. */
  executing(): Task | null;
  /** A task's program ended: the task exits with this status. */
  programEnded(task: Task, status: ExitStatus): void;
  block(task: Task, wait: Wait): void;
  /** Ends a task's wait early (a machine's timer fired while it was blocked in a trap). */
  interrupt(task: Task): void;
  /** Tells the syscalls layer which sys a machine program's actor uses. */
  bindProgram(actor: unknown, sys: unknown): void;
}

/**
 * What program adapters (tasks/program.ts) ask of the kernel: who executes
 * now, that a program ended or a machine program is idle, the clock its
 * `after` delays run on, and where XState's inspection events go.
 */
export class TaskHost implements ProgramHost {
  /** The actor whose XState system this kernel's task actors share (see `newTaskHome`). */
  readonly home: AnyActorRef = newTaskHome();

  constructor(private readonly k: HostKernel) {}

  executing(): Task | null {
    return this.k.executing();
  }

  /** The program ended: the task exits with this status. */
  exit(task: Task, status: ExitStatus): void {
    this.k.programEnded(task, status);
  }

  /** A machine program has nothing in flight: it waits for one of its timers, or for an event. */
  idle(task: Task): void {
    if (task.state !== 'running') return;
    const kind = task.pendingTimers > 0 ? 'timer' : 'event';
    this.k.block(task, {
      kind,
      since: this.k.clock.now(),
      what: () => (kind === 'timer' ? 'a timer of its machine' : 'an event for its machine'),
      cancel: () => {},
    });
  }

  /** The clock a machine program's delays run on: each firing makes the task ready and runs when it is dispatched. */
  clockFor(task: Task): { setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown; clearTimeout(id: unknown): void } {
    const k = this.k;
    return {
      setTimeout: (fn, ms) => {
        task.pendingTimers++;
        return k.clock.after(ms, () => {
          task.pendingTimers--;
          (task.timerCallbacks ??= []).push(fn as () => void);
          if (task.state === 'waiting') k.interrupt(task);
        });
      },
      clearTimeout: (id) => {
        const timer = id as { fn: unknown; cancel(): void } | undefined;
        if (timer?.fn) {
          task.pendingTimers--;
          timer.cancel();
        }
      },
    };
  }

  programStarted(task: Task, actor: AnyActorRef): void {
    this.k.bindProgram(actor, task.sys);
  }

  inspectFor(task: Task): ((ev: InspectionEvent) => void) | undefined {
    return this.k.trace.inspect ? this.inspector(task.pid, task.name) : undefined;
  }

  /** An inspection sink that turns XState's events into 'xstate' trace records. */
  inspector(pid: number, name: string): (ev: InspectionEvent) => void {
    const k = this.k;
    return (ev) => {
      if (!k.trace.on) return;
      let detail: string;
      if (ev.type === '@xstate.snapshot') detail = `snapshot ${JSON.stringify((ev.snapshot as { value?: unknown }).value ?? null)}`;
      else if (ev.type === '@xstate.event') detail = `event ${ev.event.type}`;
      else if (ev.type === '@xstate.actor') detail = 'actor started';
      else detail = ev.type;
      k.trace.emit({ t: k.clock.now(), kind: 'xstate', pid, task: name, op: (ev.actorRef as { id?: string }).id ?? '', detail });
    };
  }
}
