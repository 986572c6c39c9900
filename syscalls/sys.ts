import {
  codeName,
  KERN_INVALID_ARGUMENT,
  MACH_MSG_SUCCESS,
  XMACH_PEER_ENDED,
  KERN_SUCCESS,
  KERN_TERMINATED,
  MACH_SEND_INVALID_DEST,
  MACH_RCV_TIMED_OUT,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
} from '../ports/codes.ts';
import type { InMessage, OutMessage, ReceivedRight, RightToSend } from '../ports/message.ts';
import type { RightKind } from '../ports/space.ts';
import type { MailboxSharing, ReceiveOptions, ReceiveResult, RpcOptions, SendOptions, Traps } from '../kernel/traps.ts';
import { MACH_NOTIFY_SEND_ONCE } from '../ports/notify.ts';
import { ROUTINES as R, replyId, type RoutineDef, type Share, type Signal } from '../kernel/server/defs.ts';
import type { ProcRow } from '../tasks/pcb.ts';
import type { ExitStatus, PCB } from '../tasks/pcb.ts';
import type { Program } from '../tasks/program.ts';
import type { Task } from '../tasks/task.ts';

/** A stub's answer: the code, plus what the routine returns. */
export type StubResult<T = object> = { code: number } & Partial<T>;

/** Attributes of a port, as `port_get_attributes` reports them. */
export interface PortAttributes {
  qlimit: number;
  msgcount: number;
  seqno: number;
  mscount: number;
  srights: number;
  sorights: number;
  inSet: boolean;
  blockedSenders: number;
  label: string;
}

/**
 * What a program calls: the task's ports, the three traps, and the stubs that
 * turn every other system call into a message to the task's kernel port (or
 * the bootstrap port) and wait for the reply, as MIG stubs do.
 *
 * Every call returns a promise; a task makes one call at a time.
 */
export interface Sys {
  readonly pid: number;
  readonly name: string;
  /** Send right to the task's kernel port: port and task calls go here. */
  readonly kernelPort: number;
  /** Receive right of the task's notify port: notifications come here. */
  readonly notifyPort: number;
  /** Receive right of the task's reply port: msg_rpc and stubs receive replies here. */
  readonly replyPort: number;
  /** Send right to the bootstrap (name service) port. */
  readonly bootstrapPort: number;
  /** Rights granted at spawn (`kernel.spawn(…, { ports })`): names in this task's space, by key. */
  readonly ports: Readonly<Record<string, number>>;
  /** What the spawner passed as `args`. */
  readonly args: unknown;

  // --- the three traps ---------------------------------------------------------
  /**
   * Sends a message to the port dest names. Resolves to a code: MACH_MSG_SUCCESS,
   * MACH_SEND_TIMED_OUT, MACH_SEND_WILL_NOTIFY, MACH_SEND_NOTIFY_IN_PROGRESS,
   * MACH_SEND_INVALID_DEST / _REPLY / _RIGHT / _DATA / _HEADER, KERN_INVALID_ARGUMENT,
   * MACH_SEND_INTERRUPTED (a machine program's timer fired while it waited).
   *
   * @example
   * const code = await sys.msg_send(server, { id: 1, body: 'hi' }, { policy: 'return' });
   * if (code === MACH_SEND_TIMED_OUT) sys.log('queue full, try later');
   */
  msg_send(dest: number, msg: OutMessage, opts?: SendOptions): Promise<number>;
  /**
   * Receives a message from a port or port set. Resolves to `{ ok, code, msg }`:
   * MACH_MSG_SUCCESS, MACH_RCV_TIMED_OUT, MACH_RCV_INVALID_NAME, MACH_RCV_IN_SET,
   * MACH_RCV_PORT_DIED, MACH_RCV_PORT_CHANGED (the port joined a set while it waited),
   * MACH_RCV_INTERRUPTED (a machine program's timer fired while it waited), KERN_INVALID_ARGUMENT.
   *
   * @example
   * const r = await sys.msg_receive(port, { timeout: 100 });
   * if (r.ok) sys.log('got', r.msg.body);
   */
  msg_receive<B = unknown>(name: number, opts?: ReceiveOptions): Promise<ReceiveResult<B>>;
  /**
   * Sends a request and receives the reply on the reply port, in one trap.
   * Without `msg.reply`, the task's reply port is attached as a send-once right.
   * A failed send ends the call with the send's code.
   *
   * @example
   * const r = await sys.msg_rpc(server, { id: 7, body: 21 });
   * if (r.ok) sys.log('answer', r.msg.body); // answer 42
   */
  msg_rpc<B = unknown>(dest: number, msg: OutMessage, opts?: RpcOptions): Promise<ReceiveResult<B>>;

  /**
   * Sends a message and receives on `rcv` (a port or port set), in one trap: Mach's
   * mach_msg with both send and receive, a server loop's "reply, then take the next
   * request". `opts` are the send's policy and timeout, and `rcvTimeout` for the receive.
   * A failed send ends the call with the send's code. Codes: those of msg_send and msg_receive.
   *
   * @example
   * let r = await sys.msg_receive(port);
   * while (r.ok) r = await sys.msg_send_receive(r.msg.reply, { id: 101, body: answer(r.msg.body) }, port);
   */
  msg_send_receive<B = unknown>(dest: number, msg: OutMessage, rcv: number, opts?: RpcOptions): Promise<ReceiveResult<B>>;

