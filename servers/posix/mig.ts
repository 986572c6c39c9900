/**
 * MIG for user-level servers: interfaces declared as tables (`subsystem`, the
 * shape of `kernel/server/defs.ts`, which a server may not import), a server
 * loop that dispatches requests by id over a port set, and the client's call
 * with a reply port of its own choosing (so a deadlock report names the call:
 * the reply port's label is `read(fd 3)`).
 *
 * A request id is the subsystem's base plus the routine's number; the reply id is
 * the request id + 100; an id the server does not know is answered MIG_BAD_ID.
 *
 * @example
 * const FOO = subsystem(27000, { foo_ping: { n: 0, args: [['text', 'string']] } });
 * // server: serveSet(sys, set, (req) => req.id === FOO.foo_ping.id ? { body: { code: 0 } } : undefined);
 * // client: await sys.call(port, FOO.foo_ping.id, { text: 'hi' });
 */
import { KERN_SUCCESS, MACH_SEND_INVALID_DEST, MIG_BAD_ID, MIG_REPLY_MISMATCH, MIG_SERVER_DIED } from '../../ports/codes.ts';
import type { InMessage, RightToSend } from '../../ports/message.ts';
import { MACH_NOTIFY_SEND_ONCE } from '../../ports/notify.ts';
import type { CallResult, Sys } from '../../syscalls/sys.ts';

/** A parameter: its name and type (`name` is a port name, carried as a right beside the body). */
export type ArgDef = readonly [name: string, type: string];

/** One routine of a server's interface. */
export interface RoutineDef {
  readonly id: number;
  readonly name: string;
  readonly args: readonly ArgDef[];
}

type Routines = Record<string, { readonly n: number; readonly args: readonly ArgDef[] }>;

/** A subsystem's table: each routine with its id and name filled in. */
export type Subsystem<R extends Routines> = { readonly [N in keyof R & string]: RoutineDef & { readonly name: N } };

/**
 * Declares a subsystem: routine `n` gets id `base + n` (reply: id + 100).
 * Returns the table, by routine name.
 *
 * @example
 * const IO = subsystem(21000, { io_write: { n: 0, args: [['data', 'bytes']] } });
 * IO.io_write.id; // 21000
 */
export function subsystem<const R extends Routines>(base: number, routines: R): Subsystem<R> {
  const out: Record<string, RoutineDef> = {};
  for (const [name, { n, args }] of Object.entries(routines)) out[name] = { id: base + n, name, args };
  return out as Subsystem<R>;
}

/** A request as a handler sees it: the message, and its body as fields. */
export type Request = InMessage<Record<string, unknown>>;

/** A handler's answer: the reply body (with its `code`) and rights to carry. */
export interface Answer {
  body: { code: number; [field: string]: unknown };
  rights?: RightToSend[];
  /** Run once the reply has gone (e.g. ask for a no-senders notification on a port whose send right the reply made). */
  after?: () => Promise<void>;
}

/** A handler that keeps the reply right and answers later (a blocked read) returns DEFER. */
export const DEFER = Symbol('defer');

/** A handler: an answer, DEFER, or undefined for an id it does not serve (MIG_BAD_ID). */
export type Handler = (req: Request) => Answer | typeof DEFER | undefined | Promise<Answer | typeof DEFER | undefined>;

/**
 * Serves requests arriving on `set` (a port set, or a port) forever: each request
 * goes to `handle`; its answer is sent to the request's reply right as id + 100
 * (in the same trap as the next receive); a request without a reply right gets no
 * answer. Returns when the set can no longer be received on (the code).
 *
 * @example
 * await serveSet(sys, set, (req) => ({ body: { code: 0, echo: req.body.text } }));
 */
export async function serveSet(sys: Sys, set: number, handle: Handler): Promise<number> {
  let r = await sys.msg_receive<Record<string, unknown>>(set);
  for (;;) {
    if (!r.ok) {
      // A failed reply (the client died) ends msg_send_receive before its receive: receive again.
      if (isSendError(r.code)) {
        r = await sys.msg_receive<Record<string, unknown>>(set);
        continue;
      }
      return r.code;
    }
    const req = r.msg;
    const out = await handle(req);
    if (out === DEFER || req.reply === 0 || req.notification) {
      r = await sys.msg_receive<Record<string, unknown>>(set);
      continue;
    }
    const answer: Answer = out ?? { body: { code: MIG_BAD_ID } };
    const msg = answer.rights ? { id: req.id + 100, body: answer.body, rights: answer.rights } : { id: req.id + 100, body: answer.body };
    if (answer.after) {
      await sys.msg_send(req.reply, msg);
      await answer.after();
      r = await sys.msg_receive<Record<string, unknown>>(set);
    } else r = await sys.msg_send_receive<Record<string, unknown>>(req.reply, msg, set);
  }
}

/** A msg_send code (MACH_SEND_*): the reply could not go; the receive half never ran. */
function isSendError(code: number): boolean {
  return code === MACH_SEND_INVALID_DEST || (code > 0x10000000 && code < 0x10004000);
}

/**
 * Sends a deferred answer to a reply right kept by a handler (id is the request's
 * id; the reply goes as id + 100). Returns msg_send's code (a client that died
 * meanwhile: MACH_SEND_INVALID_DEST, harmless).
 */
export function answerLater(sys: Sys, reply: number, requestId: number, answer: Answer): Promise<number> {
  const msg = answer.rights ? { id: requestId + 100, body: answer.body, rights: answer.rights } : { id: requestId + 100, body: answer.body };
  return sys.msg_send(reply, msg);
}

/**
 * A MIG-style call whose reply comes to `replyPort` (a receive right of the
 * caller's, labelled with what the call is, so a deadlock report names it).
 * Returns the reply's fields with `code` (and `ports`: the rights it carried).
 * Codes besides the server's: MIG_SERVER_DIED, MIG_REPLY_MISMATCH, msg_send's codes.
 *
 * @example
 * const r = await callOn(sys, endPort, IO.io_read.id, { n: 4096 }, readPort);
 */
export async function callOn(sys: Sys, dest: number, id: number, body: object, replyPort: number, rights?: RightToSend[]): Promise<CallResult> {
  const msg = rights ? { id, body, reply: replyPort, rights } : { id, body, reply: replyPort };
  const r = await sys.msg_send_receive(dest, msg, replyPort);
  if (!r.ok) return { code: r.code };
  if (r.msg.id !== id + 100) return { code: r.msg.id === MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH };
  const fields = { ...(r.msg.body as CallResult) };
  if (r.msg.rights.length > 0) fields.ports = r.msg.rights;
  return fields;
}

/** The answer `{ code }` with fields. */
export function ok(fields: Record<string, unknown> = {}, rights?: RightToSend[], after?: () => Promise<void>): Answer {
  const answer: Answer = { body: { code: KERN_SUCCESS, ...fields } };
  if (rights) answer.rights = rights;
  if (after) answer.after = after;
  return answer;
}

/** The answer of a failure. */
export function fail(code: number): Answer {
  return { body: { code } };
}
