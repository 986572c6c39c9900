import type { ExitStatus } from '../../tasks/pcb.ts';
import { asyncStarter, isMachine, machineStarter, type Program, type TaskInput } from '../../tasks/program.ts';
import { Task } from '../../tasks/task.ts';
import { Port } from '../../ports/port.ts';
import { destroyReceive, destroySpace } from '../../ports/rights.ts';
import { IpcSpace } from '../../ports/space.ts';
import type { Trace } from '../../trace/trace.ts';
import type { Ipc } from '../ipc/ipc.ts';
import type { CpuScheduler } from '../sched/cpu.ts';
import type { Clock } from '../time/clock.ts';
import type { SysLayer, Traps } from '../traps.ts';
import type { TaskHost } from './host.ts';
import { afterExit, type ProcessOptions } from './proc.ts';

/** Options of spawn. */
export interface SpawnOptions {
  /** Passed to the program as `sys.args` (async) or `input.args` (machine). */
  args?: unknown;
  /** A daemon (a server loop) does not keep `run()` going: the run ends when every non-daemon task has ended. */
  daemon?: boolean;
  /** Scheduling priority (kept in the PCB). */
  priority?: number;
  /** pid of the parent (default 0, the kernel). */
  parent?: number;
  /** CPU-time limit in ms, kept in the PCB: the task is killed when it reaches it (status 152). */
  cpuLimit?: number;
  /** Machine programs: start from this persisted snapshot (how a machine fork copies its parent). */
  snapshot?: unknown;
  /**
   * Arrival time in virtual ms (default now): the task stays `new` until then, then is
   * admitted (new → ready). For scheduling exercises where processes arrive over time.
   */
  at?: number;
  /**
   * Rights to ports made before the task runs (`kernel.port(…)`), the way Mach 2.5 tasks
   * inherited registered ports: each key becomes a name in the task's space, found as
   * `sys.ports.<key>` (async programs) or `input.ports.<key>` (machines). A bare port is a
   * send right; `{ port, right: 'receive' }` gives the receive right (to one task only),
   * `'send-once'` a send-once right.
   */
  ports?: Record<string, PortRef | { port: PortRef; right: 'receive' | 'send' | 'send-once' }>;
  /** Android's importance class (default 'foreground'); the low-memory killer kills the least important first. */
  importance?: 'foreground' | 'visible' | 'service' | 'background' | 'empty';
}

/** A port made with `kernel.port()` before any task runs: hand it to tasks with `spawn(…, { ports })`. */
export interface PortRef {
  /** The port's global id (as traces show it). */
  readonly id: number;
  readonly label: string;
}

/** What the task subsystem (a task's life, the process model) needs of the rest of the kernel. */
export interface TaskKernel {
  readonly clock: Clock;
  readonly trace: Trace;
  readonly ipc: Ipc;
  readonly cpu: CpuScheduler;
  readonly host: TaskHost;
  readonly sysLayer: SysLayer;
  /** The trap entry each task's sys is built over. */
  readonly traps: Traps;
  /** The task table, by pid. */
  readonly tasks: Map<number, Task>;
  /** The kernel's space (it receives on task kernel ports) and the bootstrap port every task gets. */
  readonly kspace: IpcSpace;
  readonly bootstrap: Port;
  readonly proc: Required<ProcessOptions>;
  readonly init: Task | null;
  /** Tasks not yet ended; non-daemon tasks not yet ended; non-daemon tasks ever created. */
  readonly census: { live: number; liveNonDaemon: number; nonDaemons: number };
  /** The port a `PortRef` stands for (undefined for anything else). */
  portOf(ref: PortRef): Port | undefined;
  /** The space that holds the receive rights of ports made before tasks, until a task is given them. */
  readonly unclaimed: IpcSpace;
  /**
   * A space is about to be destroyed (its task ended): if it holds the bootstrap port's receive
   * right (a name-server task's), the right goes back to the kernel, queue and all, for the next
   * name server to claim (see `KernelCore.reclaimBootstrap`).
   */
  reclaimBootstrap(space: IpcSpace): void;
  allocPid(): number;
  allocPortId(): number;
  newPort(space: IpcSpace, label?: string, role?: string): Port;
  giveSend(space: IpcSpace, port: Port): number;
  move(task: Task, ev: 'admit' | 'dispatch' | 'preempt' | 'block' | 'wake' | 'exit'): void;
  wake(task: Task, value: unknown, since: number): void;
  cpuTimeOf(task: Task): number;
}