  /**
   * A MIG-style routine call to any server: sends `{ id, body }` with a send-once
   * reply right, receives the reply, and checks it is id + 100. Resolves to the
   * reply body (servers answer an object with a `code`) and, as `ports`, the rights it carried.
   * Codes besides the server's own: MIG_SERVER_DIED (the server died holding the
   * reply right), MIG_REPLY_MISMATCH, and any msg_rpc code.
   *
   * @example
   * const r = await sys.call(fileServer, 1000, { path: '/etc/motd' });
   * if (r.code === KERN_SUCCESS) sys.log(r.text);
   */
  call(dest: number, id: number, body: object, rights?: RightToSend[]): Promise<CallResult>;

  // --- ports (messages to the kernel port) ----------------------------------------
  /** Creates a port (receive right), a port set, or a dead name. Codes: KERN_SUCCESS, KERN_INVALID_VALUE. */
  port_allocate(right?: 'receive' | 'port-set' | 'dead-name', label?: string): Promise<StubResult<{ name: number }>>;
  /**
   * Releases one user reference of a send, send-once or dead-name right; a name
   * holding only a receive right (or a port set) is destroyed. Codes: KERN_SUCCESS, KERN_INVALID_NAME.
   */
  port_deallocate(name: number): Promise<number>;
  /** Destroys every right under name (a receive right: the port dies). Codes: KERN_SUCCESS, KERN_INVALID_NAME. */
  port_destroy(name: number): Promise<number>;
  /** Adds delta user references to a send right or dead name. Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_UREFS_OVERFLOW. */
  port_mod_refs(name: number, right: 'send' | 'dead-name', delta: number): Promise<number>;
  /** User references of one right of a name. */
  port_get_refs(name: number, right: RightKind): Promise<StubResult<{ refs: number }>>;
  /** The rights a name holds (`type` is Mach's bit mask). */
  port_type(name: number): Promise<StubResult<{ type: number; rights: RightKind[] }>>;
  /** Every name of the task's space with its rights. */
  port_names(): Promise<StubResult<{ names: { name: number; rights: RightKind[]; port: number | null; label: string }[] }>>;
  /** Sets the queue limit of a port the task receives on: 0..MACH_PORT_QLIMIT_MAX, or Infinity. Codes: KERN_SUCCESS, KERN_INVALID_RIGHT, KERN_INVALID_VALUE. */
  port_set_qlimit(name: number, qlimit: number): Promise<number>;
  /** Queue limit, message count, seqno and rights counts of a port the task receives on. */
  port_get_attributes(name: number): Promise<StubResult<PortAttributes>>;
  /** Names a port in traces and diagrams. */
  port_set_label(name: number, label: string): Promise<number>;
  /** Moves a port into a port set (after = the set), or out of its set (after = 0). Codes: KERN_SUCCESS, KERN_INVALID_RIGHT, KERN_NOT_IN_SET. */
  port_move_member(member: number, after: number): Promise<number>;
  /**
   * Asks for a notification on the task's notify port (or the port `notify` names):
   * 'dead-name' when the port a send right names dies; 'no-senders' when a port the
   * task receives on has no send rights left.
   */
  port_request_notification(name: number, kind: 'dead-name' | 'no-senders', notify?: number): Promise<number>;

  // --- tasks and processes -------------------------------------------------------------
  /** The task's own kernel port name. */
  task_self(): Promise<StubResult<{ name: number }>>;
  /** A copy of the PCB of this task, or of the task a handle names. Works on a zombie; KERN_TERMINATED once reaped. */
  task_info(handle?: number): Promise<StubResult<{ pcb: PCB }>>;
  /**
   * Creates a child process, a copy of this one. Resolves in the parent to `{ code, pid, handle }`
   * (handle: a send right to the child's kernel port).
   * - Async programs: `child(sys, data)` runs in the child with a copy of `opts.data`.
   * - Machine programs (no `child`): the child starts from a copy of the parent's snapshot and
   *   its own fork call resolves to `{ code: 0, pid: 0, child: true }`.
   * `share` gives the child copies of all of the parent's send rights (default, under the same
   * names), none, or the names listed. `wait: true` makes the parent wait for the child's end
   * (the result then has its `status`).
   *
   * @example
   * const { pid } = await sys.fork(async (child, n) => child.log('child got', n), { data: 42 });
   * const { status } = await sys.wait(pid); // { code: 0, reason: 'exit' }
   */
  fork<D = unknown>(child?: (sys: Sys, data: D) => unknown, opts?: ForkOptions<D>): Promise<ForkResult>;
  /** Replaces this task's program (a function, a machine, or an installed path); pid and rights stay. Resolves only on failure. */
  exec(program: Program<Sys> | string, opts?: { args?: unknown; name?: string }): Promise<number>;
  /** Ends this task now with an exit code. Never resolves. */
  exit(code?: number): Promise<never>;
  /**
   * Waits for a child (any, or pid) to end and reaps it: `{ code, pid, status }`. A child that
   * ended before is a zombie until then. KERN_NOT_FOUND when there is no such child;
   * with `nohang`, `{ pid: 0 }` when none has ended yet.
   */
  wait(pid?: number, opts?: { nohang?: boolean }): Promise<StubResult<{ pid: number; status: ExitStatus }>>;
  /** Waits for the end of the process a handle names (anyone holding the handle may), without reaping it. */
  task_wait(handle: number): Promise<StubResult<{ pid: number; status: ExitStatus }>>;
  /** Sends a signal through a handle: 'term' (a notification the program may handle), 'kill', 'stop', 'cont'. */
  kill(handle: number, signal?: Signal): Promise<number>;
  /** Ends the process a handle names (every thread), as a kill does: status 137. Codes: KERN_SUCCESS, KERN_TERMINATED. */
  task_terminate(handle: number): Promise<number>;
  /** Suspends the task a handle names (its suspend count + 1): it is not dispatched until resumed. */
  task_suspend(handle: number): Promise<number>;
  /** Resumes it (suspend count − 1; KERN_FAILURE at 0). */
  task_resume(handle: number): Promise<number>;
  /**
   * Makes this process a subreaper (Linux's PR_SET_CHILD_SUBREAPER): its orphaned
   * descendants are given to it instead of to init; it reaps them with `wait`. Codes: KERN_SUCCESS.
   */
  set_child_subreaper(on?: boolean): Promise<number>;
  /** The process table. */
  ps(): Promise<StubResult<{ procs: ProcRow[] }>>;
  /**
   * Starts another thread of control in this task: `fn(sys, shared)` runs with its own sys
   * (its own reply port), shares the task's name space, and gets `shared` itself — the same
   * object, not a copy (threads share memory). The task ends when its last thread ends.
   *
   * @example
   * const counter = { n: 0 };
   * await sys.thread_create(async (t, c) => { c.n++; }, counter);
   */
  thread_create<D>(fn: (sys: Sys, shared: D) => unknown, shared?: D): Promise<StubResult<{ tid: number }>>;

