import { KERN_SUCCESS } from '../../ports/codes.ts';
import { KMsg, type RightInTransit } from '../../ports/message.ts';
import { releaseRight } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';
import type { AnyKernel } from '../kernel.ts';
import { replyId } from './defs.ts';

/**
 * The server side of MIG-style routines: what a kernel handler answers, and
 * how the answer goes back to the caller's reply right.
 */

/** What a handler answers: the reply body (always with a `code`) and rights to carry back. */
export interface Reply {
  body: { code: number; [k: string]: unknown };
  rights?: RightInTransit[];
}

/** A handler that will answer later (netname_look_up waiting for a check-in). */
export const DEFER = Symbol('defer');

/**
 * A routine: `target` is the task whose kernel port got the request (or the
 * caller, for the bootstrap port), `caller` the task that sent it.
 */
export type Handler = (k: AnyKernel, target: Task, req: Record<string, unknown>, kmsg: KMsg, caller: Task) => Reply | typeof DEFER;

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

/** Sends the reply of a served request to its reply right (if it had one). */
export function reply(k: AnyKernel, req: KMsg, result: Reply): void {
  const r = req.reply;
  req.reply = null;
  if (!r || !r.port || r.kind === 'dead' || r.kind === 'receive') {
    for (const right of result.rights ?? []) releaseRight(right, k.ipc);
    if (r) releaseRight(r, k.ipc);
    return;
  }
  const kmsg = new KMsg(r.port, replyId(req.id), result.body, 0, 0, k.clock.now());
  kmsg.destOnce = r.kind === 'send-once';
  kmsg.destRight = r;
  if (result.rights) kmsg.rights = result.rights;
  k.ipc.post(kmsg);
}

/**
 * Lets a request go without an answer, and without the send-once
 * notification an unused reply right would send (exit and exec: the caller
 * is gone, or is another program now).
 */
export function dropReply(k: AnyKernel, req: KMsg): void {
  const r = req.reply;
  req.reply = null;
  if (r) releaseRight(r, k.ipc, 'abandoned');
}
