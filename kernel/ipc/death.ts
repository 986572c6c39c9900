import { MACH_RCV_PORT_DIED, MACH_SEND_INVALID_DEST } from '../../ports/codes.ts';
import { KMsg } from '../../ports/message.ts';
import type { Port } from '../../ports/port.ts';
import type { Task } from '../../tasks/task.ts';
import type { Ipc } from './ipc.ts';
import { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_PORT_DELETED, MACH_NOTIFY_SEND_ONCE, notificationName } from '../../ports/notify.ts';
import type { TraceRecord } from '../../trace/trace.ts';


/**
 * Routine: sendNotification (GNU Mach ipc_notify_*)
 * Purpose: the kernel sends a notification to port, as through a send-once
 * right: the queue limit does not apply. The message comes from pid 0.
 */
export function sendNotification(ipc: Ipc, port: Port, id: number, body: unknown): void {
  const k = ipc.k;
  k.trace.counters.notifications++;
  const kmsg = new KMsg(port, id, body, 0, 0, k.clock.now());
  kmsg.destOnce = true;
  kmsg.notification = true;
  if (k.trace.on) {
    const owner = port.receiver ? k.tasks.get(port.receiver.pid) : undefined;
    const r: Omit<TraceRecord, 'seq'> = {
      t: k.clock.now(), kind: 'notify', pid: 0, task: 'kernel', op: notificationName(id) ?? String(id), port: port.id,
      portLabel: port.label, msgId: id,
    };
    if (owner) {
      r.peer = owner.pid;
      r.peerTask = owner.name;
    }
    if (body !== undefined) r.detail = JSON.stringify(body);
    k.trace.emit(r);
  }
  ipc.post(kmsg);
}

/**
 * Routine: portDies (GNU Mach ipc_port_destroy)
 * Purpose: the port's receive right is gone, so the port dies: queued messages
 * are destroyed (and counted), blocked senders get their message back with
 * MACH_SEND_INVALID_DEST (XNU's choice), waiting receivers get
 * MACH_RCV_PORT_DIED, dead-name requests fire (the name turns dead, +1 uref),
 * a no-senders request becomes a send-once notification, and every send right
 * to the port now reads as a dead name.
 */
export function portDies(ipc: Ipc, port: Port): void {
  const k = ipc.k;
  if (!port.active) return;
  port.active = false;
  port.receiver = null;
  if (port.pset) {
    port.pset.members.delete(port);
    port.pset = null;
  }
  if (k.trace.on) {
    const r: Omit<TraceRecord, 'seq'> = { t: k.clock.now(), kind: 'port-death', pid: 0, task: 'kernel', port: port.id, portLabel: port.label };
    if (port.lastReceiver > 0) {
      r.peer = port.lastReceiver;
      r.peerTask = k.tasks.get(port.lastReceiver)?.name ?? '';
    }
    r.detail = `${port.queue.length} queued, ${port.senders.length} blocked senders, ${port.receivers.length} waiting receivers`;
    r.pending = port.queue.length + port.senders.length + port.receivers.length;
    k.trace.emit(r);
  }
  for (const kmsg of port.queue.drain()) ipc.destroy(kmsg);
  for (const s of port.senders.drain()) {
    ipc.handBack(s.owner as Task, s.kmsg);
    s.done(MACH_SEND_INVALID_DEST);
  }
  for (const w of port.receivers.drain()) w.deliver(null, MACH_RCV_PORT_DIED, port);
  const requests = port.dnrequests;
  port.dnrequests = null;
  for (const req of requests ?? []) {
    const space = req.space!;
    const e = space.entries.get(req.name!);
    if (!space.active || !e || e.port !== port) {
      // The right went after the request was made (destroyed, deallocated, the name reused):
      // the request is cancelled and its send-once right used, as Mach's port-deleted
      // notification. Mach sends it when the right goes; xmach when the port dies (lazily).
      req.notify.sorights--;
      sendNotification(ipc, req.notify, MACH_NOTIFY_PORT_DELETED, { name: req.name });
      continue;
    }
    e.dnrequest = false;
    space.makeDead(e);
    e.deadRefs++;
    req.notify.sorights--;
    sendNotification(ipc, req.notify, MACH_NOTIFY_DEAD_NAME, { name: req.name });
  }
  const ns = port.nsrequest;
  port.nsrequest = null;
  if (ns) {
    ns.sorights--;
    sendNotification(ipc, ns, MACH_NOTIFY_SEND_ONCE, undefined);
  }
}