  // --- name service (messages to the bootstrap port) ----------------------------------
  /** Registers a send right (made from a receive right, or copied) under a name. Codes: NETNAME_SUCCESS, NETNAME_NOT_YOURS, NETNAME_INVALID_PORT. */
  netname_check_in(name: string, port: number): Promise<number>;
  /** Looks a name up; with `wait`, waits until it is checked in. Resolves to a send right. Codes: NETNAME_SUCCESS, NETNAME_NOT_CHECKED_IN. */
  netname_look_up(name: string, opts?: { wait?: boolean }): Promise<StubResult<{ port: number }>>;
  /** Removes a name this task checked in. */
  netname_check_out(name: string): Promise<number>;
  /**
   * For a name-server task, on a host booted with `nameService: 'task'`: takes the receive right
   * of the host's bootstrap port (every task's `bootstrapPort` names it), with the requests
   * queued on it. Codes: KERN_SUCCESS, KERN_FAILURE (the kernel serves this host's name
   * service), KERN_NO_ACCESS (another task holds it, or it was destroyed).
   */
  bootstrap_claim(): Promise<StubResult<{ name: number }>>;

  // --- the course's other messaging models ------------------------------------------------
  /**
   * Direct communication: sends `body` to process `pid` (the course's send(P, message)). The
   * link between the two processes is made on first use (one per pair, both ways; see
   * `link_open`), then each send is one msg_send. `{ block: false }` returns
   * MACH_SEND_TIMED_OUT at once when the link is full; `{ timeout }` waits at most that long.
   * Codes: MACH_MSG_SUCCESS, MACH_SEND_TIMED_OUT, XMACH_PEER_ENDED (the process has ended),
   * XMACH_NO_SUCH_PROCESS, KERN_INVALID_ARGUMENT (itself, or bad options), MACH_SEND_INVALID_DATA.
   *
   * @example
   * await sys.send(consumerPid, { item: 1 });
   */
  send(pid: number, body?: unknown, opts?: DirectOptions): Promise<number>;
  /**
   * Direct communication: receives from process `from`, or from any process with `ANY`
   * (the course's receive(Q, message) and receive(id, message)). Resolves to
   * `{ ok, code, from, body, msg }`: `from` is the sender's pid. `{ block: false }` returns
   * MACH_RCV_TIMED_OUT at once when nothing is there. Codes: MACH_MSG_SUCCESS,
   * MACH_RCV_TIMED_OUT, XMACH_PEER_ENDED (from a process that has ended, with nothing of it
   * left; a blocked receive is woken with it), XMACH_NO_SUCH_PROCESS, KERN_INVALID_ARGUMENT.
   *
   * @example
   * const r = await sys.receive(ANY);
   * if (r.ok) sys.log(`from ${r.from}:`, r.body);
   */
  receive<B = unknown>(from: number, opts?: DirectOptions): Promise<DirectResult<B>>;
  /**
   * The link to process `pid`, made now if it does not exist (with `capacity` each way: 0 is
   * a rendezvous, n a bounded buffer, Infinity unbounded; default 5). Resolves to this
   * process's names for it: `send`, `recv`, and `set` (its set of links, for ANY). Codes:
   * KERN_SUCCESS, XMACH_NO_SUCH_PROCESS, XMACH_PEER_ENDED, KERN_INVALID_ARGUMENT, KERN_INVALID_VALUE.
   */
  link_open(pid: number, capacity?: number): Promise<StubResult<{ send: number; recv: number; set: number }>>;
  /**
   * Creates a mailbox (indirect communication) that several processes may share, by one of
   * the course's rules: 'pair' (at most two processes), 'one-at-a-time' (default: receivers
   * take turns), 'system-picks' (the kernel picks the receiver, round robin or random, and
   * tells the sender). Resolves to `mailbox`: a send right to it, to pass to others. Codes:
   * KERN_SUCCESS, KERN_INVALID_VALUE.
   */
  mailbox_create(sharing?: MailboxSharing, capacity?: number, pick?: 'round-robin' | 'random', label?: string): Promise<StubResult<{ mailbox: number }>>;
  /** Associates this process with a mailbox (sending and receiving do it on first use). Codes: KERN_SUCCESS, KERN_INVALID_NAME, XMACH_MAILBOX_PAIRED. */
  mailbox_open(mailbox: number): Promise<number>;
  /** Sends `body` to a mailbox (after opening it once): a msg_send with the options of msg_send. Codes: those of msg_send, XMACH_MAILBOX_PAIRED. */
  mailbox_send(mailbox: number, body?: unknown, opts?: SendOptions): Promise<number>;
  /**
   * Receives from a mailbox, as its sharing rule allows: `{ ok, code, from, body, msg }`.
   * `{ timeout }` (0 polls), `{ wait: false }` (one-at-a-time: XMACH_MAILBOX_BUSY instead of
   * waiting a turn). Codes: MACH_MSG_SUCCESS, MACH_RCV_TIMED_OUT, XMACH_MAILBOX_PAIRED,
   * XMACH_MAILBOX_BUSY, XMACH_MAILBOX_DESTROYED, KERN_INVALID_NAME.
   */
  mailbox_receive<B = unknown>(mailbox: number, opts?: { timeout?: number; wait?: boolean }): Promise<DirectResult<B>>;
  /** Destroys a mailbox this process made. Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_INVALID_RIGHT. */
  mailbox_destroy(mailbox: number): Promise<number>;

