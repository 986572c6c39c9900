import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_VALUE,
  KERN_NOT_FOUND,
  KERN_SUCCESS,
  KERN_TERMINATED,
} from '../../ports/codes.ts';
import type { KMsg } from '../../ports/message.ts';
import type { ExitStatus, PCB } from '../../tasks/pcb.ts';
import type { Program } from '../../tasks/program.ts';
import type { Task } from '../../tasks/task.ts';
import type { AnyKernel } from '../kernel.ts';
import { DEFER, dropReply, err, int, ok, reply, type RoutineTable } from '../server/mig.ts';
import * as ID from '../server/ids.ts';

/** Options of the process model. */
export interface ProcessOptions {
  /**
   * Create `init` as pid 1 at boot (default false). Orphans are then given to init, which
   * reaps them. Without init, orphans go to the kernel (ppid 0), which reaps them when they end.
   */
  init?: boolean;
  /** Cascading termination (default false): when a process ends, the kernel terminates all its descendants. */
  cascade?: boolean;
}

/** Exit status of a process ended by a kill (as a shell reports SIGKILL: 128 + 9). */
export const KILLED: ExitStatus = { code: 137, reason: 'killed' };

/** The signals a handle can send. */
export type Signal = 'term' | 'kill' | 'stop' | 'cont';

/** Notification id of a 'term' signal delivered to the task's notify port (an xmach id, outside Mach's range). */
export const XMACH_NOTIFY_SIGNAL = 0o200;

/** One row of `ps`. */
export interface ProcRow {
  pid: number;
  ppid: number;
  name: string;
  state: PCB['state'];
  /** One letter, as ps prints it: R running, r ready, S waiting, T stopped, Z zombie, N new. */
  stat: 'R' | 'r' | 'S' | 'T' | 'Z' | 'N';
  priority: number;
  cpuTime: number;
  /** Threads of the process (1 for a single-threaded one). */
  threads: number;
}

/** The process table as `ps` shows it: every process not yet reaped (zombies included), by pid. */
export function ps(k: AnyKernel): ProcRow[] {
  const rows: ProcRow[] = [];
  for (const t of k.tasks.values()) {
    if (t.reaped || t.threadOf) continue;
    // A process whose first thread has ended lives on in its other threads.
    const rep = t.state === 'terminated' ? ([...t.threads].find((th) => th.state !== 'terminated') ?? t) : t;
    const stat: ProcRow['stat'] =
      rep.state === 'terminated' ? 'Z' : t.suspendCount > 0 ? 'T' : rep.state === 'running' ? 'R' : rep.state === 'ready' ? 'r' : rep.state === 'waiting' ? 'S' : 'N';
    rows.push({
      pid: t.pid, ppid: t.pcb.parent, name: t.name, state: rep.state, stat, priority: t.pcb.priority,
      cpuTime: k.cpuTimeOf(t) + [...t.threads].reduce((n, th) => n + k.cpuTimeOf(th), 0),
      threads: [t, ...t.threads].filter((th) => th.state !== 'terminated').length || 1,
    });
  }
  return rows.sort((a, b) => a.pid - b.pid);
}

/**
 * What happens after a process ends (its space is already destroyed): its
 * children are terminated (cascade) or given to init; it becomes a zombie
 * until its parent waits — or is reaped at once when its parent is the
 * kernel; whoever waits on a handle to it is answered.
 */
export function afterExit(k: AnyKernel, task: Task): void {
  for (const child of [...task.children]) {
    if (k.proc.cascade && child.state !== 'terminated') k.killProcess(child, KILLED, `cascade from ${task.pid}`);
    else reparent(k, child);
  }
  const watchers = task.watchers;
  task.watchers = null;
  for (const w of watchers ?? []) reply(k, w, statusReply(task));
  const parent = k.tasks.get(task.pcb.parent);
  if (!parent || parent.state === 'terminated') {
    reap(k, task);
    return;
  }
  task.zombie = true;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'zombie', pid: task.pid, task: task.name, peer: parent.pid, peerTask: parent.name });
  answerWaits(k, parent);
}

/** Gives an orphan to init (or to the kernel when there is no init). */
function reparent(k: AnyKernel, child: Task): void {
  const old = k.tasks.get(child.pcb.parent);
  old?.disown(child);
  const init = k.init && k.init.state !== 'terminated' && k.init !== child ? k.init : null;
  child.pcb.parent = init ? init.pid : 0;
  if (k.trace.on) {
    k.trace.emit({ t: k.clock.now(), kind: 'orphan', pid: child.pid, task: child.name, peer: child.pcb.parent, peerTask: init ? init.name : 'kernel' });
  }
  if (init) {
    init.adopt(child);
    if (child.zombie) answerWaits(k, init);
  } else if (child.zombie) reap(k, child);
}

