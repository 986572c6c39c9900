import {
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NOT_IN_SET,
  KERN_SUCCESS,
  MACH_RCV_PORT_CHANGED,
  MACH_RCV_PORT_DIED,
} from '../../ports/codes.ts';
import { validQlimit, type Port } from '../../ports/port.ts';
import { deallocateName, destroyReceive, modRefs } from '../../ports/rights.ts';
import { IpcSpace } from '../../ports/space.ts';
import type { Task } from '../../tasks/task.ts';
import { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS } from '../../ports/notify.ts';
import type { MACH_PORT } from './defs.ts';
import { err, int, ok, type Handlers, type Reply } from './mig.ts';

/**
 * The `mach_port` routines (see `MACH_PORT` in defs.ts), served on a task's
 * kernel port: they act on that task's name space.
 */
export const portRoutines: Handlers<typeof MACH_PORT> = {
  port_allocate: (k, task, req) => {
    const right = req.right ?? 'receive';
    const label = typeof req.label === 'string' ? req.label : '';
    if (right === 'receive') return ok({ name: task.space.entryFor(k.newPort(task.space, label))!.name });
    if (right === 'port-set') {
      const set = k.newPortSet(task.space);
      return ok({ name: [...task.space.entries.values()].find((e) => e.pset === set)!.name });
    }
    if (right === 'dead-name') {
      const e = task.space.allocate(null, false);
      e.deadRefs = 1;
      return ok({ name: e.name });
    }
    return err(KERN_INVALID_VALUE);
  },
  port_deallocate: (k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (e?.pset && !e.receive && e.sendRefs === 0) return destroySet(task.space, req.name);
    return err(deallocateName(task.space, req.name, k.ipc));
  },
  port_destroy: (k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const space = task.space;
    const e = space.lookup(req.name);
    if (!e) return err(KERN_INVALID_NAME);
    if (e.pset) return destroySet(space, req.name);
    while (e.sendRefs > 0 || e.sendOnce || e.deadRefs > 0) deallocateName(space, req.name, k.ipc);
    if (e.receive) destroyReceive(space, e, k.ipc);
    const left = space.entries.get(req.name);
    if (left) {
      left.deadRefs = 0;
      space.freeIfEmpty(left);
    }
    return ok();
  },
  port_mod_refs: (k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    if (!int(req.delta)) return err(KERN_INVALID_VALUE);
    if (req.right !== 'send' && req.right !== 'dead-name') return err(KERN_INVALID_VALUE);
    return err(modRefs(task.space, req.name, req.right, req.delta, k.ipc));
  },
  port_get_refs: (_k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (!e) return err(KERN_INVALID_NAME);
    const refs: Record<string, number> = {
      send: e.sendRefs, 'send-once': e.sendOnce ? 1 : 0, receive: e.receive ? 1 : 0, 'dead-name': e.deadRefs,
      'port-set': e.pset ? 1 : 0,
    };
    const right = String(req.right ?? 'send');
    if (!(right in refs)) return err(KERN_INVALID_VALUE);
    return ok({ refs: refs[right] });
  },
  port_type: (_k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (!e) return err(KERN_INVALID_NAME);
    return ok({ type: IpcSpace.typeOf(e), rights: IpcSpace.kinds(e) });
  },
  port_names: (_k, task) => {
    const names = [...task.space.entries.keys()].sort((a, b) => a - b).map((name) => {
      const e = task.space.lookup(name)!;
      return { name, rights: IpcSpace.kinds(e), port: e.port?.id ?? null, label: e.port?.label ?? '' };
    });
    return ok({ names });
  },
  port_set_qlimit: (k, task, req) => {
    const port = receivePort(task, req.name);
    if (!port) return err(KERN_INVALID_RIGHT);
    if (!validQlimit(req.qlimit)) return err(KERN_INVALID_VALUE);
    port.qlimit = req.qlimit;
    // More room may let blocked senders in.
    k.ipc.admitSenders(port);
    return ok();
  },
  port_get_attributes: (_k, task, req) => {
    const port = receivePort(task, req.name);
    if (!port) return err(KERN_INVALID_RIGHT);
    return ok({
      qlimit: port.qlimit, msgcount: port.queue.length, seqno: port.seqno, mscount: port.mscount, srights: port.srights,
      sorights: port.sorights, inSet: port.pset !== null, blockedSenders: port.senders.length, label: port.label,
    });
  },
  port_set_label: (_k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (!e || !e.port) return err(KERN_INVALID_NAME);
    if (typeof req.label !== 'string') return err(KERN_INVALID_VALUE);
    e.port.label = req.label;
    return ok();
  },
  port_move_member: (k, task, req) => {
    const port = receivePort(task, req.member);
    if (!port) return err(KERN_INVALID_RIGHT);
    if (req.after === 0) {
      if (!port.pset) return err(KERN_NOT_IN_SET);
      port.pset.members.delete(port);
      port.pset = null;
      return ok();
    }
    if (!int(req.after)) return err(KERN_INVALID_NAME);
    const se = task.space.lookup(req.after);
    if (!se) return err(KERN_INVALID_NAME);
    if (!se.pset) return err(KERN_INVALID_RIGHT);
    const set = se.pset;
    port.pset?.members.delete(port);
    port.pset = set;
    set.members.add(port);
    // Receivers waiting on the port itself lose it to the set (MACH_RCV_PORT_CHANGED).
    for (const w of port.receivers.drain()) w.deliver(null, MACH_RCV_PORT_CHANGED, port);
    const pending = port.queue.length + port.senders.length;
    for (let i = 0; i < pending; i++) set.arrivals.push(port);
    // Receivers already waiting on the set take what the port holds.
    while (set.receivers.length > 0) {
      const from = set.nextReady();
      const kmsg = from ? k.ipc.pull(from) : null;
      if (!kmsg || !from) break;
      const w = set.receivers.shift()!;
      w.deliver(kmsg, KERN_SUCCESS, from);
    }
    return ok();
  },
  port_request_notification: (k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const space = task.space;
    const notifyName = req.notify ?? task.notifyPort;
    const notify = receivePort(task, notifyName);
    if (!notify) return err(KERN_INVALID_RIGHT);
    const e = space.lookup(req.name);
    if (!e) return err(KERN_INVALID_NAME);
    if (req.kind === 'dead-name') {
      if (e.deadRefs > 0 && !e.port) {
        // Already dead: the notification is immediate (Mach, with a nonzero sync).
        e.deadRefs++;
        k.ipc.notify(notify, MACH_NOTIFY_DEAD_NAME, { name: req.name });
        return ok();
      }
      if (!e.port || (e.sendRefs === 0 && !e.sendOnce)) return err(KERN_INVALID_RIGHT);
      if (e.dnrequest) return ok();
      e.dnrequest = true;
      notify.sorights++;
      (e.port.dnrequests ??= []).push({ notify, space, name: req.name });
      return ok();
    }
    if (req.kind === 'no-senders') {
      if (!e.receive) return err(KERN_INVALID_RIGHT);
      const port = e.port!;
      if (port.nsrequest) port.nsrequest.sorights--;
      notify.sorights++;
      port.nsrequest = notify;
      if (port.srights === 0) {
        port.nsrequest = null;
        notify.sorights--;
        k.ipc.notify(notify, MACH_NOTIFY_NO_SENDERS, { mscount: port.mscount });
      }
      return ok();
    }
    return err(KERN_INVALID_VALUE);
  },
};

function receivePort(task: Task, name: unknown): Port | null {
  if (!int(name)) return null;
  const e = task.space.lookup(name);
  return e?.receive ? e.port : null;
}

/** Destroys a port set: its members leave it, receivers waiting on it get MACH_RCV_PORT_DIED. */
function destroySet(space: IpcSpace, name: number): Reply {
  const e = space.lookup(name)!;
  const set = e.pset!;
  for (const p of set.members) p.pset = null;
  set.members.clear();
  set.active = false;
  for (const w of set.receivers.drain()) w.deliver(null, MACH_RCV_PORT_DIED, null);
  e.pset = null;
  space.freeIfEmpty(e);
  return ok();
}

