import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NAME_EXISTS,
  KERN_NOT_FOUND,
  KERN_OPERATION_TIMED_OUT,
  KERN_RESOURCE_SHORTAGE,
  KERN_SUCCESS,
  KERN_TERMINATED,
} from '../../ports/codes.ts';
import type { Port } from '../../ports/port.ts';
import { destroyReceive } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';
import { Semaphore } from '../sync/semaphore.ts';
import { Region, REGION_MAX } from '../vm/region.ts';
import type { ANDROID, SYNC, VM } from './defs.ts';
import { IMPORTANCE, type Importance } from '../task/lmk.ts';
import { DEFER, err, int, ok, reply, type Handlers } from './mig.ts';

/** The kernel object a name in the caller's space stands for, if it is of that class. */
function objectOf<T>(caller: Task, name: unknown, cls: new (...a: never[]) => T): T | null {
  if (!int(name)) return null;
  const port: Port | null | undefined = caller.space.lookup(name)?.port;
  return port?.active && port.kobject instanceof cls ? (port.kobject as T) : null;
}

/**
 * The memory-region routines (see `VM` in defs.ts). Codes: KERN_SUCCESS,
 * KERN_INVALID_NAME (not a region), KERN_INVALID_VALUE (a size out of range:
 * 0..64 MiB), KERN_NOT_FOUND (unmapping a region not mapped).
 */
export const vmRoutines: Handlers<typeof VM> = {
  region_create: (k, _target, req, _kmsg, caller) => {
    if (!int(req.size) || req.size < 0 || req.size > REGION_MAX) return err(KERN_INVALID_VALUE);
    const label = typeof req.label === 'string' ? req.label : `${caller.name}.region`;
    const region = new Region(k.newPort(k.kspace, label), req.size, req.shared !== false, k.ipc);
    k.trace.counters.regionsCreated++;
    return ok({ region: k.giveSend(caller.space, region.port) });
  },
  region_map: (_k, _target, req, _kmsg, caller) => {
    const region = objectOf(caller, req.region, Region);
    if (!region) return err(KERN_INVALID_NAME);
    region.map(caller.process, req.writable !== false);
    return ok();
  },
  region_unmap: (_k, _target, req, _kmsg, caller) => {
    const region = objectOf(caller, req.region, Region);
    if (!region) return err(KERN_INVALID_NAME);
    return err(region.unmap(caller.process) ? KERN_SUCCESS : KERN_NOT_FOUND);
  },
  region_resize: (_k, _target, req, _kmsg, caller) => {
    const region = objectOf(caller, req.region, Region);
    if (!region) return err(KERN_INVALID_NAME);
    return err(region.resize(req.size as number) ? KERN_SUCCESS : KERN_INVALID_VALUE);
  },
};

/**
 * The semaphore routines (see `SYNC` in defs.ts). A wait at 0 blocks the
 * caller (waiting state) until a signal, first come first served; with
 * `timeout` it gives up after that long (KERN_OPERATION_TIMED_OUT; 0 = try).
 * Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_INVALID_VALUE,
 * KERN_OPERATION_TIMED_OUT, KERN_TERMINATED (destroyed while waiting),
 * KERN_INVALID_RIGHT (unlocking a mutex another task holds, or one nobody holds), KERN_NAME_EXISTS /
 * KERN_NOT_FOUND (named semaphores).
 */
