import {
  KERN_INVALID_ARGUMENT,
  MACH_MSG_SUCCESS,
  MACH_RCV_IN_SET,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_PORT_DIED,
  MACH_RCV_TIMED_OUT,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_REPLY,
  MACH_SEND_INVALID_RIGHT,
  MACH_SEND_NOTIFY_IN_PROGRESS,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_WILL_NOTIFY,
  codeName,
  XMACH_PEER_ENDED,
} from '../../ports/codes.ts';
import { copyBody, KMsg, NO_RIGHTS, type Disposition, type InMessage, type OutMessage, type RightInTransit } from '../../ports/message.ts';
import type { Port, PortSet } from '../../ports/port.ts';
import { canGive, checkRights, putRight, releaseRight, takeRight, type RightHooks } from '../../ports/rights.ts';
import type { Entry, IpcSpace } from '../../ports/space.ts';
import type { Task } from '../../tasks/task.ts';
import type { Clock } from '../time/clock.ts';
import type { ReceiveResult, SendOptions } from '../traps.ts';
export type { FullPolicy, ReceiveOptions, ReceiveResult, SendOptions } from '../traps.ts';
import { bodyPreview, type Trace } from '../../trace/trace.ts';
import type { Wait } from '../../tasks/task.ts';
import type { TraceRecord } from '../../trace/trace.ts';
import { portDies, sendNotification } from './death.ts';
import { ReceiveWait, SendWait } from './waits.ts';
import {
  MACH_NOTIFY_MSG_ACCEPTED,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_SEND_ONCE,
  notificationName,
} from '../../ports/notify.ts';

/** A sender's full-queue policy, parsed: how long to wait, and whether to cache after. */
export interface Policy {
  timeout: number;
  notify: boolean;
}

const WAIT: Policy = { timeout: Infinity, notify: false };
const RETURN: Policy = { timeout: 0, notify: false };
const CACHE: Policy = { timeout: 0, notify: true };

/** Parses send options; null when they are out of range. (The common cases allocate nothing.) */
function sendPolicy(opts: SendOptions | undefined): Policy | null {
  if (opts === undefined) return WAIT;
  if (typeof opts !== 'object' || opts === null) return null;
  const { policy, timeout } = opts;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) return null;
  switch (policy ?? (timeout === undefined ? 'wait' : 'timeout')) {
    case 'wait':
      return WAIT;
    case 'timeout':
      return timeout === undefined ? null : timeout === 0 ? RETURN : timeout >= FOREVER ? WAIT : { timeout, notify: false };
    case 'return':
      return RETURN;
    case 'cache':
      return timeout === undefined || timeout === 0 ? CACHE : { timeout: timeout >= FOREVER ? Infinity : timeout, notify: true };
    default:
      return null;
  }
}

/** True when a destination taken with this disposition is a send-once right (the queue limit does not apply). */
function kmsgOnce(disp: Disposition): boolean {
  return disp === 'move-send-once' || disp === 'make-send-once';
}

/**
 * A timeout of 2^53 ms or more (about 285,000 years) means forever: a clock at
 * 2^53 ms could no longer tell one millisecond from the next.
 */
export const FOREVER = 2 ** 53;

function fail(code: number): ReceiveResult {
  return { ok: false, code, msg: null };
}

/** What the IPC engine needs of the rest of the kernel. */
export interface IpcKernel {
  readonly clock: Clock;
  readonly trace: Trace;
  /** Task records by pid (names in trace records). */
  readonly tasks: ReadonlyMap<number, Task>;
  /** The kernel's own space: a port whose receiver it is, is served by the kernel object server. */
  readonly kspace: IpcSpace;
  /** The running task cannot go on: running → waiting. */
  block(task: Task, wait: Wait): void;
  /** What a blocked task waited for happened: waiting → ready, with its trap's result (`slept`: a sleep ended). */
  wake(task: Task, value: unknown, since: number, slept?: boolean): void;
  /** A request was queued on a kernel-received port: serve it on the scheduler. */
  serveLater(port: Port): void;
  /** A message went straight to a waiting receiver (the fast path's candidate, if the sender is executing). */
  handedTo(sender: number, receiver: Task): void;
  /**
   * The last send right to a port the kernel receives on, naming a kernel object, went away
   * (Mach's no-senders, inside the kernel): the object may be freed (a memory region nobody maps).
   */
  kobjectNoSenders(port: Port): void;
}

