import type { MACH_MSG_SUCCESS } from '../ports/codes.ts';
import type { InMessage, OutMessage } from '../ports/message.ts';
import type { Task } from '../tasks/task.ts';

/** What to do when the destination queue is full (the course notes' four options). */
export type FullPolicy = 'wait' | 'timeout' | 'return' | 'cache';

/** Options of msg_send. */
export interface SendOptions {
  /**
   * - `wait` (default): block until there is room.
   * - `timeout`: block at most `timeout` ms, then MACH_SEND_TIMED_OUT (Mach's SEND_TIMEOUT).
   * - `return`: MACH_SEND_TIMED_OUT at once (SEND_TIMEOUT with 0).
   * - `cache`: queue the message past the limit, return MACH_SEND_WILL_NOTIFY and send a
   *   msg-accepted notification to the task's notify port when it leaves the queue (SEND_NOTIFY).
   *   With `timeout`, the message is cached only after waiting that long.
   */
  policy?: FullPolicy;
  /** ms; giving it alone means policy `timeout`. Must be a number ≥ 0; 2^53 or more means forever. */
  timeout?: number;
}

/** Options of msg_receive. */
export interface ReceiveOptions {
  /** ms to wait for a message; 0 polls; absent (or 2^53 or more) waits forever. Must be a number ≥ 0. */
  timeout?: number;
}

/** Result of msg_receive and msg_rpc: the code, and the message when it succeeded. */
export type ReceiveResult<B = unknown> =
  | { ok: true; code: typeof MACH_MSG_SUCCESS; msg: InMessage<B> }
  | { ok: false; code: number; msg: null };


/** Options of msg_rpc: the send part's policy and timeout, and the receive part's timeout. */
export interface RpcOptions extends SendOptions {
  /** ms to wait for the reply; absent waits forever. */
  rcvTimeout?: number;
}

/**
 * The trap entry: all the syscalls layer may call in the kernel. A program's
 * system calls are these three traps (every other call is a message through
 * them), its compute bursts, and the reading of the clock and the seeded
 * generator. Each trap resolves when the task is next dispatched with the
 * result; a trap called while the task is not running throws.
 */
export interface Traps {
  /** msg_send (see Ipc.send for the codes). */
  msgSend(task: Task, dest: number, msg: OutMessage, opts?: SendOptions): Promise<number>;
  /** msg_receive (see Ipc.receive for the codes). */
  msgReceive(task: Task, name: number, opts?: ReceiveOptions): Promise<ReceiveResult>;
  /** msg_rpc: send, then receive the reply, in one trap. */
  msgRpc(task: Task, dest: number, msg: OutMessage, opts?: RpcOptions): Promise<ReceiveResult>;
  /** msg_send_receive: send, then receive on rcv, in one trap. */
  msgSendReceive(task: Task, dest: number, msg: OutMessage, rcv: number, opts?: RpcOptions): Promise<ReceiveResult>;
  /** A CPU burst of ms virtual ms. Throws on a bad duration. */
  compute(task: Task, ms: number): Promise<void>;
  /** The view a task has of a region it maps (by reference), or null. */
  view(task: Task, name: number): Uint8Array | null;
  /** Hands a program text to the kernel by reference for a request that follows; returns its id. */
  text(program: unknown): number;
  /** Virtual time (ms). */
  now(): number;
  /** A number in [0, 1) from the seeded generator. */
  random(): number;
  /** A 'log' record for task: the parts joined by spaces (strings as they are, the rest as JSON). */
  log(task: Task, parts: readonly unknown[]): void;
}

/** What the syscalls layer builds for each task. Injected by `boot`, so the kernel never imports that layer. */
export interface SysLayer {
  /** Builds a task's `sys` over the trap entry. */
  makeSys(traps: Traps, task: Task): unknown;
  /** Builds a task's system calls as XState actors (asked only for machine programs). */
  makeActors(sys: unknown): Record<string, unknown>;
  /** Told which sys a machine program's actor (and its actor system) belongs to. */
  bindProgram?(actor: unknown, sys: unknown): void;
}

/**
 * The course's three answers to "P1 sends to mailbox A; P2 and P3 both
 * receive from A: who gets the message?"
 * - `pair`: a mailbox may be associated with at most two processes; a third that tries gets XMACH_MAILBOX_PAIRED.
 * - `one-at-a-time`: any number may receive, one at a time, in turn (first come, first served);
 *   one that asked not to wait gets XMACH_MAILBOX_BUSY while another is receiving.
 * - `system-picks`: the kernel picks among the waiting receivers (round robin or, by the seeded
 *   generator, at random) and tells the sender who got it (a `delivered` notification).
 */
export type MailboxSharing = 'pair' | 'one-at-a-time' | 'system-picks';
