import { createActor, type AnyActorRef, type AnyStateMachine, type InspectionEvent } from 'xstate';
import type { ExitStatus } from './pcb.ts';
import type { Task } from './task.ts';

/**
 * A program in the async style: an async function given the task's `sys`.
 * It should await only system calls (they are what the kernel schedules).
 * What it returns becomes the exit code (a number; anything else is 0).
 */
export type AsyncProgram<S = unknown> = (sys: S) => unknown;

/**
 * A program in either style: an async function, or an XState machine that
 * gets the task's ports as `input` and invokes system calls as actors.
 */
export type Program<S = unknown> = AsyncProgram<S> | AnyStateMachine;

/** What a machine program receives as `input`. */
export interface TaskInput {
  pid: number;
  name: string;
  kernelPort: number;
  notifyPort: number;
  replyPort: number;
  bootstrapPort: number;
  /** Rights granted at spawn (`spawn(…, { ports })`): names in the task's space, by key. */
  ports: Readonly<Record<string, number>>;
  /** Whatever the spawner passed as `args`. */
  args: unknown;
}

/** What program adapters ask of the kernel. */
export interface ProgramHost {
  /** The task whose code is executing now, if any. */
  executing(): Task | null;
  /** The program ended. */
  exit(task: Task, status: ExitStatus): void;
  /** A machine program has nothing in flight: it waits for a timer or an event. */
  idle(task: Task): void;
  /** The clock a machine program's `after` delays run on (the kernel's, through the task). */
  clockFor(task: Task): { setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown; clearTimeout(id: unknown): void };
  /** The program actor exists: the syscalls layer may want to know whose it is (callSys). */
  programStarted(task: Task, actor: AnyActorRef): void;
  /** Inspection sink for the program actor, when inspection is traced. */
  inspectFor(task: Task): ((ev: InspectionEvent) => void) | undefined;
}

/** True when a program is an XState machine rather than a function. */
export function isMachine(p: unknown): p is AnyStateMachine {
  return typeof p === 'object' && p !== null && typeof (p as AnyStateMachine).provide === 'function' && 'config' in p;
}

/** Turns what a program returned into an exit status. */
export function exitStatusOf(value: unknown): ExitStatus {
  return { code: typeof value === 'number' && Number.isInteger(value) ? value : 0, reason: 'exit' };
}

/** Turns what a program threw into an exit status (code 1). */
export function errorStatusOf(err: unknown): ExitStatus {
  return { code: 1, reason: 'error', error: err instanceof Error ? err.message : String(err) };
}

/**
 * Returns the function that starts an async program in a task: it calls the
 * program with sys and reports its end (return or throw) to the host.
 */
export function asyncStarter<S>(host: ProgramHost, task: Task, program: AsyncProgram<S>, sys: S): () => void {
  return () => {
    let result: unknown;
    try {
      result = program(sys);
    } catch (err) {
      host.exit(task, errorStatusOf(err));
      return;
    }
    Promise.resolve(result).then(
      (value) => host.exit(task, exitStatusOf(value)),
      (err) => host.exit(task, errorStatusOf(err)),
    );
  };
}

/**
 * Returns the function that starts a machine program in a task: a root XState
 * actor on the task's clock, with the system-call actors provided. When the
 * machine reaches a final state the task exits (output = exit code); when it
 * errors the task ends with an error status; when it settles with no system
 * call in flight (`task.inFlight`, kept by the kernel) it is idle: it waits
 * for a timer or an event.
 */
export function machineStarter(
  host: ProgramHost,
  task: Task,
  machine: AnyStateMachine,
  actors: Record<string, unknown>,
  input: TaskInput,
  snapshot?: unknown,
): () => void {
  return () => {
    const inspect = host.inspectFor(task);
    const actor = createActor(machine.provide({ actors } as never), {
      input,
      ...(snapshot !== undefined ? { snapshot: snapshot as never } : {}),
      id: `program-${task.pid}`,
      clock: host.clockFor(task),
      ...(inspect ? { inspect } : {}),
    });
    task.program = actor;
    host.programStarted(task, actor);
    let ended = false;
    const checkIdle = (): void => {
      if (!ended && host.executing() === task && task.inFlight === 0) host.idle(task);
    };
    actor.subscribe({
      next: (snap) => {
        task.pcb.pc = JSON.stringify(snap.value);
        if (snap.status === 'done') {
          ended = true;
          host.exit(task, exitStatusOf(snap.output));
        } else checkIdle();
      },
      error: (err) => {
        if (ended) return;
        ended = true;
        host.exit(task, errorStatusOf(err));
      },
    });
    actor.start();
    checkIdle();
  };
}
