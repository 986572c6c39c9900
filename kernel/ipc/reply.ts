import { KMsg, replyId, type RightInTransit } from '../../ports/message.ts';
import { releaseRight } from '../../ports/rights.ts';
import type { Clock } from '../time/clock.ts';
import type { Ipc } from './ipc.ts';

/**
 * The answer to a served request (MIG's reply): its body (always with a
 * `code`) and the rights it carries back.
 */
export interface Reply {
  body: { code: number; [k: string]: unknown };
  rights?: RightInTransit[];
}

/** Sends the reply of a served request to its reply right (if it had one). */
/**
 * Routine: reply
 * Purpose: sends the answer to a request (id = request id + 100) to the
 * request's reply right. A request with no usable reply right gets none; the
 * rights the answer would have carried are destroyed.
 */
export function reply(k: { readonly clock: Clock; readonly ipc: Ipc }, req: KMsg, result: Reply): void {
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
export function dropReply(k: { readonly ipc: Ipc }, req: KMsg): void {
  const r = req.reply;
  req.reply = null;
  if (r) releaseRight(r, k.ipc, 'abandoned');
}
