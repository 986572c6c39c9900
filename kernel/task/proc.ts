import { KERN_SUCCESS } from '../../ports/codes.ts';
import type { KMsg } from '../../ports/message.ts';
import type { ExitStatus, ProcRow } from '../../tasks/pcb.ts';
export type { ProcRow } from '../../tasks/pcb.ts';
import type { Program } from '../../tasks/program.ts';
import type { Task } from '../../tasks/task.ts';
import { killProcess, type TaskKernel } from './lifecycle.ts';
import { reply } from '../ipc/reply.ts';

/** Options of the process model. */
export interface ProcessOptions {
  /**
   * Create `init` as pid 1 at boot (default false). Orphans are then given to init.
   * - `true`: the kernel's own init, a daemon that reaps every child it is given.
   * - a program (an async function or a machine): yours runs as pid 1, named `init`, as a
   *   daemon; it adopts orphans and must reap them with `wait` (zombies pile up under an init
   *   that never waits, as on Unix).
   * Without init, orphans go to the kernel (ppid 0), which reaps them when they end. If init
   * itself ends, xmach does not panic as Unix does: later orphans go to the kernel.
   */
  init?: boolean | Program<any>;
  /** Cascading termination (default false): when a process ends, the kernel terminates all its descendants. */
  cascade?: boolean;
}

/** Exit status of a process ended by a kill (as a shell reports SIGKILL: 128 + 9). */
export const KILLED: ExitStatus = { code: 137, reason: 'killed' };


/** The process table as `ps` shows it: every process not yet reaped (zombies included), by pid. */
export function ps(k: TaskKernel): ProcRow[] {
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
export function afterExit(k: TaskKernel, task: Task): void {
  for (const child of [...task.children]) {
    if (k.proc.cascade && child.state !== 'terminated') killProcess(k, child, KILLED, `cascade from ${task.pid}`);
    else reparent(k, child);
  }
  const watchers = task.watchers;
  task.watchers = null;
  for (const w of watchers ?? []) reply(k, w, statusReply(task));
  const parent = k.tasks.get(task.pcb.parent);
  if (!parent || parent.processEnded) {
    reap(k, task);
    return;
  }
  task.zombie = true;
  if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'zombie', pid: task.pid, task: task.name, peer: parent.pid, peerTask: parent.name });
  answerWaits(k, parent);
}

/** Gives an orphan to init (or to the kernel when there is no init). */
function reparent(k: TaskKernel, child: Task): void {
  const old = k.tasks.get(child.pcb.parent);
  old?.disown(child);
  // The nearest living ancestor that asked to be a subreaper adopts it (Linux's
  // PR_SET_CHILD_SUBREAPER); else init; else the kernel.
  const init = subreaperOf(k, old) ?? (k.init && k.init.state !== 'terminated' && k.init !== child ? k.init : null);
  child.pcb.parent = init ? init.pid : 0;
  if (k.trace.on) {
    k.trace.emit({ t: k.clock.now(), kind: 'orphan', pid: child.pid, task: child.name, peer: child.pcb.parent, peerTask: init ? init.name : 'kernel' });
  }
  if (init) {
    init.adopt(child);
    if (child.zombie) answerWaits(k, init);
  } else if (child.zombie) reap(k, child);
}

/** The nearest living ancestor of a dead parent that is a subreaper, if any. */
function subreaperOf(k: TaskKernel, parent: Task | undefined): Task | null {
  for (let t = parent ? k.tasks.get(parent.pcb.parent) : undefined; t; t = k.tasks.get(t.pcb.parent)) {
    if (t.subreaper && !t.processEnded) return t;
    if (t.pid === 0 || t.pcb.parent === t.pid) break;
  }
  return null;
}

/** Removes a dead process from the table for good: its kernel port dies, so handles to it turn into dead names. */
export function reap(k: TaskKernel, task: Task): void {
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
function answerWaits(k: TaskKernel, parent: Task): void {
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

export function zombieChild(parent: Task, pid: number): Task | null {
  let best: Task | null = null;
  for (const c of parent.children) {
    if (!c.zombie || (pid !== -1 && c.pid !== pid)) continue;
    if (!best || (c.pcb.endedAt ?? 0) < (best.pcb.endedAt ?? 0) || ((c.pcb.endedAt ?? 0) === (best.pcb.endedAt ?? 0) && c.pid < best.pid)) best = c;
  }
  return best;
}

/** The answer to a wait for task: its pid and how it ended. */
export function statusReply(task: Task) {
  return { body: { code: KERN_SUCCESS, pid: task.pid, status: task.pcb.exit } };
}


/** Deferred requests held by the process model (for the audit). */
export function pendingRequests(task: Task): KMsg[] {
  return [...(task.waits ?? []).map((w) => w.kmsg), ...(task.watchers ?? [])];
}
