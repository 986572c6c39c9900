import {
  KERN_SUCCESS,
  MIG_BAD_ARGUMENTS,
  NETNAME_INVALID_PORT,
  NETNAME_NOT_CHECKED_IN,
  NETNAME_NOT_YOURS,
} from '../../ports/codes.ts';
import { deallocateName, putRight, takeRight } from '../../ports/rights.ts';
import type { ServerKernel } from './mig.ts';
import type { NETNAME } from './defs.ts';
import { DEFER, err, ok, reply, type Handlers, type Reply } from './mig.ts';

/**
 * The name service (Mach 2.5 netname; see `NETNAME` in defs.ts), served on the
 * bootstrap port. Names map to send rights the kernel holds in its own space.
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