/*
 * A task's life in the kernel: creating a task or a thread (its space, its
 * special ports, its actor, its program), replacing its program (exec),
 * suspending and resuming it, and ending it (exit, kill).
 */

/**
 * Creates a task record with its space and special ports, loads its program
 * and admits it, now or at `options.at` (the routine behind `Kernel.spawn`
 * and fork; see `Kernel.spawn` for what the task starts with). Throws on a
 * program that is neither a function nor a machine, a bad `at` or `cpuLimit`.
 */
export function createTask(k: TaskKernel, name: string, program: Program<unknown>, options: SpawnOptions = {}): Task {
  if (typeof program !== 'function' && !isMachine(program)) {
    throw new TypeError(`spawn(${JSON.stringify(name)}): program must be an async function or an XState machine`);
  }
  const at = options.at;
  if (at !== undefined && !(typeof at === 'number' && at >= 0 && Number.isFinite(at))) {
    throw new RangeError(`spawn(${JSON.stringify(name)}): at must be a time in ms ≥ 0`);
  }
  if (options.cpuLimit !== undefined && !(options.cpuLimit >= 0)) throw new RangeError(`spawn(${JSON.stringify(name)}): cpuLimit must be ms ≥ 0`);
  const grants = portGrants(k, name, options.ports);
  const pid = k.allocPid();
  const space = new IpcSpace(pid, name);
  const task = new Task({
    pid,
    name,
    parent: options.parent ?? 0,
    space,
    now: k.clock.now(),
    // One literal shape, no spreads (a spread into a literal gives each object a hidden class of its own).
    priority: options.priority,
    daemon: options.daemon,
    inspect: k.trace.inspect ? k.host.inspector(pid, name) : undefined,
    home: k.host.home,
  });
  k.tasks.set(pid, task);
  // The kernel receives on every task's kernel port; it needs no name for it (kspace holds no
  // entry: one fewer object a task), and the port dies when the task is reaped.
  const kport = new Port(k.allocPortId(), k.kspace, name, '.kernel');
  kport.kobject = task;
  task.kernelPortObject = kport;
  task.kernelPort = k.giveSend(space, kport);
  task.notifyPortObject = k.newPort(space, name, '.notify');
  task.notifyPort = space.entryFor(task.notifyPortObject)!.name;
  task.replyPort = space.entryFor(k.newPort(space, name, '.reply'))!.name;
  task.bootstrapPort = k.giveSend(space, k.bootstrap);
  if (grants.length > 0) task.ports = grantPorts(k, space, grants);
  task.args = options.args;
  if (options.cpuLimit !== undefined) task.pcb.cpuLimit = options.cpuLimit;
  if (options.importance !== undefined) task.pcb.importance = options.importance;
  task.sys = k.sysLayer.makeSys(k.traps, task);
  loadProgram(k, task, program, options.snapshot);
  k.tasks.get(task.pcb.parent)?.adopt(task);
  k.census.live++;
  if (!task.daemon) {
    k.census.liveNonDaemon++;
    k.census.nonDaemons++;
  }
  if (k.trace.on) {
    k.trace.emit({ t: k.clock.now(), kind: 'spawn', pid, task: name, peer: task.pcb.parent, detail: task.daemon ? 'daemon' : '' });
  }
  if (at !== undefined && at > k.clock.now()) k.clock.after(at - k.clock.now(), () => admit(k, task));
  else admit(k, task);
  return task;
}

/** new → ready: the task arrives (unless it was killed before it did). */
function admit(k: TaskKernel, task: Task): void {
  if (task.state !== 'new') return;
  task.pcb.startedAt = k.clock.now();
  k.move(task, 'admit');
  k.cpu.makeReady(task);
}

/**
 * Creates another thread of control in a process: a task record of its own
 * (its own actor, state, PCB and program counter, scheduled on its own) that
 * shares the process's name space and ports, with a reply port of its own.
 * The process ends when its last thread ends.
 */