/**
 * The IPC engine: Mach's msg_send / msg_receive semantics over `ports/`, with
 * blocking, timeouts, the four full-queue policies, notifications and port
 * death (GNU Mach `ipc_mqueue`, `ipc_kmsg`, `ipc_notify`, `ipc_port_destroy`).
 */
export class Ipc implements RightHooks {
  constructor(readonly k: IpcKernel) {}

  // ---------------------------------------------------------------------------
  // msg_send

  /**
   * Routine: send
   * Purpose: copy a message in from the task and queue it on the destination.
   * Returns the code, or undefined when the task blocked (it is woken with the code):
   *   MACH_MSG_SUCCESS          queued, or handed to a waiting receiver
   *   MACH_SEND_TIMED_OUT       queue full for the whole timeout (or `return`); message handed back
   *   MACH_SEND_WILL_NOTIFY     queue full; message cached past the limit (`cache`)
   *   MACH_SEND_NOTIFY_IN_PROGRESS  a cached message of this task on this right is still queued
   *   MACH_SEND_INVALID_DEST    dest names no send, send-once or receive right (or is dead); a receive right alone is taken make-send (MACH_MSG_TYPE_MAKE_SEND)
   *   MACH_SEND_INVALID_REPLY   the reply right cannot be given
   *   MACH_SEND_INVALID_RIGHT   a body right is not held with that disposition
   *   MACH_SEND_INVALID_DATA    the body cannot be copied (structured clone refused it)
   *   MACH_SEND_INVALID_HEADER  msg is not an object, or its id is not an integer
   *   KERN_INVALID_ARGUMENT     options out of range (negative or NaN timeout, unknown policy)
   *   MACH_SEND_INVALID_DEST    (on wake) the port died while the sender waited (XNU's choice)
   *   MACH_SEND_INTERRUPTED     (on wake) the wait was aborted (a machine program's timer fired)
   */
  send(task: Task, dest: number, msg: OutMessage, opts?: SendOptions, defaultReply = 0): number | undefined {
    const policy = sendPolicy(opts);
    if (!policy) return this.refuse(task, 'msg_send', KERN_INVALID_ARGUMENT, 'bad send options');
    const de = task.space.lookup(dest);
    const kmsg = this.copyIn(task, de, dest, msg, defaultReply, policy.notify);
    return typeof kmsg === 'number' ? kmsg : this.enqueue(task, de!, kmsg, policy);
  }

