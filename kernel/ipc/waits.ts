import { MACH_RCV_TIMED_OUT, MACH_SEND_NOTIFY_IN_PROGRESS, MACH_SEND_TIMED_OUT } from '../../ports/codes.ts';
import type { KMsg } from '../../ports/message.ts';
import type { Port, PortSet, RecvWaiter, SendWaiter } from '../../ports/port.ts';
import type { Entry } from '../../ports/space.ts';
import type { Task, Wait } from '../../tasks/task.ts';
import type { Timer } from '../time/clock.ts';
import type { Ipc, ReceiveResult } from './ipc.ts';

/**
 * A task blocked in msg_send because the queue was full. It is at once the
 * port's waiter (the queue admits its message), the task's wait (what the
 * deadlock report names, what `cancel` undoes), and its own timer target.
 * One object per blocked send, no closures: this is on the hot path.
 */
export class SendWait implements SendWaiter, Wait {
  readonly kind = 'send';
  active = true;
  timer: Timer | null = null;
  readonly since: number;

  constructor(
    private readonly ipc: Ipc,
    readonly owner: Task,
    readonly kmsg: KMsg,
    /** The sender's entry for the destination (for a cache-after-timeout). */
    private readonly entry: Entry,
    /** Cache the message when the timeout expires (SEND_NOTIFY with a timeout). */
    private readonly notify: boolean,
  ) {
    this.since = ipc.k.clock.now();
  }

  /** The queue took the message (code SUCCESS), or the port died (INVALID_DEST). */
  done(code: number): void {
    this.active = false;
    this.timer?.cancel();
    this.ipc.k.wake(this.owner, code, this.since);
  }

  /** The timeout expired: hand the message back, or cache it past the limit. */
  fire(): void {
    if (!this.active) return;
    this.active = false;
    const port = this.kmsg.dest;
    port.senders.removeWhere((w) => w === this);
    let code: number;
    if (!this.notify) {
      this.ipc.handBack(this.owner, this.kmsg);
      code = MACH_SEND_TIMED_OUT;
      this.ipc.traceTimeout(this.owner, port, code);
    } else if (this.entry.marequest) {
      this.ipc.handBack(this.owner, this.kmsg);
      code = MACH_SEND_NOTIFY_IN_PROGRESS;
    } else code = this.ipc.force(this.owner, this.entry, this.kmsg);
    this.ipc.k.wake(this.owner, code, this.since);
  }

  what(): string {
    const port = this.kmsg.dest;
    return `send to ${portText(port, this.owner)}, queue full ${port.queue.length}/${port.qlimit}`;
  }

  /** The task stopped waiting for another reason: leave the queue, take the message back. */
  cancel(): void {
    if (!this.active) return;
    this.active = false;
    this.timer?.cancel();
    this.kmsg.dest.senders.removeWhere((w) => w === this);
    this.ipc.handBack(this.owner, this.kmsg);
  }
}

/** A task blocked in msg_receive on a port or a port set. */
export class ReceiveWait implements RecvWaiter, Wait {
  readonly kind = 'receive';
  active = true;
  timer: Timer | null = null;
  readonly since: number;

  constructor(
    private readonly ipc: Ipc,
    readonly owner: Task,
    private readonly port: Port | null,
    private readonly set: PortSet | null,
  ) {
    this.since = ipc.k.clock.now();
  }

  /** A timed receive on a port nobody can send to can only time out: that is how sys.sleep waits. */
  get reason(): 'sleep' | undefined {
    const port = this.port;
    // (A port the kernel made for the task — its notify or reply port — is not a sleep: the kernel may send there.)
    return port && this.timer && port.unreachable && !port.role && port.queue.length === 0 ? 'sleep' : undefined;
  }

  get role(): string | undefined {
    return this.port?.role || undefined;
  }

  /** A message was handed over (copy it out to the task), or the wait failed with code. */
  deliver(kmsg: KMsg | null, code: number, from: Port | null): void {
    this.active = false;
    this.timer?.cancel();
    const result: ReceiveResult = kmsg && from ? this.ipc.accept(this.owner, kmsg, from) : { ok: false, code, msg: null };
    this.ipc.k.wake(this.owner, result, this.since);
  }

  /** The timeout expired with nothing received. */
  fire(): void {
    if (!this.active) return;
    const sleep = this.reason === 'sleep';
    this.active = false;
    this.queue().removeWhere((w) => w === this);
    // A sleep's end is no time-out: it is counted and traced as a sleep.
    if (sleep) this.ipc.k.trace.counters.sleeps++;
    else this.ipc.traceTimeout(this.owner, this.port, MACH_RCV_TIMED_OUT, 'receive');
    this.ipc.k.wake(this.owner, { ok: false, code: MACH_RCV_TIMED_OUT, msg: null }, this.since, sleep);
  }

  what(): string {
    const port = this.port;
    return port ? `receive on ${portText(port, this.owner)}` : `receive on port set ${this.set!.id} (name ${[...this.owner.space.entries.values()].find((e) => e.pset === this.set)?.name ?? '?'} of ${this.owner.name})`;
  }

  cancel(): void {
    if (!this.active) return;
    this.active = false;
    this.timer?.cancel();
    this.queue().removeWhere((w) => w === this);
  }

  private queue() {
    return this.port ? this.port.receivers : this.set!.receivers;
  }
}

/** A port as a report names it: its id and label, or, for a port without one, its name in the task's space. */
function portText(port: Port, task: Task): string {
  if (port.label) return `port ${port.id} (${port.label})`;
  const name = task.space.entryFor(port)?.name;
  return `port ${port.id} (${name !== undefined ? `name ${name} of ${task.name}` : 'no label'})`;
}
