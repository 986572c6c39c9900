import { Deque } from './deque.ts';
import type { KMsg } from './message.ts';
import type { IpcSpace } from './space.ts';

/** A name that names nothing. */
export const MACH_PORT_NULL = 0;
/** The name a dead right travels as (Mach's `~0`). */
export const MACH_PORT_DEAD = ~0;
/** Default queue limit of a new port (Mach: 5). */
export const MACH_PORT_QLIMIT_DEFAULT = 5;
/** Largest finite queue limit (XNU's user maximum; GNU Mach's is 16). */
export const MACH_PORT_QLIMIT_MAX = 1024;
/**
 * Unbounded queue (an xmach extension: the course notes' third buffering option).
 * Mach itself always bounds a queue.
 */
export const MACH_PORT_QLIMIT_UNBOUNDED = Infinity;

/** True when q is a queue limit a port accepts: an integer 0..MAX, or UNBOUNDED. */
export function validQlimit(q: unknown): q is number {
  return q === Infinity || (typeof q === 'number' && Number.isInteger(q) && q >= 0 && q <= MACH_PORT_QLIMIT_MAX);
}

/**
 * Somebody blocked on a port: a sender waiting for room, or a receiver waiting
 * for a message. The kernel fills these in; `active` goes false when the wait
 * ends some other way (timeout, death), and queues skip inactive waiters.
 */
export interface Waiter {
  active: boolean;
  /** Opaque owner (the kernel's task record). */
  owner: unknown;
}

/** A sender blocked because the queue was full. It holds its message. */
export interface SendWaiter extends Waiter {
  kmsg: KMsg;
  /** The queue took the message (or it was destroyed): finish the send with this code. */
  done(code: number): void;
}

/** A receiver blocked in msg_receive on a port or a port set. */
export interface RecvWaiter extends Waiter {
  /** A message arrived (handed straight to it), or the wait failed with a code. */
  deliver(kmsg: KMsg | null, code: number, port: Port | null): void;
}

/** A request for a notification when something happens to a port. */
export interface NotifyRequest {
  /** The port that gets the notification. */
  notify: Port;
  /** For dead-name requests: the space and name to report. */
  space?: IpcSpace;
  name?: number;
}

/** The shared, always-empty queue of ports that have not yet had a message or a waiter of a kind. */
class NoWaiters extends Deque<never> {
  override push(): void {
    throw new Error('xmach bug: pushed onto the shared empty queue');
  }
}
const NO_WAITERS = new NoWaiters();

/**
 * A port: a kernel-protected message queue with one receive right (GNU Mach
 * `ipc_port`). Plain data: the blocking logic lives in `kernel/ipc.ts`.
 */
// A port's flags, packed in one field (a task has three ports of its own, an idle system thousands).
const ACTIVE = 1;
const DIRECT = 2;
const MAILBOX = 4;
const SERVING = 8;

/** What few ports need: made on first use (most ports never have a blocked sender or a request on them). */
class PortExtras {
  blockedSenders: Deque<SendWaiter> | null = null;
  dnrequests: NotifyRequest[] | null = null;
  nsrequest: Port | null = null;
}

/**
 * A port: a kernel-protected message queue with one receive right (GNU Mach
 * `ipc_port`). Plain data: the blocking logic lives in `kernel/ipc.ts`.
 * Booleans are bits of one field and rarely used fields live in an object made
 * on first use (both behind accessors): fewer bytes a port.
 */
export class Port {
  /** Global id, for traces ("port 7"). Not a name: tasks see their own names. */
  readonly id: number;
  /** Who holds the receive right: a task's space, or null while the right is in a message. */
  receiver: IpcSpace | null;
  private messages: Deque<KMsg> | null = null;
  qlimit = MACH_PORT_QLIMIT_DEFAULT;
  /** Sequence number stamped on the next dequeued message. */
  seqno = 0;
  /** Make-send count (send rights ever made from the receive right). */
  mscount = 0;
  /** Outstanding send rights (one per space holding any, plus each one in transit). */
  srights = 0;
  /** Outstanding send-once rights. */
  sorights = 0;
  /** The port set this port is a member of, if any. */
  pset: PortSet | null = null;
  // Queues are made on first use: an idle task's ports hold no message and no waiter.
  private waitingReceivers: Deque<RecvWaiter> | null = null;
  /** Whose port this is in a kernel-served sense (a task's kernel port names its task, a mailbox's port its mailbox). */
  kobject: unknown = null;
  /** Label parts: an owner's name and a role ('echo', or 'server' + '.reply'), joined when asked. */
  private labelBase: string;
  private labelRole: string;
  /** Kernel-received ports: what the clock calls to serve them (made once per port). */
  server: { fire(): void } | null = null;
  /** pid of the last task that held the receive right (for traces after it is gone); -1 if none. (A field: every port that dies sets it.) */
  lastReceiver = -1;
  private flags = ACTIVE;
  private x: PortExtras | null = null;

