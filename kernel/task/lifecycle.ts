import type { ExitStatus } from '../../tasks/pcb.ts';
import { asyncStarter, isMachine, machineStarter, type Program, type TaskInput } from '../../tasks/program.ts';
import { Task } from '../../tasks/task.ts';
import { Port } from '../../ports/port.ts';
import { destroyReceive, destroySpace } from '../../ports/rights.ts';
import { IpcSpace } from '../../ports/space.ts';
import type { AnyKernel, Kernel, SpawnOptions } from '../kernel.ts';
import { afterExit } from './proc.ts';

/**
 * A task's life in the kernel: creating a task or a thread (its space, its
 * special ports, its actor, its program), replacing its program (exec), and
 * ending it (exit). The Kernel's `spawn`, `spawnThread`, `exec` and `exit`
 * call these.
 */

/**
 * Creates a task running program and admits it (new → ready). The task
 * starts with, in its own name space: a send right to its kernel port
 * (name 1), the receive right of its notify port (2), the receive right of
 * its reply port (3) and a send right to the bootstrap port (4).
 * Returns the task record (its pid, PCB and actor).
 */
export function createTask<S>(k: Kernel<S>, name: string, program: Program<S>, options: SpawnOptions = {}): Task {
  if (typeof program !== 'function' && !isMachine(program)) {
    throw new TypeError(`spawn(${JSON.stringify(name)}): program must be an async function or an XState machine`);
  }
  const at = options.at;
  if (at !== undefined && !(typeof at === 'number' && at >= 0 && Number.isFinite(at))) {
    throw new RangeError(`spawn(${JSON.stringify(name)}): at must be a time in ms ≥ 0`);
  }
  if (options.cpuLimit !== undefined && !(options.cpuLimit >= 0)) throw new RangeError(`spawn(${JSON.stringify(name)}): cpuLimit must be ms ≥ 0`);
  const pid = k.nextPid++;
  const space = new IpcSpace(pid, name);
  const task = new Task({
    pid,
    name,
    parent: options.parent ?? 0,
    space,
    now: k.clock.now(),
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    ...(options.daemon !== undefined ? { daemon: options.daemon } : {}),
    ...(k.trace.inspect ? { inspect: k.host.inspector(pid, name) } : {}),
  });
  k.tasks.set(pid, task);
  // The kernel receives on every task's kernel port; it needs no name for it (kspace holds no
  // entry: one fewer object a task), and the port dies when the task is reaped.
  const kport = new Port(k.nextPortId++, k.kspace, name, '.kernel');
  kport.kobject = task;
  task.kernelPortObject = kport;
  task.kernelPort = k.giveSend(space, kport);
  task.notifyPortObject = k.newPort(space, name, '.notify');
  task.notifyPort = space.entryFor(task.notifyPortObject)!.name;
  task.replyPort = space.entryFor(k.newPort(space, name, '.reply'))!.name;
  task.bootstrapPort = k.giveSend(space, k.bootstrap);
  task.args = options.args;
  if (options.cpuLimit !== undefined) task.pcb.cpuLimit = options.cpuLimit;
  task.sys = k.sysLayer.makeSys(k, task);
  loadProgram(k, task, program, options.snapshot);
  k.tasks.get(task.pcb.parent)?.adopt(task);
  k.live++;
  if (!task.daemon) {
    k.liveNonDaemon++;
    k.nonDaemons++;
  }
  if (k.trace.on) {
    k.trace.emit({ t: k.clock.now(), kind: 'spawn', pid, task: name, peer: task.pcb.parent, detail: task.daemon ? 'daemon' : '' });
  }
  if (at !== undefined && at > k.clock.now()) k.clock.after(at - k.clock.now(), () => admit(k, task));
  else admit(k, task);
  return task;
}

/** new → ready: the task arrives (unless it was killed before it did). */
function admit(k: AnyKernel, task: Task): void {
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
export function createThread<S>(k: Kernel<S>, proc: Task, program: Program<S>): Task {
  const tid = k.nextPid++;
  const name = `${proc.name}[${tid}]`;
  const thread = new Task({
    pid: tid,
    name,
    parent: proc.pid,
    space: proc.space,
    now: k.clock.now(),
    priority: proc.pcb.priority,
    daemon: proc.daemon,
    ...(k.trace.inspect ? { inspect: k.host.inspector(tid, name) } : {}),
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
  thread.sys = k.sysLayer.makeSys(k, thread);
  loadProgram(k, thread, program);
  k.live++;
  if (!thread.daemon) k.liveNonDaemon++;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'spawn', pid: tid, task: name, peer: proc.pid, detail: 'thread' });
  k.move(thread, 'admit');
  k.cpu.makeReady(thread);
  return thread;
}

/** Sets the program a task will start when it is next dispatched. */
export function loadProgram<S>(k: Kernel<S>, task: Task, program: Program<S>, snapshot?: unknown): void {
  task.programDef = program;
  if (isMachine(program)) {
    const input: TaskInput = {
      pid: task.pid, name: task.name, kernelPort: task.kernelPort, notifyPort: task.notifyPort, replyPort: task.replyPort,
      bootstrapPort: task.bootstrapPort, args: task.args,
    };
    task.machine = true;
    task.start = machineStarter(k.host, task, program, k.sysLayer.makeActors(task.sys), input, snapshot);
  } else {
    task.machine = false;
    task.start = asyncStarter(k.host, task, program, task.sys as S);
  }
}

/**
 * exec: the task's program is replaced by another; pid, name space and
 * rights stay. The old program's pending call never returns.
 */
export function execProgram<S>(k: Kernel<S>, task: Task, program: Program<S>, args: unknown, name?: string): void {
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
  task.sys = k.sysLayer.makeSys(k, task);
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
export function endTask(k: AnyKernel, task: Task, status: ExitStatus): void {
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
  k.live--;
  if (!task.daemon) k.liveNonDaemon--;
  k.cpu.forget(task);
  k.cpu.release(task);
  const proc = task.process;
  if (task !== proc) {
    // A thread ends: its own reply port goes with it; the process lives on while any thread does.
    const e = proc.space.lookup(task.replyPort);
    if (e?.receive) destroyReceive(proc.space, e, k.ipc);
  }
  if (proc.state !== 'terminated' || [...proc.threads].some((t) => t.state !== 'terminated')) return;
  destroySpace(proc.space, k.ipc);
  // Its kernel port lives on until it is reaped, so handles can still ask how it ended.
  afterExit(k, proc);
}