  /**
   * Routine: copyIn (GNU Mach ipc_kmsg_copyin)
   * Purpose: check a message the task sends (header, every right it names, its
   * body) and, if all is well, build the in-kernel message: the body copied
   * with structured-clone semantics, the rights taken out of the task's space.
   * All or nothing: a refused message moves no right.
   * Returns the message, or the code it was refused with (traced as a 'return'):
   *   MACH_SEND_INVALID_HEADER, MACH_SEND_INVALID_DEST, MACH_SEND_INVALID_REPLY,
   *   MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_DATA, MACH_SEND_NOTIFY_IN_PROGRESS
   *   (`notify`: a cached message of this task on this right is still queued).
   */
  copyIn(task: Task, de: Entry | undefined, dest: number, msg: OutMessage, defaultReply: number, notify: boolean): KMsg | number {
    const k = this.k;
    if (typeof msg !== 'object' || msg === null) return this.refuse(task, 'msg_send', MACH_SEND_INVALID_HEADER, 'message is not an object');
    const id = msg.id ?? 0;
    if (!Number.isInteger(id)) return this.refuse(task, 'msg_send', MACH_SEND_INVALID_HEADER, 'msgh_id is not an integer');
    const space = task.space;
    if (!de || (de.sendRefs === 0 && !de.sendOnce && !de.receive)) {
      return this.refuse(task, 'msg_send', MACH_SEND_INVALID_DEST, `name ${dest} is not a send right`);
    }
    const destDisp: Disposition =
      (msg.destDisposition as Disposition | undefined) ?? (de.sendRefs > 0 ? 'copy-send' : de.sendOnce ? 'move-send-once' : 'make-send');
    // msg_rpc passes the task's reply port as the reply when the message names none.
    const replyName = msg.reply ?? defaultReply;
    const replyDisp: Disposition = msg.reply === undefined ? 'make-send-once' : (msg.replyDisposition ?? 'make-send-once');
    const rights = msg.rights ?? NO_RIGHTS_TO_SEND;
    if (!Array.isArray(rights)) return this.refuse(task, 'msg_send', MACH_SEND_INVALID_RIGHT, 'rights is not an array');
    // Check every right first: the copy-in is all or nothing.
    if (destDisp === 'move-receive') return this.refuse(task, 'msg_send', MACH_SEND_INVALID_DEST, 'dest cannot be move-receive');
    if (replyName !== 0 && replyDisp === 'move-receive') return this.refuse(task, 'msg_send', MACH_SEND_INVALID_REPLY, 'reply cannot be move-receive');
    let list: { name: number; disposition: Disposition }[] = NO_RIGHTS_TO_SEND;
    let bad = -1;
    if (replyName === 0 && rights.length === 0) {
      // The common case, a message with only a destination: check it without building a list.
      if (!canGive(de, destDisp)) bad = 0;
    } else {
      list = [{ name: dest, disposition: destDisp }];
      if (replyName !== 0) list.push({ name: replyName, disposition: replyDisp });
      for (const r of rights) list.push(r);
      bad = checkRights(space, list);
    }
    if (bad === 0) return this.refuse(task, 'msg_send', MACH_SEND_INVALID_DEST, `name ${dest} cannot be used as ${destDisp}`);
    if (bad > 0 && replyName !== 0 && bad === 1) {
      return this.refuse(task, 'msg_send', MACH_SEND_INVALID_REPLY, `reply name ${replyName} cannot be given as ${replyDisp}`);
    }
    if (bad > 0) {
      const r = list[bad]!;
      return this.refuse(task, 'msg_send', MACH_SEND_INVALID_RIGHT, `name ${r.name} cannot be given as ${r.disposition}`);
    }
    const port = de.port!;
    for (const r of rights) {
      if (r.disposition !== 'move-receive') continue;
      const carried = space.lookup(r.name)!.port!;
      if (carried === port) return this.refuse(task, 'msg_send', MACH_SEND_INVALID_RIGHT, 'a port cannot carry its own receive right');
      if (receiveInTransitOn(carried, port)) {
        return this.refuse(task, 'msg_send', MACH_SEND_INVALID_RIGHT, `port ${carried.id}'s receive right cannot go to port ${port.id}, whose own receive right waits in port ${carried.id}'s queue (a cycle no task could reach)`);
      }
    }
    const copy = copyBody(msg.body);
    if (!copy.ok) return this.refuse(task, 'msg_send', MACH_SEND_INVALID_DATA, copy.error);
    if (notify && de.marequest && this.wouldBlock(port, kmsgOnce(destDisp))) {
      return this.refuse(task, 'msg_send', MACH_SEND_NOTIFY_IN_PROGRESS, `a cached message on name ${dest} is still queued`);
    }

    // Copy in: from here on the message owns its rights.
    let destRight: RightInTransit | null = null;
    if (destDisp === 'move-send' || destDisp === 'move-send-once') destRight = takeRight(space, dest, destDisp, this);
    const kmsg = new KMsg(port, id, copy.value, copy.size, task.pid, k.clock.now());
    kmsg.destOnce = kmsgOnce(destDisp);
    kmsg.destRight = destRight;
    if (replyName !== 0) kmsg.reply = takeRight(space, replyName, replyDisp, this);
    if (rights.length !== 0) kmsg.rights = rights.map((r) => takeRight(space, r.name, r.disposition, this));
    k.trace.counters.bytesCopied += copy.size;
    return kmsg;
  }