  // --- shared memory and synchronisation -------------------------------------------------
  /**
   * Creates a memory region of `size` bytes (a memory object named by a port): `shared`
   * (default) is MAP_SHARED (a forked child shares it), false MAP_PRIVATE (a child gets a
   * copy). Resolves to `region`, a send right to pass to others. Codes: KERN_SUCCESS,
   * KERN_INVALID_VALUE (size out of 0..64 MiB).
   */
  region_create(size: number, shared?: boolean, label?: string): Promise<StubResult<{ region: number }>>;
  /**
   * Maps a region: resolves to `view`, a `Uint8Array` over the region's own bytes. Two tasks
   * that map one region see each other's writes at once, with no system call and no copy.
   * Codes: KERN_SUCCESS, KERN_INVALID_NAME.
   *
   * @example
   * const { view } = await sys.region_map(region);
   * view![0] = 42; // the other task's view shows 42 now
   */
  region_map(region: number, writable?: boolean): Promise<StubResult<{ view: Uint8Array }>>;
  /** Unmaps a region. Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_NOT_FOUND (not mapped). */
  region_unmap(region: number): Promise<number>;
  /** Sets a region's size (ftruncate): growing zero-fills; views follow. Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_INVALID_VALUE. */
  region_resize(region: number, size: number): Promise<number>;
  /** Creates a counting semaphore (Mach's semaphore_create), a mutex with `mutex: true`. Resolves to `semaphore`. Codes: KERN_SUCCESS, KERN_INVALID_VALUE. */
  semaphore_create(value?: number, name?: string, mutex?: boolean): Promise<StubResult<{ semaphore: number }>>;
  /** Waits (P): at 0 the task blocks until a signal; `timeout` ms at most (0: try). Codes: KERN_SUCCESS, KERN_OPERATION_TIMED_OUT, KERN_TERMINATED, KERN_INVALID_NAME. */
  semaphore_wait(semaphore: number, timeout?: number): Promise<number>;
  /** Signals (V): wakes the first waiter, or counts one up. Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_INVALID_RIGHT (a mutex another task holds, or one nobody holds). */
  semaphore_signal(semaphore: number): Promise<number>;
  /** Destroys a semaphore; its waiters get KERN_TERMINATED. */
  semaphore_destroy(semaphore: number): Promise<number>;
  /** POSIX sem_open: the named semaphore `/name` (made with `create`, at `value`; `exclusive` refuses one that exists). Codes: KERN_SUCCESS, KERN_NOT_FOUND, KERN_NAME_EXISTS, KERN_INVALID_VALUE. */
  sem_open(name: string, create?: boolean, value?: number, exclusive?: boolean): Promise<StubResult<{ semaphore: number }>>;
  /** POSIX sem_unlink: the name goes; the semaphore lives on while tasks hold it. */
  sem_unlink(name: string): Promise<number>;
  /** POSIX sem_wait / sem_post / sem_trywait (KERN_OPERATION_TIMED_OUT for EAGAIN) on a semaphore. */
  sem_wait(semaphore: number): Promise<number>;
  sem_post(semaphore: number): Promise<number>;
  sem_trywait(semaphore: number): Promise<number>;
  /** A mutex: a semaphore of 1 that remembers its holder (the deadlock report names it). */
  mutex_create(name?: string): Promise<StubResult<{ semaphore: number }>>;
  mutex_lock(mutex: number): Promise<number>;
  mutex_unlock(mutex: number): Promise<number>;

