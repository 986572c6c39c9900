import {
  KERN_FAILURE,
  KERN_NO_ACCESS,
  KERN_SUCCESS,
  MIG_BAD_ARGUMENTS,
  NETNAME_INVALID_PORT,
  NETNAME_NOT_CHECKED_IN,
  NETNAME_NOT_YOURS,
} from '../../ports/codes.ts';
import { deallocateName, putRight, takeRight } from '../../ports/rights.ts';
import type { IpcSpace } from '../../ports/space.ts';
import type { ServerKernel } from './mig.ts';
import type { BOOTSTRAP, NETNAME } from './defs.ts';
import { DEFER, err, ok, reply, type Handlers, type Reply } from './mig.ts';

/**
 * The name service (Mach 2.5 netname; see `NETNAME` in defs.ts), served on the
 * bootstrap port. Names map to send rights the kernel holds in its own space.
 *
 * This is the default (`nameService: 'kernel'`). On a host booted with
 * `nameService: 'task'` the kernel does not serve the bootstrap port: its receive
 * right waits in the kernel's `unclaimed` space (requests queue on it) until a
 * name-server task takes it with `bootstrap_claim` (servers/netname/server.ts
 * serves the same three routines, same ids, same codes). When that task ends, the
 * right comes back to the kernel with whatever is still queued (`reclaimBootstrap`),
 * so every task's bootstrap send right stays good and the next name server to
 * claim it answers those requests. Mach 3's bootstrap server keeps the receive
 * right the same way; xmach's "backup" is the kernel, as Mach 2.5's backup ports.
 */
export const netnameRoutines: Handlers<typeof NETNAME> = {
  netname_check_in: (k, task, req, kmsg) => {
    if (typeof req.name !== 'string' || req.name.length === 0 || req.name.length > 80) return err(MIG_BAD_ARGUMENTS);
    const right = kmsg.rights[0];
    if (!right || right.kind !== 'send' || !right.port) return err(NETNAME_INVALID_PORT);
    const had = liveName(k, req.name);
    if (had && had.owner !== task.pid) return err(NETNAME_NOT_YOURS);
    kmsg.rights = [];
    const name = putRight(k.kspace, right, k.ipc).name;
    if (had && had.name !== name) deallocateName(k.kspace, had.name, k.ipc);
    k.netnames.set(req.name, { name, owner: task.pid });
    const waiting = k.netnameWaiters.get(req.name);
    k.netnameWaiters.delete(req.name);
    for (const w of waiting ?? []) reply(k, w, lookUpAnswer(k, req.name));
    return ok();
  },
  netname_look_up: (k, _task, req, kmsg) => {
    if (typeof req.name !== 'string') return err(MIG_BAD_ARGUMENTS);
    const name = req.name;
    if (liveName(k, name)) return lookUpAnswer(k, name);
    if (!req.wait) return err(NETNAME_NOT_CHECKED_IN);
    const list = k.netnameWaiters.get(name) ?? [];
    list.push(kmsg);
    k.netnameWaiters.set(name, list);
    return DEFER;
  },
  netname_check_out: (k, task, req) => {
    if (typeof req.name !== 'string') return err(MIG_BAD_ARGUMENTS);
    const had = liveName(k, req.name);
    if (!had) return err(NETNAME_NOT_CHECKED_IN);
    if (had.owner !== task.pid) return err(NETNAME_NOT_YOURS);
    k.netnames.delete(req.name);
    deallocateName(k.kspace, had.name, k.ipc);
    return ok();
  },
};

/**
 * A registration whose port is still alive. One whose port died (its server
 * ended) is forgotten here, so look-ups wait for, and anyone may check in, a
 * new server under the name (as launchd makes a dead service inactive).
 */
function liveName(k: ServerKernel, name: string): { name: number; owner: number } | undefined {
  const reg = k.netnames.get(name);
  if (!reg) return undefined;
  const e = k.kspace.lookup(reg.name);
  if (e && e.sendRefs > 0) return reg;
  k.netnames.delete(name);
  if (e) deallocateName(k.kspace, reg.name, k.ipc);
  return undefined;
}

/** The reply to a look-up of a checked-in name: a copy of the registered send right. */
function lookUpAnswer(k: ServerKernel, name: string): Reply {
  const reg = k.netnames.get(name)!;
  return { body: { code: KERN_SUCCESS }, rights: [takeRight(k.kspace, reg.name, 'copy-send', k.ipc)] };
}


/** The BOOTSTRAP subsystem's handler (see `BOOTSTRAP` in defs.ts). */
export const bootstrapRoutines: Handlers<typeof BOOTSTRAP> = {
  bootstrap_claim: (k, task) => {
    const r = claimBootstrap(k, task.space);
    return typeof r === 'number' ? err(r) : ok({ name: r.name });
  },
};

/**
 * Routine: claimBootstrap
 * Purpose: a name-server task takes the receive right of its host's bootstrap port
 * from the kernel's `unclaimed` space, with the requests queued on it.
 * Returns the name in the task's space, or KERN_FAILURE (the kernel serves this
 * host's name service) or KERN_NO_ACCESS (the kernel does not hold the right).
 */
export function claimBootstrap(k: ServerKernel, space: IpcSpace): { name: number } | number {
  if (k.nameService !== 'task') return KERN_FAILURE;
  const port = k.bootstrap;
  const e = port.active && port.receiver === k.unclaimed ? k.unclaimed.entryFor(port) : undefined;
  if (!e) return KERN_NO_ACCESS;
  return putRight(space, takeRight(k.unclaimed, e.name, 'move-receive', k.ipc), k.ipc);
}

/**
 * Routine: reclaimBootstrap
 * Purpose: a task's space is about to be destroyed (the task ended). If it holds the
 * bootstrap port's receive right (a name server died), the right goes back to the
 * kernel's `unclaimed` space instead of dying: the port, every task's send right to
 * it and the requests queued on it live on, waiting for the next `bootstrap_claim`.
 * What the dead server had already taken (look-ups it kept waiting, a request it had
 * received and not answered) ended with it:
 * their reply rights are destroyed, so those callers read MIG_SERVER_DIED.
 */
export function reclaimBootstrap(k: ServerKernel, space: IpcSpace): void {
  const port = k.bootstrap;
  if (port.receiver !== space || !port.active) return;
  const e = space.entryFor(port);
  if (!e?.receive) return;
  putRight(k.unclaimed, takeRight(space, e.name, 'move-receive', k.ipc), k.ipc);
  if (k.trace.on) {
    k.trace.emit({
      t: k.clock.now(), kind: 'log', pid: 0, task: 'kernel', port: port.id, portLabel: port.label,
      detail: `bootstrap port back to the kernel (its name server, pid ${space.pid}, ended): ${port.queue.length} requests wait for the next bootstrap_claim`,
    });
  }
}