  /** False once the port is dead. */
  get active(): boolean {
    return (this.flags & ACTIVE) !== 0;
  }
  set active(v: boolean) {
    this.flags = v ? this.flags | ACTIVE : this.flags & ~ACTIVE;
  }

  /**
   * One direction of a direct-communication link (send(P) / receive(Q)): its receiver may take
   * messages from it even while it sits in the receiver's set of links, and a receive on it
   * fails at once (XMACH_PEER_ENDED) once it is empty and its sender has ended.
   */
  get direct(): boolean {
    return (this.flags & DIRECT) !== 0;
  }
  set direct(v: boolean) {
    this.flags = v ? this.flags | DIRECT : this.flags & ~DIRECT;
  }

  /** A mailbox's port: the kernel holds its receive right, but what arrives are user messages, not requests. */
  get mailbox(): boolean {
    return (this.flags & MAILBOX) !== 0;
  }
  set mailbox(v: boolean) {
    this.flags = v ? this.flags | MAILBOX : this.flags & ~MAILBOX;
  }

  /** Kernel-received ports: a serve pass is already scheduled. */
  get serving(): boolean {
    return (this.flags & SERVING) !== 0;
  }
  set serving(v: boolean) {
    this.flags = v ? this.flags | SERVING : this.flags & ~SERVING;
  }

  /** Dead-name requests, fired when the port dies. */
  get dnrequests(): NotifyRequest[] | null {
    return this.x === null ? null : this.x.dnrequests;
  }
  set dnrequests(v: NotifyRequest[] | null) {
    if (v !== null || this.x !== null) (this.x ??= new PortExtras()).dnrequests = v;
  }

  /** No-senders request (send-once right to notify), fired when srights drops to 0. */
  get nsrequest(): Port | null {
    return this.x === null ? null : this.x.nsrequest;
  }
  set nsrequest(v: Port | null) {
    if (v !== null || this.x !== null) (this.x ??= new PortExtras()).nsrequest = v;
  }

  constructor(id: number, receiver: IpcSpace | null, label = '', role = '') {
    this.id = id;
    this.receiver = receiver;
    this.labelBase = label;
    this.labelRole = role;
  }

  /** A label for traces and diagrams ('echo', 'server.reply'); '' if none. */
  get label(): string {
    return this.labelBase + this.labelRole;
  }

  /** The role the kernel gave the port ('kernel', 'notify', 'reply'), or '' for a port of the program's own. */
  get role(): string {
    return this.labelRole.startsWith('.') ? this.labelRole.slice(1) : this.labelRole;
  }

  /** True when no send or send-once right to the port exists: nothing can arrive unless its receiver makes one. */
  get unreachable(): boolean {
    return this.srights === 0 && this.sorights === 0;
  }

  set label(label: string) {
    this.labelBase = label;
    this.labelRole = '';
  }

  /** Queued messages, FIFO. (Add with `enqueue`.) */
  get queue(): Deque<KMsg> {
    return this.messages ?? (NO_WAITERS as Deque<KMsg>);
  }

  enqueue(kmsg: KMsg): void {
    (this.messages ??= new Deque(true)).push(kmsg);
  }

  /** Senders blocked because the queue is full, FIFO. (Add with `addSender`.) */
  get senders(): Deque<SendWaiter> {
    return (this.x === null ? null : this.x.blockedSenders) ?? (NO_WAITERS as Deque<SendWaiter>);
  }

  /** Receivers waiting on this port itself, FIFO. (Add with `addReceiver`.) */
  get receivers(): Deque<RecvWaiter> {
    return this.waitingReceivers ?? (NO_WAITERS as Deque<RecvWaiter>);
  }

  addSender(w: SendWaiter): void {
    ((this.x ??= new PortExtras()).blockedSenders ??= new Deque()).push(w);
  }

  addReceiver(w: RecvWaiter): void {
    (this.waitingReceivers ??= new Deque()).push(w);
  }

  /** True when a normal send would have to wait. */
  get full(): boolean {
    return this.queue.length >= this.qlimit;
  }
}

/**
 * A port set: receive from any member (GNU Mach `ipc_pset`). Like GNU Mach's
 * set queue, messages come out in the order they arrived across all members:
 * `arrivals` holds one entry per message (or blocked sender) that reached a
 * member, and entries that went stale (the port left, or its message was
 * withdrawn) are skipped.
 */
export class PortSet {
  readonly members = new Set<Port>();
  readonly receivers = new Deque<RecvWaiter>();
  readonly arrivals = new Deque<Port>();
  active = true;

  constructor(
    readonly id: number,
    readonly owner: IpcSpace,
  ) {}

  /** The member holding the oldest message (or blocked sender), or null if none has one. */
  nextReady(): Port | null {
    for (let p = this.arrivals.shift(); p !== undefined; p = this.arrivals.shift()) {
      if (p.pset === this && p.active && (p.queue.length > 0 || p.senders.length > 0)) return p;
    }
    return null;
  }
}