  // --- Android: memory and importance ------------------------------------------------------
  /** Allocates mb MB of the device's memory (the low-memory killer may end less important processes first). Codes: KERN_SUCCESS, KERN_RESOURCE_SHORTAGE, KERN_INVALID_VALUE. */
  mem_alloc(mb: number): Promise<number>;
  /** Gives back mb MB. Codes: KERN_SUCCESS, KERN_INVALID_VALUE. */
  mem_free(mb: number): Promise<number>;
  /** Sets the importance class of this process, or of the one a handle names (Android's activity manager). */
  set_importance(handle: number | undefined, importance: 'foreground' | 'visible' | 'service' | 'background' | 'empty'): Promise<number>;
  /** The device's memory: total and free MB, and how many processes the low-memory killer has ended. */
  mem_info(): Promise<StubResult<{ total: number; free: number; kills: number }>>;
  /** Binds this process to the service a handle names: the service counts as at least this process's class. */
  bind_service(handle: number): Promise<number>;

  // --- the host's network device (for its network server) ----------------------------------
  /** Takes the receive right of this host's device port, where packets arrive (id 4150), and tells the host's address. Codes: KERN_SUCCESS, KERN_NO_ACCESS (already attached). */
  net_attach(): Promise<StubResult<{ name: number; address: string }>>;
  /** Hands bytes to the wire for host dst: `fate` says what happened ('delivered', 'lost', …; null for loopback). Codes: KERN_SUCCESS, KERN_INVALID_ARGUMENT. */
  net_transmit(dst: string, bytes: Uint8Array, meta?: unknown): Promise<StubResult<{ fate: string | null }>>;

  // --- the CPU ----------------------------------------------------------------------------
  /**
   * Computes for ms of virtual time: the task holds its CPU (a CPU-bound burst). Not a
   * system call: it is the program's own work, the only thing that uses CPU time. Under
   * round robin a long burst is cut at the quantum; under priority a more urgent task
   * can preempt it. Rejects on a negative or non-finite duration.
   *
   * @example
   * await sys.compute(25); // 25 ms of CPU; the PCB's cpuTime grows by 25
   */
  compute(ms: number): Promise<void>;

  // --- helpers built from the calls above ---------------------------------------------
  /** Waits ms of virtual time (a receive with a timeout on a private port). */
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1) from the kernel's seeded generator. */
  random(): number;
  /** The current virtual time in ms. */
  now(): number;
  /** Writes a line into the trace (kind 'log'), shown in tables and diagrams. */
  log(...parts: unknown[]): void;
  /** Why the last refused call was refused, in words. */
  lastError(): string;
  /** Keeps values in the PCB's registers (shown by task_info). */
  setRegisters(values: Record<string, unknown>): void;
}

/** Options of the direct model's send and receive. */
export interface DirectOptions {
  /** false: do not block (a full link or an empty one answers at once). Default true. */
  block?: boolean;
  /** ms to wait at most (as msg_send's and msg_receive's timeout). */
  timeout?: number;
}

/** What the direct model's receive (and mailbox_receive) resolves to. */
export type DirectResult<B = unknown> =
  | { ok: true; code: typeof MACH_MSG_SUCCESS; from: number; body: B; msg: InMessage<B> }
  | { ok: false; code: number; from: number; body: undefined; msg: null };

/** receive(ANY): from any process. */
export const ANY = -1;

/** Options of fork. */
export interface ForkOptions<D = unknown> {
  /** Copied to the child (async programs): its second argument. */
  data?: D;
  /** Send rights the child gets: 'all' (default), 'none', or the names listed. */
  share?: Share;
  /** Wait for the child to end before fork resolves (the execution option "parent waits"). */
  wait?: boolean;
  /** The child's name (default: the parent's). */
  name?: string;
  /** The child is a daemon (a server loop): it does not keep the run going. */
  daemon?: boolean;
}

/** What fork resolves to. */
export interface ForkResult {
  code: number;
  /** The child's pid in the parent; 0 in the child (machine fork). */
  pid?: number;
  /** A handle (send right to the child's kernel port), in the parent. */
  handle?: number;
  /** True in the child of a machine fork. */
  child?: boolean;
  /** With `wait: true`: how the child ended. */
  status?: ExitStatus;
}

/** What `call` resolves to: the reply body's fields (with its `code`) and, as `ports`, the rights the reply carried. */
export type CallResult = { code: number; ports?: ReceivedRight[]; [field: string]: unknown };
type RawReply = CallResult;

/** Builds the sys of a task. The kernel is given this (and `syscallActors`) through `boot()`. */
export function makeSys(k: Traps, task: Task): Sys {
  return new TaskSys(k, task);
}

/**
 * One task's sys. Methods live on the prototype (a task costs no closures);
 * call them on sys (`sys.msg_send(…)`), or bind them before passing them on.
 */
interface TaskSys extends Sys {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class TaskSys {
  private sleepPort = 0;
  /** Direct links known to this task, by peer pid; mailboxes it has opened. */
  private links: Map<number, LinkNames> | null = null;
  private opened: Set<number> | null = null;
  /** The name of this process's set of incoming links (0 until asked for). */
  private anySet = 0;

  constructor(
    private readonly k: Traps,
    private readonly task: Task,
  ) {}

