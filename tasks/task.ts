import { createActor, fromTransition, type Actor, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { KMsg } from '../ports/message.ts';
import type { Port } from '../ports/port.ts';
import type { IpcSpace } from '../ports/space.ts';
import { newPcb, type PCB } from './pcb.ts';
import { ARROWS, IllegalTransition, processLogic, type TaskEvent } from './task-machine.ts';

const NO_TASKS: ReadonlySet<Task> = new Set<Task>();
const NO_PORTS: Readonly<Record<string, number>> = Object.freeze({});

const EVENTS: { [K in TaskEvent['type']]: { type: K } } = {
  admit: { type: 'admit' },
  dispatch: { type: 'dispatch' },
  preempt: { type: 'preempt' },
  block: { type: 'block' },
  wake: { type: 'wake' },
  exit: { type: 'exit' },
};

/** A task's compute burst in progress on a CPU (or preempted part-way). */
export interface Burst {
  /** ms still to compute after the current slice. */
  left: number;
  /** When the current slice started, and how long it is. */
  sliceStart: number;
  slice: number;
  /** The timer that ends the slice (the kernel clock's). */
  timer: { cancel(): void } | null;
}

/** What a blocked task waits on, so the kernel can time it out, cancel it and name it in a deadlock. */
export interface Wait {
  /** 'send' (queue full), 'receive' (nothing queued), 'timer' (sleeping), 'event' (a machine waiting for an event). */
  kind: 'send' | 'receive' | 'timer' | 'event';
  /** Human-readable: "send to port 7 (5/5 queued)". */
  what: () => string;
  /** Called when the wait is abandoned (task killed, aborted): take the waiter off its queue. */
  cancel: () => void;
  since: number;
  /**
   * For traces: 'sleep' when the wait can only end by its timeout (a receive with a timeout
   * on a port nobody holds a send right to: how `sys.sleep` waits); otherwise the kind.
   */
  readonly reason?: 'sleep';
  /** For traces: the role of the port waited on, when the kernel gave it one ('reply', 'notify', 'kernel'). */
  readonly role?: string;
}

/** Options the kernel gives a new task record. */
export interface TaskInit {
  pid: number;
  name: string;
  parent: number;
  space: IpcSpace;
  now: number;
  priority?: number;
  daemon?: boolean;
  inspect?: (ev: InspectionEvent) => void;
  /**
   * The kernel's task home (`newTaskHome()`): the task actor joins the home's XState actor
   * system instead of making one of its own (see `newTaskHome`). Ignored when `inspect` is
   * given: an inspected task keeps a system of its own, so its inspection stream is its own.
   */
  home?: AnyActorRef;
}

/**
 * A kernel's task home: one started XState actor whose actor system every task actor of that
 * kernel joins (passed as the actor's `parent` option; the home never spawns or holds the
 * tasks, so they stay out of any parent's snapshot and the task table keeps them). A root actor
 * makes a system of its own (a scheduler, registries and some twenty closures: ~1.8 KB), the
 * same for every task, so the tasks share one. What a task actor shows is unchanged: `send`,
 * `subscribe`, `getSnapshot`, ids and session ids; the home only hears each task actor's end
 * (`xstate.done.actor.task-<pid>` when it reaches `terminated`) and ignores it. A task actor
 * with an inspector stays a root actor with its own system (its inspection events as before).
 */
export function newTaskHome(): AnyActorRef {
  return createActor(fromTransition((state: 0) => state, 0 as const)).start();
}

/**
 * A task: an XState actor whose state is the process state and whose context
 * is the PCB, plus the port name space and the plumbing that delivers trap
 * results to the program. Tasks are root actors kept in the kernel's task
 * table (never children of one kernel actor: spawning into one parent slows
 * with the number of children).
 */
// A task's flags, packed in one field.
const IN_KERNEL = 1;
const MACHINE = 2;
const ZOMBIE = 4;
const REAPED = 8;
const HELD = 16;
const PREEMPT_PENDING = 32;
const SUBREAPER = 64;
const FORK_CHILD = 128;

/** What few tasks need (machine programs, processes with children or threads, fork, regions): made on first use. */
class TaskExtras {
  timerCallbacks: (() => void)[] | null = null;
  inFlight = 0;
  pendingTimers = 0;
  program: AnyActorRef | null = null;
  deferredOn: string | null = null;
  mapped: Set<{ unmap(task: Task): boolean }> | null = null;
  privateCopies: Map<object, object> | null = null;
  lastError = '';
  childSet: Set<Task> | null = null;
  threadSet: Set<Task> | null = null;
  waits: { kmsg: KMsg; pid: number }[] | null = null;
  watchers: KMsg[] | null = null;
  suspendCount = 0;
  bug: Error | null = null;
}

/**
 * A task: an XState actor whose state is the process state and whose context
 * is the PCB, plus the port name space and the plumbing that delivers trap
 * results to the program. Tasks are root actors kept in the kernel's task
 * table (never children of one kernel actor: spawning into one parent slows
 * with the number of children).
 *
 * Memory: a system may hold a million idle tasks, so the record is kept small:
 * booleans are bits of one field, and fields most tasks never use live in an
 * object made on first use; both are read and written through accessors.
 */
export class Task {
  readonly pcb: PCB;
  readonly actor: Actor<typeof processLogic>;
  readonly space: IpcSpace;
  readonly daemon: boolean;
  /** Names of the task's special ports in its own space. */
  kernelPort = 0;
  notifyPort = 0;
  replyPort = 0;
  bootstrapPort = 0;

  /** The task's sys, as the syscalls layer built it. */
  sys: unknown = null;
  /** Names of the rights granted at spawn (`spawn(…, { ports })`), by key. */
  ports: Readonly<Record<string, number>> = NO_PORTS;
  /** What the spawner passed as args. */
  args: unknown = undefined;
  /** Resolver of the trap the program is waiting on. */
  resolve: ((value: unknown) => void) | null = null;
  /** Second part of a trap, run when the task is next dispatched (msg_rpc's receive). Returns undefined if it blocked. */
  cont: ((task: Task, value: unknown) => unknown) | null = null;
  /** msg_rpc's receive half: where, and how long, to wait for the reply. */
  rpcReply = 0;
  rpcTimeout: number | undefined = undefined;
  /** Value to hand to the program when it is next dispatched. */
  result: unknown = undefined;
  /** What the task is blocked on while waiting. */
  wait: Wait | null = null;
  /** Starts the program; set until the first dispatch. */
  start: (() => void) | null = null;
  /** The task's notify port object (where msg-accepted and other notifications go). */
  notifyPortObject: Port | null = null;
  /** The task's kernel port object (the kernel receives on it). */
  kernelPortObject: Port | null = null;
  /** The routine call the task is in, as its stub names it (`wait(pid 4)`), or null. */
  call: string | null = null;
  /** Order of arrival on the ready queue (ties in priority go first come, first served). */
  readySeq = 0;
  /** Position in the priority run queue's heap (-1 when not in it). */
  heapIndex = -1;
  /** A compute burst in progress (or preempted part-way). */
  burst: Burst | null = null;
  /** ms of the current quantum used (round robin). */
  quantumUsed = 0;
  /** Timer target that ends this task's compute slices (made once). */
  sliceEnd: { fire(): void } | null = null;
  /** The program it runs (for fork and exec). */
  programDef: unknown = null;
  /** The task this is a thread of (null for a task's first thread). */
  threadOf: Task | null = null;
  private flags = 0;
  private x: TaskExtras | null = null;

  private more(): TaskExtras {
    return (this.x ??= new TaskExtras());
  }

  private flag(bit: number, v: boolean): void {
    this.flags = v ? this.flags | bit : this.flags & ~bit;
  }

  /** In a kernel-served call: running in its trap while the object server handles its request. */
  get inKernel(): boolean {
    return (this.flags & IN_KERNEL) !== 0;
  }
  set inKernel(v: boolean) {
    this.flag(IN_KERNEL, v);
  }

  /** True when the program is an XState machine. */
  get machine(): boolean {
    return (this.flags & MACHINE) !== 0;
  }
  set machine(v: boolean) {
    this.flag(MACHINE, v);
  }

  /** Ended, not yet waited for by its parent. */
  get zombie(): boolean {
    return (this.flags & ZOMBIE) !== 0;
  }
  set zombie(v: boolean) {
    this.flag(ZOMBIE, v);
  }

  /** Waited for: gone from the process table (its record stays in the kernel's history). */
  get reaped(): boolean {
    return (this.flags & REAPED) !== 0;
  }
  set reaped(v: boolean) {
    this.flag(REAPED, v);
  }

  /** Ready, but held off the CPUs because it is suspended. */
  get held(): boolean {
    return (this.flags & HELD) !== 0;
  }
  set held(v: boolean) {
    this.flag(HELD, v);
  }

  /** A higher-priority task became ready while this one executed: yield at the end of the trap. */
  get preemptPending(): boolean {
    return (this.flags & PREEMPT_PENDING) !== 0;
  }
  set preemptPending(v: boolean) {
    this.flag(PREEMPT_PENDING, v);
  }

  /** Adopts its orphaned descendants instead of init (Linux's PR_SET_CHILD_SUBREAPER). */
  get subreaper(): boolean {
    return (this.flags & SUBREAPER) !== 0;
  }
  set subreaper(v: boolean) {
    this.flag(SUBREAPER, v);
  }

  /** The child of a machine fork, before it has replayed its fork call. */
  get forkChild(): boolean {
    return (this.flags & FORK_CHILD) !== 0;
  }
  set forkChild(v: boolean) {
    this.flag(FORK_CHILD, v);
  }

  /** Timer callbacks of a machine program, run when the task is next dispatched. */
  get timerCallbacks(): (() => void)[] | null {
    return this.x === null ? null : this.x.timerCallbacks;
  }
  set timerCallbacks(v: (() => void)[] | null) {
    if (v !== null || this.x !== null) this.more().timerCallbacks = v;
  }

  /** Trap promises handed out and not yet settled in the program (kept for machine programs). */
  get inFlight(): number {
    return this.x === null ? 0 : this.x.inFlight;
  }
  set inFlight(v: number) {
    if (v !== 0 || this.x !== null) this.more().inFlight = v;
  }

  /** XState timers of a machine program that have not fired yet. */
  get pendingTimers(): number {
    return this.x === null ? 0 : this.x.pendingTimers;
  }
  set pendingTimers(v: number) {
    if (v !== 0 || this.x !== null) this.more().pendingTimers = v;
  }

  /** The program's own actor, for machine programs. */
  get program(): AnyActorRef | null {
    return this.x === null ? null : this.x.program;
  }
  set program(v: AnyActorRef | null) {
    if (v !== null || this.x !== null) this.more().program = v;
  }

  /** What a deferred routine made it wait on, in words (`semaphore /s (value 0)`), or null. */
  get deferredOn(): string | null {
    return this.x === null ? null : this.x.deferredOn;
  }
  set deferredOn(v: string | null) {
    if (v !== null || this.x !== null) this.more().deferredOn = v;
  }

  /** Memory regions the process maps (made on first use). */
  get mapped(): Set<{ unmap(task: Task): boolean }> | null {
    return this.x === null ? null : this.x.mapped;
  }
  set mapped(v: Set<{ unmap(task: Task): boolean }> | null) {
    if (v !== null || this.x !== null) this.more().mapped = v;
  }

  /** The private copies a fork gave it in place of some mapped regions. */
  get privateCopies(): Map<object, object> | null {
    return this.x === null ? null : this.x.privateCopies;
  }
  set privateCopies(v: Map<object, object> | null) {
    if (v !== null || this.x !== null) this.more().privateCopies = v;
  }

  /** Why the last call was refused, in words (the code says what; this says why). */
  get lastError(): string {
    return this.x === null ? '' : this.x.lastError;
  }
  set lastError(v: string) {
    if (v !== '' || this.x !== null) this.more().lastError = v;
  }

  /** This task's pending wait() requests (pid -1 = any child); made on first use. */
  get waits(): { kmsg: KMsg; pid: number }[] | null {
    return this.x === null ? null : this.x.waits;
  }
  set waits(v: { kmsg: KMsg; pid: number }[] | null) {
    if (v !== null || this.x !== null) this.more().waits = v;
  }

  /** Requests waiting on a handle to this task for its end; made on first use. */
  get watchers(): KMsg[] | null {
    return this.x === null ? null : this.x.watchers;
  }
  set watchers(v: KMsg[] | null) {
    if (v !== null || this.x !== null) this.more().watchers = v;
  }

  /** task_suspend count: the task is not dispatched while it is above 0. */
  get suspendCount(): number {
    return this.x === null ? 0 : this.x.suspendCount;
  }
  set suspendCount(v: number) {
    if (v !== 0 || this.x !== null) this.more().suspendCount = v;
  }

  /** The error that broke the actor, if the kernel ever asked for an illegal arrow. */
  get bug(): Error | null {
    return this.x === null ? null : this.x.bug;
  }
  set bug(v: Error | null) {
    if (v !== null || this.x !== null) this.more().bug = v;
  }

  constructor(init: TaskInit) {
    this.space = init.space;
    this.daemon = init.daemon ?? false;
    this.actor = createActor(processLogic, {
      input: { pcb: newPcb(init.pid, init.name, init.parent, init.now, init.priority ?? 0) },
      id: `task-${init.pid}`,
      ...(init.inspect ? { inspect: init.inspect } : init.home ? { parent: init.home } : {}),
    });
    this.actor.start();
    // The PCB is the actor's context: the kernel updates it in place, and the actor's snapshot shows it.
    this.pcb = this.actor.getSnapshot().context;
  }

  get pid(): number {
    return this.pcb.pid;
  }

  get name(): string {
    return this.pcb.name;
  }

  /** Children not yet reaped. */
  get children(): ReadonlySet<Task> {
    return this.x?.childSet ?? NO_TASKS;
  }

  /** Further threads of this task. */
  get threads(): ReadonlySet<Task> {
    return this.x?.threadSet ?? NO_TASKS;
  }

  adopt(child: Task): void {
    (this.more().childSet ??= new Set()).add(child);
  }

  disown(child: Task): void {
    this.x?.childSet?.delete(child);
  }

  addThread(thread: Task): void {
    (this.more().threadSet ??= new Set()).add(thread);
  }

  /** True when the process (this task's first thread and every other one) has ended. */
  get processEnded(): boolean {
    const proc = this.process;
    if (proc.state !== 'terminated') return false;
    for (const t of proc.threads) if (t.state !== 'terminated') return false;
    return true;
  }

  /** The process this task belongs to (itself, unless it is an extra thread). */
  get process(): Task {
    return this.threadOf ?? this;
  }

  get state(): PCB['state'] {
    return this.pcb.state;
  }

  /**
   * Moves the task along one arrow of the state diagram. Returns the previous
   * state. Throws IllegalTransition if the arrow does not start at the current
   * state: that is a kernel bug, never a user error.
   */
  transition(type: TaskEvent['type']): PCB['state'] {
    const [from, to] = ARROWS[type];
    const was = this.pcb.state;
    if (was !== from) throw new IllegalTransition(`task ${this.pid} (${this.name}): no '${type}' arrow from '${was}'`);
    this.actor.send(EVENTS[type]);
    const snap = this.actor.getSnapshot();
    if (snap.status === 'error') throw (this.bug = snap.error as Error);
    this.pcb.state = to;
    return was;
  }
}
