import { KERN_SUCCESS } from '../../ports/codes.ts';
import type { KMsg, RightInTransit } from '../../ports/message.ts';
import type { Port, PortSet } from '../../ports/port.ts';
import type { IpcSpace } from '../../ports/space.ts';
import type { ExitStatus } from '../../tasks/pcb.ts';
import type { Program } from '../../tasks/program.ts';
import type { Task } from '../../tasks/task.ts';
import type { Reply } from '../ipc/reply.ts';
import type { Links } from '../ipc/links.ts';
import type { Mailbox } from '../ipc/mailbox.ts';
import type { Semaphore } from '../sync/semaphore.ts';
import type { TaskKernel } from '../task/lifecycle.ts';
import type { LowMemoryKiller } from '../task/lmk.ts';

export { dropReply, reply, type Reply } from '../ipc/reply.ts';

/*
 * The server side of MIG-style routines: what the object server needs of the
 * kernel, what a routine's handler is, and how it answers.
 */

/**
 * What the kernel object server needs of the rest of the kernel: the task
 * subsystem's interface (its routines act on tasks), and the kernel's own
 * objects that only routines touch.
 */
export interface ServerKernel extends TaskKernel {
  /** Names registered with netname_check_in: name → the kernel's send right name in kspace. */
  readonly netnames: Map<string, { name: number; owner: number }>;
  /** Look-up requests waiting for a name to be checked in. */
  readonly netnameWaiters: Map<string, KMsg[]>;
  /** Who serves the name service on this host: the kernel, or a task that claims the bootstrap port. */
  readonly nameService: 'kernel' | 'task';
  /** Installed programs, by path, for exec('path'). */
  readonly programs: Map<string, Program<unknown>>;
  newPortSet(space: IpcSpace): PortSet;
  /** Gives space a send right to port, under the given name if it is free. */
  shareSend(space: IpcSpace, port: Port, name: number): number;
  /** A send right to a task's kernel port, in transit: a handle to the task. */
  handleTo(task: Task): RightInTransit;
  /** Takes the program text a stub handed over by reference. */
  takeText(id: number): unknown;
  /** The request of a task waiting in a kernel-served call has been handled: it goes on. */
  served(task: Task): void;
  /** Direct-communication links, one per pair of processes. */
  readonly links: Links;
  /** Mailboxes alive. */
  readonly mailboxes: Set<Mailbox>;
  /** The kernel's seeded generator. */
  random(): number;
  /** Ends every thread of a process. */
  killProcess(proc: Task, status: ExitStatus, why: string): void;
  /** Android's low-memory killer (the device's memory). */
  readonly lmk: LowMemoryKiller;
  /** POSIX named semaphores, by name. */
  readonly namedSemaphores: Map<string, Semaphore>;
  giveSend(space: IpcSpace, port: Port): number;
  /** Makes the host's device port in task's space (its receive right); a code when already attached. */
  netAttach(task: Task): number | { name: number };
  /** Hands a packet from this host to dst on the wire: what happened to it (null: loopback). */
  netTransmit(dst: string, bytes: Uint8Array, meta: unknown): string | null;
  /** This host's address on the wire. */
  readonly address: string;
}

/** A handler that will answer later (netname_look_up waiting for a check-in). */
export const DEFER = Symbol('defer');

/**
 * A routine: `target` is the task whose kernel port got the request (or the
 * caller, for the bootstrap port), `caller` the task that sent it.
 */
export type Handler = (k: ServerKernel, target: Task, req: Record<string, unknown>, kmsg: KMsg, caller: Task) => Reply | typeof DEFER;

/** The handlers of a subsystem: one per routine its table declares (see defs.ts). */
export type Handlers<S> = { readonly [N in keyof S]: Handler };

/** A successful answer, with the routine's fields. */
export const ok = (extra: Record<string, unknown> = {}): Reply => ({ body: { code: KERN_SUCCESS, ...extra } });
/** An answer that is only a code. */
export const err = (code: number): Reply => ({ body: { code } });

/** True for an integer (request fields are checked, never trusted). */
export function int(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