export function createThread(k: TaskKernel, proc: Task, program: Program<unknown>): Task {
  const tid = k.allocPid();
  const name = `${proc.name}[${tid}]`;
  const thread = new Task({
    pid: tid,
    name,
    parent: proc.pid,
    space: proc.space,
    now: k.clock.now(),
    priority: proc.pcb.priority,
    daemon: proc.daemon,
    inspect: k.trace.inspect ? k.host.inspector(tid, name) : undefined,
    home: k.host.home,
  });
  thread.threadOf = proc;
  proc.addThread(thread);
  k.tasks.set(tid, thread);
  thread.kernelPortObject = proc.kernelPortObject;
  thread.kernelPort = proc.kernelPort;
  thread.notifyPortObject = proc.notifyPortObject;
  thread.notifyPort = proc.notifyPort;
  thread.bootstrapPort = proc.bootstrapPort;
  thread.replyPort = proc.space.entryFor(k.newPort(proc.space, name, '.reply'))!.name;
  thread.args = proc.args;
  thread.ports = proc.ports;
  thread.sys = k.sysLayer.makeSys(k.traps, thread);
  loadProgram(k, thread, program);
  k.census.live++;
  if (!thread.daemon) k.census.liveNonDaemon++;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'spawn', pid: tid, task: name, peer: proc.pid, detail: 'thread' });
  k.move(thread, 'admit');
  k.cpu.makeReady(thread);
  return thread;
}

/** Sets the program a task will start when it is next dispatched. */
export function loadProgram(k: TaskKernel, task: Task, program: Program<unknown>, snapshot?: unknown): void {
  task.programDef = program;
  if (isMachine(program)) {
    const input: TaskInput = {
      pid: task.pid, name: task.name, kernelPort: task.kernelPort, notifyPort: task.notifyPort, replyPort: task.replyPort,
      bootstrapPort: task.bootstrapPort, ports: task.ports, args: task.args,
    };
    task.machine = true;
    task.start = machineStarter(k.host, task, program, k.sysLayer.makeActors(task.sys), input, snapshot);
  } else {
    task.machine = false;
    task.start = asyncStarter(k.host, task, program, task.sys);
  }
}

/**
 * exec: the task's program is replaced by another; pid, name space and
 * rights stay. The old program's pending call never returns.
 */
export function execTask(k: TaskKernel, task: Task, program: Program<unknown>, args: unknown, name?: string): void {
  const wait = task.wait;
  task.program?.stop();
  task.program = null;
  task.resolve = null;
  task.cont = null;
  task.timerCallbacks = null;
  task.inFlight = 0;
  task.pendingTimers = 0;
  if (name) task.pcb.name = name;
  if (args !== undefined) task.args = args;
  task.sys = k.sysLayer.makeSys(k.traps, task);
  loadProgram(k, task, program);
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'exec', pid: task.pid, task: task.name });
  if (wait) {
    wait.cancel();
    k.wake(task, undefined, wait.since);
  }
}

/**
 * The program ended (returned, threw, or its machine finished): running →
 * terminated. Its rights are destroyed the Mach way (ports it received on
 * die, with notifications), its kernel port dies, and the CPU moves on.
 */
export function exitTask(k: TaskKernel, task: Task, status: ExitStatus): void {
  if (task.state === 'terminated') return;
  if (task.state === 'waiting') {
    // The program ended with a trap still pending (it did not await it): abandon the trap.
    task.wait?.cancel();
    task.wait = null;
    k.move(task, 'wake');
    k.cpu.ready.push(task);
  }
  if (task.state === 'new') {
    k.move(task, 'admit');
    k.cpu.ready.push(task);
  }
  if (task.state === 'ready') {
    // Only a running task can exit: it passes through the CPU on its way out.
    k.cpu.ready.remove(task);
    task.held = false;
    k.move(task, 'dispatch');
  }
  const burst = task.burst;
  if (burst?.timer) {
    burst.timer.cancel();
    k.cpu.account(task, k.clock.now() - burst.sliceStart);
  }
  task.burst = null;
  task.pcb.exit = status;
  task.pcb.endedAt = k.clock.now();
  task.pcb.queue = '';
  task.resolve = null;
  task.cont = null;
  k.move(task, 'exit');
  if (k.trace.on) {
    k.trace.emit({
      t: k.clock.now(), kind: 'exit', pid: task.pid, task: task.name, code: status.code,
      detail: status.reason + (status.error ? `: ${status.error}` : ''),
    });
  }
  task.program?.stop();
  k.census.live--;
  if (!task.daemon) k.census.liveNonDaemon--;
  k.cpu.forget(task);
  k.cpu.release(task);
  const proc = task.process;
  if (task !== proc) {
    // A thread ends: its own reply port goes with it; the process lives on while any thread does.
    const e = proc.space.lookup(task.replyPort);
    if (e?.receive) destroyReceive(proc.space, e, k.ipc);
  }
  if (!proc.processEnded) return;
  k.reclaimBootstrap(proc.space);
  destroySpace(proc.space, k.ipc);
  // Its memory regions are unmapped: each one nothing else maps or names is freed (a fork's private copies with it).
  if (proc.mapped) for (const region of [...proc.mapped]) region.unmap(proc);
  proc.privateCopies = null;
  // Its kernel port lives on until it is reaped, so handles can still ask how it ended.
  afterExit(k, proc);
}

