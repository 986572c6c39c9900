import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NOT_IN_SET,
  KERN_SUCCESS,
  KERN_TERMINATED,
  MACH_RCV_PORT_CHANGED,
  MACH_RCV_PORT_DIED,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  NETNAME_INVALID_PORT,
  NETNAME_NOT_CHECKED_IN,
  NETNAME_NOT_YOURS,
  codeName,
} from '../../ports/codes.ts';
import { validQlimit, type Port } from '../../ports/port.ts';
import { deallocateName, destroyReceive, modRefs, putRight, releaseRight, takeRight } from '../../ports/rights.ts';
import { IpcSpace } from '../../ports/space.ts';
import type { Task } from '../../tasks/task.ts';
import { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS } from '../ipc/notify.ts';
import * as ID from './ids.ts';
import type { AnyKernel } from '../kernel.ts';
import { DEFER, err, int, ok, reply, type Reply, type RoutineTable } from './mig.ts';
import { procRoutines, ZOMBIE_OK } from '../task/proc.ts';

/** The task's kernel-port interface: ports and the task itself. */
const taskPortHandlers: RoutineTable = {
  ...procRoutines,
  [ID.PORT_ALLOCATE]: ['port_allocate', (k, task, req) => {
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
  }],
  [ID.PORT_DEALLOCATE]: ['port_deallocate', (k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (e?.pset && !e.receive && e.sendRefs === 0) return destroySet(task.space, req.name);
    return err(deallocateName(task.space, req.name, k.ipc));
  }],
  [ID.PORT_DESTROY]: ['port_destroy', (k, task, req) => {
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
  }],
  [ID.PORT_MOD_REFS]: ['port_mod_refs', (k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    if (!int(req.delta)) return err(KERN_INVALID_VALUE);
    if (req.right !== 'send' && req.right !== 'dead-name') return err(KERN_INVALID_VALUE);
    return err(modRefs(task.space, req.name, req.right, req.delta, k.ipc));
  }],
  [ID.PORT_GET_REFS]: ['port_get_refs', (_k, task, req) => {
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
  }],
  [ID.PORT_TYPE]: ['port_type', (_k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (!e) return err(KERN_INVALID_NAME);
    return ok({ type: IpcSpace.typeOf(e), rights: IpcSpace.kinds(e) });
  }],
  [ID.PORT_NAMES]: ['port_names', (_k, task) => {
    const names = [...task.space.entries.keys()].sort((a, b) => a - b).map((name) => {
      const e = task.space.lookup(name)!;
      return { name, rights: IpcSpace.kinds(e), port: e.port?.id ?? null, label: e.port?.label ?? '' };
    });
    return ok({ names });
  }],
  [ID.PORT_SET_QLIMIT]: ['port_set_qlimit', (k, task, req) => {
    const port = receivePort(task, req.name);
    if (!port) return err(KERN_INVALID_RIGHT);
    if (!validQlimit(req.qlimit)) return err(KERN_INVALID_VALUE);
    port.qlimit = req.qlimit;
    // More room may let blocked senders in.
    k.ipc.admitSenders(port);
    return ok();
  }],
  [ID.PORT_GET_ATTRIBUTES]: ['port_get_attributes', (_k, task, req) => {
    const port = receivePort(task, req.name);
    if (!port) return err(KERN_INVALID_RIGHT);
    return ok({
      qlimit: port.qlimit, msgcount: port.queue.length, seqno: port.seqno, mscount: port.mscount, srights: port.srights,
      sorights: port.sorights, inSet: port.pset !== null, blockedSenders: port.senders.length, label: port.label,
    });
  }],
  [ID.PORT_SET_LABEL]: ['port_set_label', (_k, task, req) => {
    if (!int(req.name)) return err(KERN_INVALID_NAME);
    const e = task.space.lookup(req.name);
    if (!e || !e.port) return err(KERN_INVALID_NAME);
    if (typeof req.label !== 'string') return err(KERN_INVALID_VALUE);
    e.port.label = req.label;
    return ok();
  }],
  [ID.PORT_MOVE_MEMBER]: ['port_move_member', (k, task, req) => {
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
  }],
  [ID.PORT_REQUEST_NOTIFICATION]: ['port_request_notification', (k, task, req) => {
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
  }],
};