  get pid(): number {
    return this.task.pid;
  }
  get name(): string {
    return this.task.name;
  }
  get kernelPort(): number {
    return this.task.kernelPort;
  }
  get notifyPort(): number {
    return this.task.notifyPort;
  }
  get replyPort(): number {
    return this.task.replyPort;
  }
  get bootstrapPort(): number {
    return this.task.bootstrapPort;
  }
  get ports(): Readonly<Record<string, number>> {
    return this.task.ports;
  }
  get args(): unknown {
    return this.task.args;
  }

  // --- the three traps ---------------------------------------------------------
  msg_send(dest: number, msg: OutMessage, opts?: SendOptions): Promise<number> {
    return this.k.msgSend(this.task, dest, msg, opts);
  }

  msg_receive<B = unknown>(name: number, opts?: ReceiveOptions): Promise<ReceiveResult<B>> {
    return this.k.msgReceive(this.task, name, opts) as Promise<ReceiveResult<B>>;
  }

  msg_rpc<B = unknown>(dest: number, msg: OutMessage, opts?: RpcOptions): Promise<ReceiveResult<B>> {
    return this.k.msgRpc(this.task, dest, msg, opts) as Promise<ReceiveResult<B>>;
  }

  msg_send_receive<B = unknown>(dest: number, msg: OutMessage, rcv: number, opts?: RpcOptions): Promise<ReceiveResult<B>> {
    return this.k.msgSendReceive(this.task, dest, msg, rcv, opts) as Promise<ReceiveResult<B>>;
  }

  /** A MIG-style routine: request to dest, reply expected with id + 100. */
  async call(dest: number, id: number, body: object, rights?: RightToSend[]): Promise<CallResult> {
    const r = await this.k.msgRpc(this.task, dest, rights ? { id, body, rights } : { id, body });
    if (!r.ok) return { code: r.code };
    if (r.msg.id !== replyId(id)) {
      return { code: r.msg.id === MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH };
    }
    const answer = r.msg.body;
    const fields = typeof answer === 'object' && answer !== null ? (answer as RawReply) : { code: KERN_SUCCESS, value: answer };
    if (r.msg.rights.length > 0) fields.ports = r.msg.rights;
    return fields;
  }

  /**
   * The generic stub: calls routine `def` of the interface table with the
   * stub's arguments. The request goes where the table says (the task's kernel
   * port, the handle given first, or the bootstrap port); its body is the
   * arguments by name (a left-out argument takes its fallback, or is left out),
   * unless the stub built `body` itself. A handle whose process was reaped
   * answers KERN_TERMINATED.
   */
  private async invoke(def: RoutineDef, args: readonly unknown[], body?: object, rights?: RightToSend[]): Promise<RawReply> {
    const task = this.task;
    const onHandle = def.on === 'handle';
    const dest = onHandle ? ((args[0] as number | undefined) ?? task.kernelPort) : def.on === 'bootstrap' ? task.bootstrapPort : task.kernelPort;
    if (!body) {
      const fields: Record<string, unknown> = {};
      const from = onHandle ? 1 : 0;
      for (let i = from; i < def.args.length; i++) {
        const [name, , fallback] = def.args[i]!;
        const v = args[i] ?? fallback;
        if (v !== undefined) fields[name] = v;
      }
      body = fields;
    }
    // What the task is in, for the deadlock report: `netname_look_up('echo')`, `wait(pid 4)`.
    task.call = callText(def, args, body);
    const r = await this.call(dest, def.id, body, rights);
    task.call = null;
    task.deferredOn = null;
    if (onHandle && r.code === MACH_SEND_INVALID_DEST && task.space.lookup(dest)?.deadRefs) {
      task.lastError = `handle ${dest}: the process has been reaped`;
      return { code: KERN_TERMINATED };
    }
    // A failing stub says why (unless the server already did); a successful call clears it.
    if (r.code === KERN_SUCCESS) task.lastError = '';
    else if (!task.lastError) task.lastError = `${def.name}: ${codeName(r.code)}`;
    return r;
  }

  // --- ports: generic stubs, installed on the prototype from the table (see below) ---

  // --- tasks and processes: the stubs that build their own requests -----------------
  async fork<D = unknown>(child?: (sys: Sys, data: D) => unknown, opts: ForkOptions<D> = {}): Promise<ForkResult> {
    const body: Record<string, unknown> = { share: opts.share ?? 'all' };
    if (child) body.text = this.k.text(child);
    if (opts.data !== undefined) body.data = opts.data;
    if (opts.name !== undefined) body.name = opts.name;
    if (opts.daemon) body.daemon = true;
    const r = await this.invoke(R.fork, [], body);
    if (r.code !== KERN_SUCCESS || r.child) return r.child ? { code: r.code, pid: 0, child: true } : { code: r.code };
    const out: ForkResult = { code: r.code, pid: r.pid as number, handle: r.ports?.[0]?.name ?? 0 };
    if (opts.wait) {
      const w = await this.wait(out.pid);
      if (w.code === KERN_SUCCESS) out.status = w.status!;
    }
    return out;
  }
  async exec(program: Program<Sys> | string, opts: { args?: unknown; name?: string } = {}): Promise<number> {
    const body: Record<string, unknown> = typeof program === 'string' ? { path: program } : { text: this.k.text(program) };
    if (opts.args !== undefined) body.args = opts.args;
    if (opts.name !== undefined) body.name = opts.name;
    return (await this.invoke(R.exec, [], body)).code;
  }
  async exit(exitCode?: number): Promise<never> {
    await this.invoke(R.exit, [exitCode]);
    throw new Error('exit returned'); // never reached: the task has ended
  }
  async wait(pid = -1, opts: { nohang?: boolean } = {}): Promise<StubResult<{ pid: number; status: ExitStatus }>> {
    return strip(await this.invoke(R.wait, [], opts.nohang ? { pid, nohang: true } : { pid })) as never;
  }
  async thread_create<D>(fn: (sys: Sys, shared: D) => unknown, shared?: D): Promise<StubResult<{ tid: number }>> {
    // Threads share memory: the function and its data go by reference (as text), not copied in the message.
    const text = this.k.text((s: Sys) => fn(s, shared as D));
    return strip(await this.invoke(R.thread_create, [], { text })) as never;
  }