  /**
   * Routine: enqueue (GNU Mach ipc_mqueue_send)
   * Purpose: queue a copied-in message on its port, or hand it to a waiting
   * receiver; when the queue is full, apply the sender's policy.
   * Returns the code, or undefined when the task blocked (it is woken with the code):
   *   MACH_MSG_SUCCESS, MACH_SEND_TIMED_OUT (rights handed back), MACH_SEND_WILL_NOTIFY,
   *   MACH_SEND_INVALID_DEST (on wake: the port died), MACH_SEND_NOTIFY_IN_PROGRESS (on wake,
   *   cache after a timeout), MACH_SEND_INTERRUPTED (on wake: the wait was aborted).
   */
  enqueue(task: Task, de: Entry, kmsg: KMsg, policy: Policy): number | undefined {
    const port = kmsg.dest;
    if (!this.wouldBlock(port, kmsg.destOnce) || !port.active) {
      this.post(kmsg);
      return MACH_MSG_SUCCESS;
    }
    // The queue is full: the four policies.
    if (policy.timeout === 0) {
      if (policy.notify) return this.force(task, de, kmsg);
      this.handBack(task, kmsg);
      this.traceTimeout(task, port, MACH_SEND_TIMED_OUT);
      return MACH_SEND_TIMED_OUT;
    }
    this.blockSender(task, de, kmsg, policy);
    return undefined;
  }

  /** True when a send would have to wait for room (one to a send-once right never does). */
  private wouldBlock(port: Port, toSendOnce: boolean): boolean {
    if (toSendOnce) return false;
    if (!port.full) return false;
    // A waiting receiver takes the message at once (a rendezvous on a qlimit-0 port).
    return port.receivers.length === 0 && !(port.pset && port.pset.receivers.length > 0);
  }

  private blockSender(task: Task, de: Entry, kmsg: KMsg, policy: Policy): void {
    const k = this.k;
    const port = kmsg.dest;
    const wait = new SendWait(this, task, kmsg, de, policy.notify);
    port.addSender(wait);
    if (port.pset) port.pset.arrivals.push(port);
    if (policy.timeout !== Infinity) wait.timer = k.clock.fireAfter(policy.timeout, wait);
    // A port the kernel serves (a mailbox with room for none) may take the message from the blocked sender.
    if (port.receiver === k.kspace) k.serveLater(port);
    k.block(task, wait);
  }

  /** SEND_NOTIFY: queue the message past the limit and arm a msg-accepted request on the sender's entry. */
  force(task: Task, de: Entry, kmsg: KMsg): number {
    de.marequest = true;
    const space = task.space;
    kmsg.marequest = {
      pid: task.pid,
      name: de.name,
      fire: () => {
        const still = space.entries.get(de.name) === de && de.marequest;
        de.marequest = false;
        const notify = task.notifyPortObject;
        if (!space.active || !notify?.active) return;
        this.notify(notify, MACH_NOTIFY_MSG_ACCEPTED, { name: still ? de.name : 0 });
      },
    };
    this.post(kmsg, true);
    return MACH_SEND_WILL_NOTIFY;
  }

  /**
   * Queues a message that may be queued now (room, send-once, forced or a
   * notification), or hands it straight to a waiting receiver.
   */
  post(kmsg: KMsg, forced = false): void {
    const k = this.k;
    const port = kmsg.dest;
    this.countSent(kmsg);
    if (!port.active) {
      // The port died after copy-in: as GNU Mach does, pretend it was sent and then destroyed.
      this.destroy(kmsg);
      return;
    }
    if (k.trace.on) this.traceSend(kmsg, forced);
    const w = port.receivers.shift() ?? port.pset?.receivers.shift();
    if (w) {
      w.active = false;
      this.stamp(port, kmsg);
      w.deliver(kmsg, MACH_MSG_SUCCESS, port);
      // The fast path's candidate: if the sender blocks next, the receiver gets its CPU.
      k.handedTo(kmsg.sender, w.owner as Task);
      return;
    }
    port.enqueue(kmsg);
    if (port.pset) port.pset.arrivals.push(port);
    if (port.receiver === k.kspace) k.serveLater(port);
  }

  // ---------------------------------------------------------------------------
  // msg_receive