/** The bootstrap port's interface: the name service (Mach 2.5 netname). */
const bootstrapHandlers: RoutineTable = {
  [ID.NETNAME_CHECK_IN]: ['netname_check_in', (k, task, req, kmsg) => {
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
  }],
  [ID.NETNAME_LOOK_UP]: ['netname_look_up', (k, _task, req, kmsg) => {
    if (typeof req.name !== 'string') return err(MIG_BAD_ARGUMENTS);
    const name = req.name;
    if (liveName(k, name)) return lookUpAnswer(k, name);
    if (!req.wait) return err(NETNAME_NOT_CHECKED_IN);
    const list = k.netnameWaiters.get(name) ?? [];
    list.push(kmsg);
    k.netnameWaiters.set(name, list);
    return DEFER;
  }],
  [ID.NETNAME_CHECK_OUT]: ['netname_check_out', (k, task, req) => {
    if (typeof req.name !== 'string') return err(MIG_BAD_ARGUMENTS);
    const had = liveName(k, req.name);
    if (!had) return err(NETNAME_NOT_CHECKED_IN);
    if (had.owner !== task.pid) return err(NETNAME_NOT_YOURS);
    k.netnames.delete(req.name);
    deallocateName(k.kspace, had.name, k.ipc);
    return ok();
  }],
};

/** The reply to a look-up of a checked-in name: a copy of the registered send right. */
/**
 * A registration whose port is still alive. One whose port died (its server
 * ended) is forgotten here, so look-ups wait for, and anyone may check in, a
 * new server under the name (as launchd makes a dead service inactive).
 */
function liveName(k: AnyKernel, name: string): { name: number; owner: number } | undefined {
  const reg = k.netnames.get(name);
  if (!reg) return undefined;
  const e = k.kspace.lookup(reg.name);
  if (e && e.sendRefs > 0) return reg;
  k.netnames.delete(name);
  if (e) deallocateName(k.kspace, reg.name, k.ipc);
  return undefined;
}

function lookUpAnswer(k: AnyKernel, name: string): Reply {
  const reg = k.netnames.get(name)!;
  return { body: { code: KERN_SUCCESS }, rights: [takeRight(k.kspace, reg.name, 'copy-send', k.ipc)] };
}

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

/**
 * Routine: serve
 * Purpose: the kernel's syscall server. Takes every request queued on a
 * kernel-received port (a task's kernel port, or the bootstrap port), runs it,
 * and sends the reply to the request's reply right with id = request id + 100.
 * An unknown id is answered with MIG_BAD_ID; a body that is not an object with
 * MIG_BAD_ARGUMENTS. Rights a request carried and the handler did not keep are
 * destroyed.
 */
export function serve(k: AnyKernel, port: Port): void {
  for (let kmsg = k.ipc.pull(port); kmsg; kmsg = k.ipc.pull(port)) {
    k.ipc.accepted(kmsg);
    k.trace.counters.syscalls++;
    k.trace.counters.messagesReceived++;
    const caller = k.tasks.get(kmsg.sender);
    const target = port === k.bootstrap ? caller : (port.kobject as Task | null);
    const table = port === k.bootstrap ? bootstrapHandlers : taskPortHandlers;
    const entry = table[kmsg.id];
    let result: Reply | typeof DEFER;
    if (!entry) result = err(MIG_BAD_ID);
    else if (!target || !caller) result = err(KERN_INVALID_ARGUMENT);
    else if (target.state === 'terminated' && !ZOMBIE_OK.has(kmsg.id)) result = err(KERN_TERMINATED);
    else if (typeof kmsg.body !== 'object' || kmsg.body === null) result = err(MIG_BAD_ARGUMENTS);
    else result = entry[1](k, target, kmsg.body as Record<string, unknown>, kmsg, caller);
    if (k.trace.on) {
      const code = result === DEFER ? undefined : result.body.code;
      k.trace.emit({
        t: k.clock.now(), kind: 'syscall', pid: kmsg.sender, task: caller?.name ?? 'kernel', op: entry?.[0] ?? `id ${kmsg.id}`,
        msgId: kmsg.id, port: port.id, portLabel: port.label, ref: kmsg.traceId,
        ...(code !== undefined ? { code, codeName: codeName(code) } : { detail: 'reply deferred' }),
      });
    }
    for (const r of kmsg.rights) releaseRight(r, k.ipc);
    kmsg.rights = [];
    if (result !== DEFER) reply(k, kmsg, result);
  }
}