  // --- name service ------------------------------------------------------------------
  async netname_check_in(name: string, port: number): Promise<number> {
    const e = this.task.space.lookup(port);
    const disposition = e?.sendRefs ? 'copy-send' : 'make-send';
    return (await this.invoke(R.netname_check_in, [], { name }, [{ name: port, disposition }])).code;
  }
  async netname_look_up(name: string, opts?: { wait?: boolean }): Promise<StubResult<{ port: number }>> {
    const r = await this.invoke(R.netname_look_up, [], { name, wait: opts?.wait ?? false });
    if (r.code !== KERN_SUCCESS) return { code: r.code };
    return { code: r.code, port: r.ports?.[0]?.name ?? 0 };
  }

  // --- the course's other messaging models ------------------------------------------------
  async link_open(pid: number, capacity?: number): Promise<StubResult<{ send: number; recv: number; set: number }>> {
    const r = strip(await this.invoke(R.link_open, [pid, capacity]));
    if (r.code === KERN_SUCCESS && pid !== ANY) (this.links ??= new Map()).set(pid, r as LinkNames);
    return r as never;
  }
  /** This process's names for the link to pid, from the cache or made now; or the code that refused it. */
  private async link(pid: number): Promise<LinkNames | number> {
    const known = this.links?.get(pid);
    if (known) return known;
    const r = await this.link_open(pid);
    return r.code === KERN_SUCCESS ? (r as LinkNames) : r.code;
  }
  send(pid: number, body?: unknown, opts: DirectOptions = {}): Promise<number> {
    if (pid === ANY) return Promise.resolve(KERN_INVALID_ARGUMENT); // one sends to a process, not to anyone
    const names = this.links?.get(pid);
    if (!names) return this.sendFirst(pid, body, opts);
    return this.k.msgSend(this.task, names.send, { body }, directSend(opts)).then(peerEnded);
  }
  /** The first send to pid: the link is made (or found) first. */
  private async sendFirst(pid: number, body: unknown, opts: DirectOptions): Promise<number> {
    const names = await this.link(pid);
    if (typeof names === 'number') return names;
    return peerEnded(await this.k.msgSend(this.task, names.send, { body }, directSend(opts)));
  }
  receive<B = unknown>(from: number, opts: DirectOptions = {}): Promise<DirectResult<B>> {
    const name = from === ANY ? this.anySet : (this.links?.get(from)?.recv ?? 0);
    if (name === 0) return this.receiveFirst<B>(from, opts);
    return this.k.msgReceive(this.task, name, directReceive(opts)).then((r) => directResult<B>(r, from));
  }
  /** The first receive from a peer (or from ANY): the link (or the set of links) is made or found first. */
  private async receiveFirst<B>(from: number, opts: DirectOptions): Promise<DirectResult<B>> {
    let name: number;
    if (from === ANY) {
      const r = await this.link_open(ANY);
      if (r.code !== KERN_SUCCESS) return { ok: false, code: r.code, from, body: undefined, msg: null };
      name = this.anySet = r.set!;
    } else {
      const r = await this.link_open(from);
      // A peer that has ended may still have left messages on this side (`recv` comes with the code).
      if (r.code !== KERN_SUCCESS && !r.recv) return { ok: false, code: r.code, from, body: undefined, msg: null };
      name = r.recv!;
    }
    return directResult<B>(await this.k.msgReceive(this.task, name, directReceive(opts)), from);
  }
  async mailbox_send(mailbox: number, body?: unknown, opts?: SendOptions): Promise<number> {
    if (!(this.opened ??= new Set()).has(mailbox)) {
      const code = await this.mailbox_open(mailbox);
      if (code !== KERN_SUCCESS) return code;
      this.opened.add(mailbox);
    }
    return this.k.msgSend(this.task, mailbox, { body }, opts);
  }
  async mailbox_receive<B = unknown>(mailbox: number, opts: { timeout?: number; wait?: boolean } = {}): Promise<DirectResult<B>> {
    const r = await this.invoke(R.mailbox_receive, [], { mailbox, ...opts });
    if (r.code !== KERN_SUCCESS) return { ok: false, code: r.code, from: 0, body: undefined, msg: null };
    const rights = r.ports ?? [];
    const hasReply = r.hasReply === true;
    const msg: InMessage<B> = {
      id: r.id as number, body: r.body as B, seqno: 0, port: mailbox, reply: hasReply ? rights[0]!.name : 0,
      replyRight: hasReply ? (rights[0]!.right === 'receive' ? null : rights[0]!.right) : null, rights: hasReply ? rights.slice(1) : rights,
      size: r.size as number, sender: r.sender as number, notification: null,
    };
    return { ok: true, code: MACH_MSG_SUCCESS, from: msg.sender, body: msg.body, msg };
  }