/** Removes a dead process from the table for good: its kernel port dies, so handles to it turn into dead names. */
export function reap(k: AnyKernel, task: Task): void {
  task.zombie = false;
  task.reaped = true;
  k.tasks.get(task.pcb.parent)?.disown(task);
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'reap', pid: task.pid, task: task.name, peer: task.pcb.parent });
  const port = task.kernelPortObject;
  if (port?.active) {
    port.receiver = null;
    k.ipc.receiveDestroyed(port);
  }
}

/** Answers the parent's pending wait() calls that a zombie child now satisfies. */
function answerWaits(k: AnyKernel, parent: Task): void {
  const waits = parent.waits;
  if (!waits) return;
  for (let i = 0; i < waits.length; ) {
    const w = waits[i]!;
    const child = zombieChild(parent, w.pid);
    if (!child) {
      i++;
      continue;
    }
    waits.splice(i, 1);
    reap(k, child);
    reply(k, w.kmsg, statusReply(child));
  }
}

function zombieChild(parent: Task, pid: number): Task | null {
  let best: Task | null = null;
  for (const c of parent.children) {
    if (!c.zombie || (pid !== -1 && c.pid !== pid)) continue;
    if (!best || (c.pcb.endedAt ?? 0) < (best.pcb.endedAt ?? 0) || ((c.pcb.endedAt ?? 0) === (best.pcb.endedAt ?? 0) && c.pid < best.pid)) best = c;
  }
  return best;
}

function statusReply(task: Task) {
  return { body: { code: KERN_SUCCESS, pid: task.pid, status: task.pcb.exit } };
}

/** What `fork` shares with the child: every send right, none, or the names listed. */
export type Share = 'all' | 'none' | number[];