  /**
   * Routine: receive
   * Purpose: dequeue a message from a port or port set and copy it out to the task.
   * Returns the result, or undefined when the task blocked (it is woken with the result):
   *   MACH_MSG_SUCCESS        msg holds the message
   *   MACH_RCV_TIMED_OUT      nothing arrived within the timeout (0 = poll)
   *   MACH_RCV_INVALID_NAME   name is not a receive right or port set of the task
   *   MACH_RCV_IN_SET         the port is in a set: receive from the set
   *   MACH_RCV_PORT_DIED      (on wake) the receive right died or moved away, or the set was destroyed, while waiting
   *   MACH_RCV_PORT_CHANGED   (on wake) the port was moved into a port set while waiting on it
   *   MACH_RCV_INTERRUPTED    (on wake) the wait was aborted (a machine program's timer fired)
   *   KERN_INVALID_ARGUMENT   timeout out of range (negative, NaN, not a number)
   */
  receive(task: Task, name: number, timeout: number | undefined): ReceiveResult | undefined {
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      return this.refuseRcv(task, KERN_INVALID_ARGUMENT, 'timeout must be a number ≥ 0');
    }
    const e = task.space.lookup(name);
    let port: Port | null = null;
    let set: PortSet | null = null;
    if (e?.receive) {
      port = e.port!;
      if (port.pset && !port.direct) return this.refuseRcv(task, MACH_RCV_IN_SET, `port ${port.id} is in a port set`);
    } else if (e?.pset) set = e.pset;
    else return this.refuseRcv(task, MACH_RCV_INVALID_NAME, `name ${name} is not a receive right or port set`);

