import type { OutMessage } from '../ports/message.ts';
import type { Task } from '../tasks/task.ts';
import type { ReceiveOptions, ReceiveResult, SendOptions } from './ipc/ipc.ts';

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
  /** A CPU burst of ms virtual ms. Throws on a bad duration. */
  compute(task: Task, ms: number): Promise<void>;
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