/** The routines of the task subsystem: ask on your own kernel port, or on a handle (another task's kernel port). */
export const procRoutines: RoutineTable = {
  [ID.TASK_SELF]: ['task_self', (_k, target) => ok({ name: target.kernelPort })],
  [ID.TASK_INFO]: ['task_info', (k, target) => {
    let rights = 0;
    let memory = 0;
    let handles = 0;
    if (target.space.active) {
      for (const e of target.space.entries.values()) {
        rights++;
        if (e.receive && e.port) for (const m of e.port.queue) memory += m.size;
        if (e.sendRefs > 0 && e.port?.kobject && e.port.kobject !== target.process) handles++;
      }
    }
    Object.assign(target.pcb, { rights, memory, handles });
    if (target.wait) target.pcb.queue = target.wait.what();
    const pcb = structuredClone(target.pcb);
    pcb.cpuTime = k.cpuTimeOf(target);
    return ok({ pcb });
  }],
  [ID.TASK_PS]: ['ps', (k) => ok({ procs: ps(k) })],

  [ID.TASK_FORK]: ['fork', (k, target, req, _kmsg, thread) => {
    const caller = thread.process;
    if (target !== caller) return err(KERN_INVALID_ARGUMENT);
    if (thread.forkChild) {
      // The child of a machine fork, replaying the fork it was copied in the middle of: it is the child.
      thread.forkChild = false;
      return ok({ pid: 0, child: true });
    }
    const share = req.share ?? 'all';
    if (share !== 'all' && share !== 'none' && !(Array.isArray(share) && share.every(int))) return err(KERN_INVALID_VALUE);
    let program: Program<unknown>;
    let snapshot: unknown;
    if (thread.machine) {
      program = thread.programDef as Program<unknown>;
      try {
        snapshot = structuredClone(thread.program!.getPersistedSnapshot());
      } catch (e) {
        caller.lastError = `fork: the machine's snapshot cannot be copied (${(e as Error).message})`;
        return err(KERN_INVALID_ARGUMENT);
      }
    } else {
      const fn = int(req.text) ? k.takeText(req.text) : undefined;
      if (typeof fn !== 'function') {
        caller.lastError = 'fork: no child function';
        return err(KERN_INVALID_ARGUMENT);
      }
      const data = req.data;
      program = (sys: unknown) => (fn as (sys: unknown, data: unknown) => unknown)(sys, data);
    }
    const names = share === 'none' ? [] : share === 'all' ? sendRightNames(caller) : share;
    for (const n of names) {
      const e = caller.space.lookup(n);
      if (!e || e.sendRefs === 0) {
        caller.lastError = `fork: name ${n} is not a send right`;
        return err(KERN_INVALID_NAME);
      }
    }
    const child = k.spawn(typeof req.name === 'string' ? req.name : caller.name, program, {
      parent: caller.pid,
      priority: caller.pcb.priority,
      args: caller.args,
      daemon: req.daemon === true || caller.daemon,
      ...(snapshot !== undefined ? { snapshot } : {}),
    });
    child.forkChild = thread.machine;
    caller.adopt(child);
    for (const n of names) k.shareSend(child.space, caller.space.lookup(n)!.port!, n);
    return { body: { code: KERN_SUCCESS, pid: child.pid }, rights: [k.handleTo(child)] };
  }],

  [ID.TASK_EXEC]: ['exec', (k, target, req, kmsg, caller) => {
    if (target !== caller) return err(KERN_INVALID_ARGUMENT);
    const program = int(req.text) ? k.takeText(req.text) : typeof req.path === 'string' ? k.programs.get(req.path) : undefined;
    if (!program) {
      caller.lastError = `exec: no program ${typeof req.path === 'string' ? JSON.stringify(req.path) : ''}`.trim();
      return err(KERN_INVALID_ARGUMENT);
    }
    dropReply(k, kmsg);
    k.exec(caller, program as Program<unknown>, req.args, typeof req.name === 'string' ? req.name : undefined);
    return DEFER;
  }],

  [ID.TASK_EXIT]: ['exit', (k, target, req, kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    dropReply(k, kmsg);
    // exit() ends the whole process: every thread.
    const status: ExitStatus = { code: int(req.code) ? req.code : 0, reason: 'exit' };
    for (const t of caller.process.threads) if (t !== caller) k.kill(t, status, `exit by ${caller.pid}`);
    k.exit(caller, status);
    if (caller !== caller.process) k.exit(caller.process, status);
    return DEFER;
  }],

  [ID.TASK_THREAD_CREATE]: ['thread_create', (k, target, req, _kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    const fn = int(req.text) ? k.takeText(req.text) : undefined;
    if (typeof fn !== 'function') return err(KERN_INVALID_ARGUMENT);
    const thread = k.spawnThread(caller.process, fn as Program<unknown>);
    return ok({ tid: thread.pid });
  }],

  [ID.TASK_WAIT]: ['wait', (k, target, req, kmsg, thread) => {
    const caller = thread.process;
    if (target !== caller) return err(KERN_INVALID_ARGUMENT);
    const pid = req.pid === undefined ? -1 : req.pid;
    if (!int(pid)) return err(KERN_INVALID_VALUE);
    const child = zombieChild(caller, pid);
    if (child) {
      reap(k, child);
      return statusReply(child);
    }
    const any = [...caller.children].some((c) => pid === -1 || c.pid === pid);
    if (!any && !req.block) {
      caller.lastError = pid === -1 ? 'wait: no children' : `wait: ${pid} is not a child of ${caller.pid}`;
      return err(KERN_NOT_FOUND);
    }
    if (req.nohang) return ok({ pid: 0 });
    (caller.waits ??= []).push({ kmsg, pid });
    return DEFER;
  }],

  [ID.TASK_AWAIT]: ['task_wait', (_k, target, _req, kmsg) => {
    if (target.state === 'terminated') return statusReply(target);
    (target.watchers ??= []).push(kmsg);
    return DEFER;
  }],

  [ID.TASK_TERMINATE]: ['task_terminate', (k, target, _req, _kmsg, caller) => {
    k.killProcess(target, KILLED, `by ${caller.pid}`);
    return target === caller.process ? DEFER : ok();
  }],

  [ID.TASK_SUSPEND]: ['task_suspend', (k, target) => {
    k.suspend(target);
    return ok({ suspendCount: target.suspendCount });
  }],

  [ID.TASK_RESUME]: ['task_resume', (k, target) => {
    if (target.suspendCount === 0) return err(KERN_FAILURE);
    k.resumeTask(target);
    return ok({ suspendCount: target.suspendCount });
  }],

  [ID.TASK_SIGNAL]: ['task_signal', (k, target, req, _kmsg, caller) => {
    switch (req.signal as Signal) {
      case 'term': {
        const notify = target.notifyPortObject;
        if (!notify?.active) return err(KERN_TERMINATED);
        k.ipc.notify(notify, XMACH_NOTIFY_SIGNAL, { signal: 'term', from: caller.pid });
        return ok();
      }
      case 'kill':
        k.killProcess(target, KILLED, `by ${caller.pid}`);
        return target === caller.process ? DEFER : ok();
      case 'stop':
        k.suspend(target);
        return ok();
      case 'cont':
        if (target.suspendCount > 0) k.resumeTask(target);
        return ok();
      default:
        return err(KERN_INVALID_VALUE);
    }
  }],
};

/** Names of the send rights a task could share with a child (its own special ports excepted). */
function sendRightNames(task: Task): number[] {
  const special = new Set([task.kernelPort, task.bootstrapPort]);
  const out: number[] = [];
  for (const e of task.space.entries.values()) if (e.sendRefs > 0 && e.port?.active && !special.has(e.name)) out.push(e.name);
  return out;
}

/** Requests on a zombie's kernel port that still make sense (the rest get KERN_TERMINATED). */
export const ZOMBIE_OK = new Set([ID.TASK_INFO, ID.TASK_AWAIT, ID.TASK_SELF]);

/** Deferred requests held by the process model (for the audit). */
export function pendingRequests(task: Task): KMsg[] {
  return [...(task.waits ?? []).map((w) => w.kmsg), ...(task.watchers ?? [])];
}