    const from = port ?? set!.nextReady();
    const kmsg = from ? this.pull(from) : null;
    if (kmsg) return this.accept(task, kmsg, from!);
    if (port?.direct && port.unreachable) return this.refuseRcv(task, XMACH_PEER_ENDED, `the process at the other end of link ${port.label} has ended`);
    if (timeout === 0) {
      // A poll of a port nobody can send to is a sleep of 0 ms, not a time-out.
      if (port && port.unreachable && !port.role) this.k.trace.counters.sleeps++;
      else this.traceTimeout(task, port, MACH_RCV_TIMED_OUT);
      return fail(MACH_RCV_TIMED_OUT);
    }
    this.blockReceiver(task, port, set, timeout === undefined || timeout >= FOREVER ? Infinity : timeout);
    return undefined;
  }

  private blockReceiver(task: Task, port: Port | null, set: PortSet | null, timeout: number): void {
    const k = this.k;
    const wait = new ReceiveWait(this, task, port, set);
    if (port) port.addReceiver(wait);
    else set!.receivers.push(wait);
    if (timeout !== Infinity) wait.timer = k.clock.fireAfter(timeout, wait);
    k.block(task, wait);
  }

  /**
   * Takes the next message of a port: the head of its queue, or, when the queue
   * is empty, the message of the first blocked sender (a rendezvous). Room made
   * in the queue admits blocked senders in FIFO order. Returns null if none.
   */
  pull(port: Port): KMsg | null {
    let kmsg = port.queue.shift();
    if (kmsg) this.admitSenders(port);
    else {
      const s = port.senders.shift();
      if (!s) return null;
      kmsg = s.kmsg;
      this.countSent(kmsg);
      if (this.k.trace.on) this.traceSend(kmsg, false);
      s.done(MACH_MSG_SUCCESS);
    }
    this.stamp(port, kmsg);
    return kmsg;
  }

  /** Counts a message sent: user messages apart from system-call traffic (requests to the kernel's ports, its replies) and notifications. */
  private countSent(kmsg: KMsg): void {
    const c = this.k.trace.counters;
    c.messagesSent++;
    if (kmsg.notification) return; // counted in notifications
    const port = kmsg.dest;
    if ((port.receiver === this.k.kspace && !port.mailbox) || kmsg.sender === 0) c.syscallMessages++;
    else c.userMessages++;
  }

  /** Dequeue bookkeeping: the seqno. (A cached message's msg-accepted fires once it is taken: `accepted`.) */
  private stamp(port: Port, kmsg: KMsg): void {
    kmsg.seqno = port.seqno++;
  }

  /** A message left its queue for good: if it was cached past the limit, its sender hears so now. */
  accepted(kmsg: KMsg): void {
    const r = kmsg.marequest;
    if (r) {
      kmsg.marequest = null;
      r.fire();
    }
  }

  /** Moves blocked senders' messages into the queue while there is room (FIFO), finishing their sends. */
  admitSenders(port: Port): void {
    while (!port.full && port.senders.length > 0) {
      const s = port.senders.shift()!;
      port.enqueue(s.kmsg);
      this.countSent(s.kmsg);
      if (this.k.trace.on) this.traceSend(s.kmsg, false);
      s.done(MACH_MSG_SUCCESS);
    }
  }

  /** Copies a dequeued message out into the receiving task's space. */
  accept(task: Task, kmsg: KMsg, port: Port): ReceiveResult {
    const k = this.k;
    const space = task.space;
    const reply = kmsg.reply ? putRight(space, kmsg.reply, this) : null;
    const rights = kmsg.rights.length === 0 ? [] : kmsg.rights.map((r) => putRight(space, r, this));
    this.consumeDestRight(kmsg);
    k.trace.counters.messagesReceived++;
    const msg: InMessage = {
      id: kmsg.id,
      body: kmsg.body,
      seqno: kmsg.seqno,
      port: space.entryFor(port)?.name ?? 0,
      reply: reply ? reply.name : 0,
      replyRight: reply ? reply.right === 'receive' ? null : reply.right : null,
      rights,
      size: kmsg.size,
      sender: kmsg.sender,
      notification: kmsg.notification ? (notificationName(kmsg.id) ?? String(kmsg.id)) : null,
    };
    if (k.trace.on) {
      const sender = k.tasks.get(kmsg.sender);
      const r: Omit<TraceRecord, 'seq'> = {
        t: k.clock.now(), kind: 'receive', pid: task.pid, task: task.name, port: port.id, portLabel: port.label,
        peer: kmsg.sender, peerTask: sender?.name ?? 'kernel', msgId: kmsg.id, size: kmsg.size, ref: kmsg.traceId,
      };
      if (kmsg.notification) r.op = notificationName(kmsg.id);
      k.trace.emit(r);
    }
    this.accepted(kmsg);
    return { ok: true, code: MACH_MSG_SUCCESS, msg };
  }

  private consumeDestRight(kmsg: KMsg): void {
    const r = kmsg.destRight;
    if (!r) return;
    kmsg.destRight = null;
    releaseRight(r, this, 'used');
  }

  /** Pseudo-receive: gives a message's rights back to its sender (send failed or timed out). */
  handBack(task: Task, kmsg: KMsg): void {
    if (!task.space.active) {
      this.destroy(kmsg, false);
      return;
    }
    const space = task.space;
    if (kmsg.destRight) putRight(space, kmsg.destRight, this);
    if (kmsg.reply) putRight(space, kmsg.reply, this);
    for (const r of kmsg.rights) putRight(space, r, this);
    kmsg.destRight = null;
    kmsg.reply = null;
    kmsg.rights = NO_RIGHTS;
  }

  /** Destroys a message and the rights it carries (its port died). */
  destroy(kmsg: KMsg, count = true): void {
    const k = this.k;
    if (count) k.trace.counters.messagesDestroyed++;
    if (count && k.trace.on) {
      const sender = k.tasks.get(kmsg.sender);
      k.trace.emit({
        t: k.clock.now(), kind: 'destroy', pid: kmsg.sender, task: sender?.name ?? 'kernel', port: kmsg.dest.id,
        portLabel: kmsg.dest.label, msgId: kmsg.id, ref: kmsg.traceId,
        ...(kmsg.dest.lastReceiver > 0 ? { peer: kmsg.dest.lastReceiver, peerTask: k.tasks.get(kmsg.dest.lastReceiver)?.name ?? '' } : {}),
      });
    }
    const r = kmsg.destRight;
    kmsg.destRight = null;
    if (r) releaseRight(r, this);
    if (kmsg.reply) releaseRight(kmsg.reply, this);
    for (const right of kmsg.rights) releaseRight(right, this);
    kmsg.reply = null;
    kmsg.rights = NO_RIGHTS;
    const m = kmsg.marequest;
    if (m) {
      kmsg.marequest = null;
      m.fire();
    }
  }

  // ---------------------------------------------------------------------------
  // notifications and port death (RightHooks): see death.ts

  /** Sends a kernel notification to port (as through a send-once right: the queue limit does not apply). */
  notify(port: Port, id: number, body: unknown): void {
    sendNotification(this, port, id, body);
  }

  sendOnceDestroyed(port: Port): void {
    sendNotification(this, port, MACH_NOTIFY_SEND_ONCE, undefined);
  }

  noSenders(port: Port): void {
    // A direct link whose sender has ended: whoever waits on it alone is told at once.
    if (port.direct && port.queue.length === 0) for (const w of port.receivers.drain()) w.deliver(null, XMACH_PEER_ENDED, port);
    // A kernel object named by a port the kernel receives on may live only through its send rights.
    if (port.kobject !== null && port.receiver === this.k.kspace) this.k.kobjectNoSenders(port);
    const target = port.nsrequest;
    if (!target) return;
    port.nsrequest = null;
    target.sorights--;
    sendNotification(this, target, MACH_NOTIFY_NO_SENDERS, { mscount: port.mscount });
  }

  receiveLeft(port: Port, _space: IpcSpace): void {
    for (const w of port.receivers.drain()) w.deliver(null, MACH_RCV_PORT_DIED, port);
  }

  receiveDestroyed(port: Port): void {
    portDies(this, port);
  }

  // ---------------------------------------------------------------------------
  // tracing helpers

  private traceSend(kmsg: KMsg, forced: boolean): void {
    const k = this.k;
    const port = kmsg.dest;
    const sender = k.tasks.get(kmsg.sender);
    const owner = port.receiver ? (port.receiver === k.kspace ? null : k.tasks.get(port.receiver.pid)) : null;
    const r: Omit<TraceRecord, 'seq'> = {
      t: k.clock.now(), kind: forced ? 'cache' : 'send', pid: kmsg.sender, task: sender?.name ?? 'kernel', port: port.id,
      portLabel: port.label, msgId: kmsg.id, size: kmsg.size,
    };
    // peer: the task holding the receive right; 0 for the kernel; absent while the right is in a message.
    if (port.receiver !== null) {
      r.peer = owner ? owner.pid : 0;
      r.peerTask = owner ? owner.name : 'kernel';
    }
    if (kmsg.notification) r.op = notificationName(kmsg.id);
    if (forced) r.detail = `queued past qlimit ${port.qlimit}`;
    if (kmsg.body !== undefined) r.text = bodyPreview(kmsg.body);
    kmsg.traceId = k.trace.emit(r);
  }

  /** Counts and traces a trap that timed out; `wait` says what it waited for ('send', 'receive', or 'sleep'). */
  traceTimeout(task: Task, port: Port | null, code: number, wait: 'send' | 'receive' | 'sleep' = code === MACH_SEND_TIMED_OUT ? 'send' : 'receive'): void {
    const k = this.k;
    k.trace.counters.timeouts++;
    if (!k.trace.on) return;
    const r: Omit<TraceRecord, 'seq'> = { t: k.clock.now(), kind: 'timeout', pid: task.pid, task: task.name, code, codeName: codeName(code), wait };
    if (port) {
      r.port = port.id;
      r.portLabel = port.label;
      if (port.role) r.role = port.role;
    }
    k.trace.emit(r);
  }

  private refuse(task: Task, op: string, code: number, why: string): number {
    const k = this.k;
    task.lastError = why;
    if (k.trace.on) {
      k.trace.emit({ t: k.clock.now(), kind: 'return', pid: task.pid, task: task.name, op, code, codeName: codeName(code), detail: why });
    }
    return code;
  }

  private refuseRcv(task: Task, code: number, why: string): ReceiveResult {
    this.refuse(task, 'msg_receive', code, why);
    return fail(code);
  }
}

const NO_RIGHTS_TO_SEND: { name: number; disposition: Disposition }[] = [];

/**
 * Contract: true when dest's receive right waits, in a message, in port's queue
 * (or in a blocked sender's message to it), directly or through other ports
 * whose receive rights wait there in turn. Sending port's receive right to dest
 * would then make a cycle of ports in transit that no task could ever reach
 * (GNU Mach and XNU: ipc_port_check_circularity). Walks only messages that
 * carry rights, once per port; run only when a receive right is sent.
 */
function receiveInTransitOn(port: Port, dest: Port): boolean {
  const seen = new Set<Port>([port]);
  const todo: Port[] = [port];
  const look = (kmsg: KMsg): boolean => {
    for (const r of kmsg.rights) {
      if (r.kind !== 'receive' || r.port === null || seen.has(r.port)) continue;
      if (r.port === dest) return true;
      seen.add(r.port);
      todo.push(r.port);
    }
    return false;
  };
  while (todo.length > 0) {
    const p = todo.pop()!;
    for (const kmsg of p.queue) if (kmsg.rights.length !== 0 && look(kmsg)) return true;
    for (const s of p.senders) if (s.kmsg.rights.length !== 0 && look(s.kmsg)) return true;
  }
  return false;
}