/** Ends a task from outside (a kill, a cascade): its pending call is abandoned and it exits with status. */
export function killTask(k: TaskKernel, task: Task, status: ExitStatus, why: string): void {
  if (task.state === 'terminated') return;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'kill', pid: task.pid, task: task.name, detail: why });
  exitTask(k, task, status);
}

/** Ends every thread of a process (a kill, a cascade, a CPU-time limit). */
export function killProcess(k: TaskKernel, proc: Task, status: ExitStatus, why: string): void {
  for (const t of [proc, ...proc.threads]) killTask(k, t, status, why);
}

/** task_suspend: the task is not dispatched until resumed (a running one is preempted). */
export function suspendTask(k: TaskKernel, task: Task): void {
  task.suspendCount++;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'suspend', pid: task.pid, task: task.name, detail: `count ${task.suspendCount}` });
  if (task.state === 'running' && task !== k.cpu.current) k.cpu.preempt(task);
}

/** task_resume: one suspension less; at zero a held task goes back on the ready queue. */
export function resumeTask(k: TaskKernel, task: Task): void {
  if (task.suspendCount === 0) return;
  task.suspendCount--;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'resume', pid: task.pid, task: task.name, detail: `count ${task.suspendCount}` });
  if (task.suspendCount === 0 && task.held) {
    task.held = false;
    k.cpu.makeReady(task);
  }
}

type Grant = { key: string; port: Port; right: 'receive' | 'send' | 'send-once' };

/** Checks a spawn's `ports` option before anything is made: each must be a live port made with `kernel.port()`. */
function portGrants(k: TaskKernel, task: string, ports: SpawnOptions['ports']): Grant[] {
  if (ports === undefined) return [];
  const where = `spawn(${JSON.stringify(task)})`;
  if (typeof ports !== 'object' || ports === null) throw new TypeError(`${where}: ports must be an object of port rights by name`);
  const out: Grant[] = [];
  for (const [key, value] of Object.entries(ports)) {
    const spec = value && typeof value === 'object' && 'port' in value ? value : { port: value as PortRef, right: 'send' as const };
    const port = k.portOf(spec.port);
    if (!port) throw new TypeError(`${where}: ports.${key} is not a port made with kernel.port()`);
    if (!['receive', 'send', 'send-once'].includes(spec.right)) throw new TypeError(`${where}: ports.${key}.right must be 'receive', 'send' or 'send-once'`);
    if (!port.active) throw new Error(`${where}: ports.${key}: port ${port.id} (${port.label}) is dead`);
    if (spec.right === 'receive' && port.receiver !== k.unclaimed) {
      throw new Error(`${where}: ports.${key}: the receive right of port ${port.id} (${port.label}) was already given to another task`);
    }
    out.push({ key, port, right: spec.right });
  }
  return out;
}

/** Puts the granted rights into a new task's space; returns their names by key. */
function grantPorts(k: TaskKernel, space: IpcSpace, grants: Grant[]): Record<string, number> {
  const names: Record<string, number> = {};
  for (const { key, port, right } of grants) {
    if (right === 'send') names[key] = k.giveSend(space, port);
    else if (right === 'send-once') {
      const e = space.allocate(port, false);
      e.sendOnce = true;
      port.sorights++;
      names[key] = e.name;
    } else {
      // The receive right leaves the kernel's holding space for the task's.
      const held = k.unclaimed.entryFor(port)!;
      held.receive = false;
      k.unclaimed.freeIfEmpty(held);
      const e = space.entryFor(port) ?? space.allocate(port, true);
      e.receive = true;
      port.receiver = space;
      names[key] = e.name;
    }
  }
  return Object.freeze(names);
}