export const syncRoutines: Handlers<typeof SYNC> = {
  semaphore_create: (k, _target, req, _kmsg, caller) => {
    if (!int(req.value) || req.value < 0) return err(KERN_INVALID_VALUE);
    const name = typeof req.name === 'string' ? req.name : '';
    const sem = new Semaphore(k.newPort(k.kspace, name || `${caller.name}.semaphore`), req.value, name, req.mutex === true);
    return ok({ semaphore: k.giveSend(caller.space, sem.port) });
  },
  semaphore_wait: (k, _target, req, kmsg, caller) => {
    const sem = objectOf(caller, req.semaphore, Semaphore);
    if (!sem) return err(KERN_INVALID_NAME);
    const timeout = req.timeout;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) return err(KERN_INVALID_ARGUMENT);
    if (sem.value > 0) {
      sem.value--;
      if (sem.mutex) sem.holder = caller;
      return ok();
    }
    if (timeout === 0) return err(KERN_OPERATION_TIMED_OUT);
    const w = { task: caller, request: kmsg };
    sem.waiters.push(w);
    caller.deferredOn = sem.describe();
    if (timeout !== undefined && timeout < 2 ** 53) {
      k.clock.after(timeout, () => {
        const i = sem.waiters.indexOf(w);
        if (i < 0) return;
        sem.waiters.splice(i, 1);
        reply(k, kmsg, err(KERN_OPERATION_TIMED_OUT));
      });
    }
    return DEFER;
  },
  semaphore_signal: (k, _target, req, _kmsg, caller) => {
    const sem = objectOf(caller, req.semaphore, Semaphore);
    if (!sem) return err(KERN_INVALID_NAME);
    // A mutex is unlocked only by its holder's process, and only while it is locked (an unlocked one would count to 2).
    if (sem.mutex && (sem.holder === null ? sem.value > 0 : sem.holder.process !== caller.process)) return err(KERN_INVALID_RIGHT);
    // Waiters that ended while they waited lose their turn (a signal handed to one would be lost).
    sem.prune(k.ipc);
    const next = sem.waiters.shift();
    if (next) {
      // The value goes straight to the first waiter.
      if (sem.mutex) sem.holder = next.task;
      reply(k, next.request, ok());
    } else {
      sem.value++;
      if (sem.mutex) sem.holder = null;
    }
    return ok();
  },
  semaphore_destroy: (k, _target, req, _kmsg, caller) => {
    const sem = objectOf(caller, req.semaphore, Semaphore);
    if (!sem) return err(KERN_INVALID_NAME);
    for (const w of sem.waiters.splice(0)) reply(k, w.request, err(KERN_TERMINATED));
    if (sem.name) k.namedSemaphores.delete(sem.name);
    const e = k.kspace.entryFor(sem.port);
    if (e) destroyReceive(k.kspace, e, k.ipc);
    return ok();
  },
  sem_open: (k, _target, req, _kmsg, caller) => {
    if (typeof req.name !== 'string' || !req.name.startsWith('/')) return err(KERN_INVALID_VALUE);
    let sem = k.namedSemaphores.get(req.name);
    if (!sem) {
      if (req.create !== true) return err(KERN_NOT_FOUND);
      if (!int(req.value) || req.value < 0) return err(KERN_INVALID_VALUE);
      sem = new Semaphore(k.newPort(k.kspace, req.name), req.value, req.name, false);
      k.namedSemaphores.set(req.name, sem);
    } else if (req.create === true && req.exclusive === true) return err(KERN_NAME_EXISTS);
    return ok({ semaphore: k.giveSend(caller.space, sem.port) });
  },
  sem_unlink: (k, _target, req) => {
    if (typeof req.name !== 'string' || !k.namedSemaphores.delete(req.name)) return err(KERN_NOT_FOUND);
    return ok(); // the semaphore lives on while tasks hold rights to it
  },
};

/**
 * Android's memory and importance routines (see `ANDROID` in defs.ts). Codes:
 * KERN_SUCCESS, KERN_INVALID_VALUE (a size or class out of range),
 * KERN_RESOURCE_SHORTAGE (not enough memory even after the low-memory killer
 * ran: the allocation is not made).
 */
export const androidRoutines: Handlers<typeof ANDROID> = {
  mem_alloc: (k, target, req, _kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    const mb = req.mb;
    if (typeof mb !== 'number' || !(mb >= 0) || !Number.isFinite(mb)) return err(KERN_INVALID_VALUE);
    const proc = caller.process;
    proc.pcb.allocated += mb;
    proc.pcb.lastActive = k.clock.now();
    k.lmk.reclaim(k, proc);
    if (k.lmk.free(k) < 0) {
      proc.pcb.allocated -= mb;
      return err(KERN_RESOURCE_SHORTAGE);
    }
    return ok();
  },
  mem_free: (_k, target, req, _kmsg, caller) => {
    if (target !== caller.process) return err(KERN_INVALID_ARGUMENT);
    const mb = req.mb;
    if (typeof mb !== 'number' || !(mb >= 0) || mb > caller.process.pcb.allocated) return err(KERN_INVALID_VALUE);
    caller.process.pcb.allocated -= mb;
    return ok();
  },
  set_importance: (k, target, req) => {
    if (!(IMPORTANCE as readonly unknown[]).includes(req.importance)) return err(KERN_INVALID_VALUE);
    target.pcb.importance = req.importance as Importance;
    if (req.importance === 'foreground') target.pcb.lastActive = k.clock.now();
    k.lmk.reclaim(k, null);
    return ok();
  },
  mem_info: (k) => ok({ total: k.lmk.total, free: k.lmk.free(k), kills: k.lmk.kills.length }),
  bind_service: (k, target, _req, _kmsg, caller) => {
    k.lmk.bind(target, caller.process);
    return ok();
  },
};