  // --- shared memory and synchronisation -------------------------------------------------
  async region_map(region: number, writable?: boolean): Promise<StubResult<{ view: Uint8Array }>> {
    const r = await this.invoke(R.region_map, [region, writable]);
    if (r.code !== KERN_SUCCESS) return { code: r.code };
    // The view comes by reference, as a mapping does: never copied into a message.
    return { code: r.code, view: this.k.view(this.task, region)! };
  }
  sem_wait(semaphore: number): Promise<number> {
    return this.semaphore_wait(semaphore);
  }
  sem_post(semaphore: number): Promise<number> {
    return this.semaphore_signal(semaphore);
  }
  sem_trywait(semaphore: number): Promise<number> {
    return this.semaphore_wait(semaphore, 0);
  }
  mutex_create(name?: string): Promise<StubResult<{ semaphore: number }>> {
    return this.semaphore_create(1, name, true);
  }
  mutex_lock(mutex: number): Promise<number> {
    return this.semaphore_wait(mutex);
  }
  mutex_unlock(mutex: number): Promise<number> {
    return this.semaphore_signal(mutex);
  }

  // --- the CPU and helpers ---------------------------------------------------------------
  compute(ms: number): Promise<void> {
    try {
      return this.k.compute(this.task, ms);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  async sleep(ms: number): Promise<void> {
    if (this.sleepPort === 0) {
      const r = await this.port_allocate('receive', `${this.task.name}.sleep`);
      this.sleepPort = r.name ?? 0;
    }
    const r = await this.k.msgReceive(this.task, this.sleepPort, { timeout: ms });
    if (r.code !== MACH_RCV_TIMED_OUT) throw new Error(`sleep(${ms}): ${this.task.lastError || 'bad duration'}`);
  }
  random(): number {
    return this.k.random();
  }
  now(): number {
    return this.k.now();
  }
  log(...parts: unknown[]): void {
    this.k.log(this.task, parts);
  }
  lastError(): string {
    return this.task.lastError;
  }
  setRegisters(values: Record<string, unknown>): void {
    Object.assign(this.task.pcb.registers, values);
  }
}

// The generic stubs: every routine of the table that builds no request of its own
// (`custom`) is a method that sends its arguments by name (see `invoke`).
for (const def of Object.values(R) as RoutineDef[]) {
  // A routine whose stub the class writes itself (custom requests, caching, exit) keeps it.
  if (def.custom || Object.prototype.hasOwnProperty.call(TaskSys.prototype, def.name)) continue;
  const stub =
    def.returns === 'code'
      ? async function (this: TaskSys, ...args: unknown[]) {
          return (await this['invoke'](def, args)).code;
        }
      : async function (this: TaskSys, ...args: unknown[]) {
          return strip(await this['invoke'](def, args));
        };
  Object.defineProperty(stub, 'name', { value: def.name });
  Object.defineProperty(TaskSys.prototype, def.name, { value: stub, writable: true, configurable: true });
}

/** A routine call as the deadlock report names it: `netname_look_up('echo')`, `wait(pid 4)`, `kill(handle 6, 'term')`. */
function callText(def: RoutineDef, args: readonly unknown[], body: object): string {
  const shown: string[] = [];
  const fields = body as Record<string, unknown>;
  def.args.forEach(([name, type], i) => {
    const v = def.on === 'handle' && i === 0 ? args[0] : name in fields ? fields[name] : args[i];
    if (v === undefined || typeof v === 'function' || (typeof v === 'object' && v !== null)) return;
    if (def.name === 'wait' && name === 'pid' && v === -1) return void shown.push('any child');
    const text = typeof v === 'string' ? `'${v}'` : String(v);
    shown.push(type.startsWith('name') || type.startsWith('int') ? `${name} ${text}` : text);
  });
  return `${def.name}(${shown.join(', ')})`;
}

type LinkNames = { code: number; send: number; recv: number; set: number };

/** A direct send's code: a link whose other end has died reads as XMACH_PEER_ENDED. */
function peerEnded(code: number): number {
  return code === MACH_SEND_INVALID_DEST ? XMACH_PEER_ENDED : code;
}

/** A direct receive's result from msg_receive's. */
function directResult<B>(r: ReceiveResult, from: number): DirectResult<B> {
  return r.ok ? { ok: true, code: r.code, from: r.msg.sender, body: r.msg.body as B, msg: r.msg as InMessage<B> } : { ok: false, code: r.code, from, body: undefined, msg: null };
}

/** msg_send options for a direct send. */
function directSend(opts: DirectOptions): SendOptions | undefined {
  if (opts.block === false) return { policy: 'return' };
  return opts.timeout !== undefined ? { timeout: opts.timeout } : undefined;
}

/** msg_receive options for a direct receive. */
function directReceive(opts: DirectOptions): ReceiveOptions | undefined {
  if (opts.block === false) return { timeout: 0 };
  return opts.timeout !== undefined ? { timeout: opts.timeout } : undefined;
}

/** A reply without the rights it carried (for stubs that return plain fields). */
function strip(r: RawReply): { code: number; [field: string]: unknown } {
  if (r.ports === undefined) return r;
  const { ports: _ports, ...rest } = r;
  return rest as { code: number };
}
