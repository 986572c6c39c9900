import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_VALUE,
  KERN_NOT_FOUND,
  KERN_SUCCESS,
  KERN_TERMINATED,
} from '../../ports/codes.ts';
import type { ExitStatus } from '../../tasks/pcb.ts';
import type { Program } from '../../tasks/program.ts';
import type { Task } from '../../tasks/task.ts';
import { createTask, createThread, execTask, exitTask, killProcess, killTask, resumeTask, suspendTask } from '../task/lifecycle.ts';
import { XMACH_NOTIFY_SIGNAL } from '../../ports/notify.ts';
import { KILLED, ps, reap, statusReply, zombieChild } from '../task/proc.ts';
import type { Signal, TASK } from './defs.ts';
import { DEFER, dropReply, err, int, ok, type Handlers } from './mig.ts';
import type { Region } from '../vm/region.ts';

/**
 * The task and process routines (see `TASK` in defs.ts): on a task's own kernel
 * port a task forks, execs, exits, waits; on another task's port (a handle) it
 * reads the PCB, suspends, resumes, signals, waits for the end.
 */
export const taskRoutines: Handlers<typeof TASK> = {
  task_self: (_k, target) => ok({ name: target.kernelPort }),
  task_info: (k, target) => {
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
    // Memory-management information: the regions the process maps.
    const proc = target.process;
    const regions = [...(proc.mapped ?? [])].map((m) => {
      const r = m as Region;
      return { region: r.port.id, size: r.size, shared: r.shared, writable: r.mappings.get(proc)?.writable ?? true };
    });
    Object.assign(target.pcb, { rights, memory, handles, regions });
    if (target.wait) target.pcb.queue = target.wait.what();
    const pcb = structuredClone(target.pcb);
    pcb.cpuTime = k.cpuTimeOf(target);
    return ok({ pcb });
  },
  ps: (k) => ok({ procs: ps(k) }),

  fork: (k, target, req, _kmsg, thread) => {
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
    const child = createTask(k, typeof req.name === 'string' ? req.name : caller.name, program, {
      parent: caller.pid,
      priority: caller.pcb.priority,
      args: caller.args,
      daemon: req.daemon === true || caller.daemon,
      ...(snapshot !== undefined ? { snapshot } : {}),
    });
    child.forkChild = thread.machine;
    caller.adopt(child);
    for (const n of names) k.shareSend(child.space, caller.space.lookup(n)!.port!, n);
    // Its memory: shared regions stay shared (MAP_SHARED); private ones are copied (MAP_PRIVATE).
    for (const region of caller.mapped ?? []) {
      const r = region as Region;
      const mine = (caller.privateCopies?.get(r) as Region | undefined) ?? r;
      const writable = mine.mappings.get(caller)?.writable ?? true;
      if (r.shared) r.map(child, writable);
      else {
        const copy = mine.copy(k.newPort(k.kspace, `${child.name}.copy`));
        copy.map(child, writable);
        (child.privateCopies ??= new Map()).set(r, copy);
      }
    }
    return { body: { code: KERN_SUCCESS, pid: child.pid }, rights: [k.handleTo(child)] };
  },

  exec: (k, target, req, kmsg, caller) => {
    if (target !== caller) return err(KERN_INVALID_ARGUMENT);
    const program = int(req.text) ? k.takeText(req.text) : typeof req.path === 'string' ? k.programs.get(req.path) : undefined;
    if (!program) {
      caller.lastError = `exec: no program ${typeof req.path === 'string' ? JSON.stringify(req.path) : ''}`.trim();
      return err(KERN_INVALID_ARGUMENT);
    }
    dropReply(k, kmsg);
    execTask(k, caller, program as Program<unknown>, req.args, typeof req.name === 'string' ? req.name : undefined);
    return DEFER;
  },

  exit: (k, target, req, kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    dropReply(k, kmsg);
    // exit() ends the whole process: every thread.
    const status: ExitStatus = { code: int(req.code) ? req.code : 0, reason: 'exit' };
    for (const t of caller.process.threads) if (t !== caller) killTask(k, t, status, `exit by ${caller.pid}`);
    exitTask(k, caller, status);
    if (caller !== caller.process) exitTask(k, caller.process, status);
    return DEFER;
  },

  set_child_subreaper: (_k, target, req, _kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    target.subreaper = req.on !== false;
    return ok();
  },

  thread_create: (k, target, req, _kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    const fn = int(req.text) ? k.takeText(req.text) : undefined;
    if (typeof fn !== 'function') return err(KERN_INVALID_ARGUMENT);
    const thread = createThread(k, caller.process, fn as Program<unknown>);
    return ok({ tid: thread.pid });
  },

  wait: (k, target, req, kmsg, thread) => {
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
    // init (pid 1) waits even with no children: orphans will come to it.
    if (!any && !req.block && caller !== k.init) {
      caller.lastError = pid === -1 ? 'wait: no children' : `wait: ${pid} is not a child of ${caller.pid}`;
      return err(KERN_NOT_FOUND);
    }
    if (req.nohang) return ok({ pid: 0 });
    (caller.waits ??= []).push({ kmsg, pid });
    return DEFER;
  },

  task_wait: (_k, target, _req, kmsg) => {
    if (target.processEnded) return statusReply(target);
    (target.watchers ??= []).push(kmsg);
    return DEFER;
  },

  task_terminate: (k, target, _req, _kmsg, caller) => {
    killProcess(k, target, KILLED, `by ${caller.pid}`);
    return target === caller.process ? DEFER : ok();
  },

  task_suspend: (k, target) => {
    suspendTask(k, target);
    return ok({ suspendCount: target.suspendCount });
  },

  task_resume: (k, target) => {
    if (target.suspendCount === 0) return err(KERN_FAILURE);
    resumeTask(k, target);
    return ok({ suspendCount: target.suspendCount });
  },

  kill: (k, target, req, _kmsg, caller) => {
    switch (req.signal as Signal) {
      case 'term': {
        const notify = target.notifyPortObject;
        if (!notify?.active) return err(KERN_TERMINATED);
        k.ipc.notify(notify, XMACH_NOTIFY_SIGNAL, { signal: 'term', from: caller.pid });
        return ok();
      }
      case 'kill':
        killProcess(k, target, KILLED, `by ${caller.pid}`);
        return target === caller.process ? DEFER : ok();
      case 'stop':
        suspendTask(k, target);
        return ok();
      case 'cont':
        if (target.suspendCount > 0) resumeTask(k, target);
        return ok();
      default:
        return err(KERN_INVALID_VALUE);
    }
  },
};

/** Names of the send rights a task could share with a child (its own special ports excepted). */
function sendRightNames(task: Task): number[] {
  const special = new Set([task.kernelPort, task.bootstrapPort]);
  const out: number[] = [];
  for (const e of task.space.entries.values()) if (e.sendRefs > 0 && e.port?.active && !special.has(e.name)) out.push(e.name);
  return out;
}

