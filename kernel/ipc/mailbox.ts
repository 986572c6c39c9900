import { MACH_MSG_SUCCESS, MACH_RCV_TIMED_OUT, XMACH_MAILBOX_DESTROYED } from '../../ports/codes.ts';
import type { KMsg, RightInTransit } from '../../ports/message.ts';
import { XMACH_NOTIFY_DELIVERED } from '../../ports/notify.ts';
import type { Port } from '../../ports/port.ts';
import { releaseRight } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';
import type { TraceRecord } from '../../trace/trace.ts';
import type { Timer } from '../time/clock.ts';
import type { Ipc } from './ipc.ts';
import { reply } from './reply.ts';

import type { MailboxSharing } from '../traps.ts';
export type { MailboxSharing } from '../traps.ts';


/** A receiver waiting on a mailbox: its request (to answer with the message) and its time-out. */
interface MailboxWaiter {
  task: Task;
  request: KMsg;
  timer: Timer | null;
}

/**
 * A mailbox (indirect communication): a Mach port whose receive right the
 * kernel holds, and that any number of processes can receive from through the
 * kernel (`mailbox_receive`), under one of the three sharing rules. Messages
 * are sent to it with ordinary send rights (msg_send); they queue on its port
 * with its capacity and the four full-queue policies, as on any port.
 */
export class Mailbox {
  /** Processes associated with it (the creator, and whoever opened or received). */
  readonly attached = new Set<number>();
  readonly waiting: MailboxWaiter[] = [];
  /** Round robin: the pid that got the last message. */
  private lastPick = -1;

  constructor(
    readonly port: Port,
    readonly owner: Task,
    readonly sharing: MailboxSharing,
    readonly pick: 'round-robin' | 'random',
  ) {
    port.kobject = this;
    port.mailbox = true;
    this.attached.add(owner.process.pid);
  }

  /** Whether task may use the mailbox (associating it if the rule allows). */
  attach(task: Task): boolean {
    const pid = task.process.pid;
    if (this.attached.has(pid)) return true;
    if (this.sharing === 'pair' && this.attached.size >= 2) return false;
    this.attached.add(pid);
    return true;
  }

  /** A receiver starts waiting (its reply is deferred), with a time-out if it gave one. */
  wait(ipc: Ipc, task: Task, request: KMsg, timeout: number | undefined): void {
    const w: MailboxWaiter = { task, request, timer: null };
    if (timeout !== undefined && timeout !== Infinity) {
      w.timer = ipc.k.clock.after(timeout, () => {
        const i = this.waiting.indexOf(w);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        reply({ clock: ipc.k.clock, ipc }, request, { body: { code: MACH_RCV_TIMED_OUT } });
      });
    }
    this.waiting.push(w);
  }

  /**
   * Routine: deliver
   * Purpose: hands queued messages to waiting receivers, as the sharing rule
   * says, until one or the other runs out. Each message goes to its receiver
   * as the answer to its `mailbox_receive` request (its body, id, sender, and
   * the rights it carried). Returns how many were delivered.
   */
  deliver(ipc: Ipc, random: () => number): number {
    this.prune(ipc);
    let n = 0;
    while (this.waiting.length > 0 && this.port.queue.length + this.port.senders.length > 0) {
      const i = this.choose(random);
      const w = this.waiting.splice(i, 1)[0]!;
      w.timer?.cancel();
      const kmsg = ipc.pull(this.port)!;
      this.hand(ipc, kmsg, w.task, w.request);
      n++;
    }
    return n;
  }

  /** Receivers that ended while they waited lose their turn (their requests are dropped with them). */
  prune(ipc: Ipc): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!;
      if (w.task.state !== 'terminated') continue;
      w.timer?.cancel();
      this.waiting.splice(i, 1);
      const r = w.request.reply;
      w.request.reply = null;
      if (r) releaseRight(r, ipc, 'abandoned');
    }
  }

  /** Answers a receive request with a message taken from the port. */
  hand(ipc: Ipc, kmsg: KMsg, to: Task, request: KMsg): void {
    const k = ipc.k;
    this.lastPick = to.pid;
    ipc.accepted(kmsg);
    k.trace.counters.messagesReceived++;
    const rights: RightInTransit[] = [];
    if (kmsg.reply) rights.push(kmsg.reply);
    for (const r of kmsg.rights) rights.push(r);
    const hadReply = kmsg.reply !== null;
    kmsg.reply = null;
    kmsg.rights = [];
    if (kmsg.destRight) {
      releaseRight(kmsg.destRight, ipc, 'used');
      kmsg.destRight = null;
    }
    if (k.trace.on) {
      const sender = k.tasks.get(kmsg.sender);
      const r: Omit<TraceRecord, 'seq'> = {
        t: k.clock.now(), kind: 'receive', pid: to.pid, task: to.name, port: this.port.id, portLabel: this.port.label,
        peer: kmsg.sender, peerTask: sender?.name ?? 'kernel', msgId: kmsg.id, size: kmsg.size, ref: kmsg.traceId,
        detail: `from mailbox (${this.sharing})`,
      };
      k.trace.emit(r);
    }
    reply({ clock: k.clock, ipc }, request, {
      body: { code: MACH_MSG_SUCCESS, id: kmsg.id, body: kmsg.body, sender: kmsg.sender, size: kmsg.size, hasReply: hadReply },
      rights,
    });
    if (this.sharing === 'system-picks') {
      const sender = k.tasks.get(kmsg.sender);
      const notify = sender?.notifyPortObject;
      if (notify?.active) ipc.notify(notify, XMACH_NOTIFY_DELIVERED, { mailbox: this.port.id, to: to.pid });
    }
  }

  /** Which waiting receiver gets the next message. */
  private choose(random: () => number): number {
    if (this.sharing !== 'system-picks' || this.waiting.length === 1) return 0;
    if (this.pick === 'random') return Math.floor(random() * this.waiting.length);
    // Round robin: the first waiting receiver after the one that got the last message, by pid.
    const order = this.waiting.map((w, i) => ({ pid: w.task.pid, i })).sort((x, y) => x.pid - y.pid);
    return (order.find((o) => o.pid > this.lastPick) ?? order[0]!).i;
  }

  /** The mailbox is destroyed: every waiting receiver is answered XMACH_MAILBOX_DESTROYED. */
  close(ipc: Ipc): void {
    for (const w of this.waiting.splice(0)) {
      w.timer?.cancel();
      reply({ clock: ipc.k.clock, ipc }, w.request, { body: { code: XMACH_MAILBOX_DESTROYED } });
    }
  }
}
