import type { Port } from './port.ts';

/**
 * How a right named in a message is taken from the sender (Mach's
 * `MACH_MSG_TYPE_*` dispositions):
 * - `copy-send`: the sender keeps its send right; the receiver gets another.
 * - `move-send`: one user reference of the sender's send right moves.
 * - `make-send`: a new send right made from the sender's receive right (mscount + 1).
 * - `make-send-once`: a new send-once right made from the sender's receive right.
 * - `move-send-once`: the sender's send-once right moves.
 * - `move-receive`: the receive right itself moves; the port goes with it.
 */
export type Disposition = 'copy-send' | 'move-send' | 'make-send' | 'make-send-once' | 'move-send-once' | 'move-receive';

export const DISPOSITIONS: readonly Disposition[] = [
  'copy-send', 'move-send', 'make-send', 'make-send-once', 'move-send-once', 'move-receive',
];

/** A right in a message as the receiver gets it: a name in its own space and the kind of right. */
export interface ReceivedRight {
  /** A name in the receiver's space; MACH_PORT_DEAD if the right died on the way. */
  name: number;
  right: 'send' | 'send-once' | 'receive' | 'dead';
}

/** A right to carry in a message: a name in the sender's space and how to take it. */
export interface RightToSend {
  name: number;
  disposition: Disposition;
}

/** A message as a program sends it. Only `body` is data; rights travel beside it. */
export interface OutMessage<B = unknown> {
  /** `msgh_id`: what the message means (for servers, which routine). Default 0. */
  id?: number;
  /** The data. Copied with structured clone at send: the receiver never shares memory with the sender. */
  body?: B;
  /** A reply right for the receiver (`msgh_local_port`). */
  reply?: number;
  /** How the reply right is taken. Default `make-send-once` (as MIG does). */
  replyDisposition?: Disposition;
  /** How the destination right is used. Default `copy-send` (or `move-send-once` for a send-once name). */
  destDisposition?: 'copy-send' | 'move-send' | 'move-send-once' | 'make-send' | 'make-send-once';
  /** Rights carried in the message (Mach's port descriptors). */
  rights?: RightToSend[];
}

/** A message as a program receives it. */
export interface InMessage<B = unknown> {
  id: number;
  body: B;
  /** Sequence number the port stamped when the message was dequeued. */
  seqno: number;
  /** The name, in the receiver's space, of the port the message came from (useful with port sets). */
  port: number;
  /** The reply right the sender attached, as a name in the receiver's space (0 if none). */
  reply: number;
  /** Kind of the reply right ('send-once' from MIG-style clients). */
  replyRight: 'send' | 'send-once' | 'dead' | null;
  /** Rights carried in the message, now in the receiver's space. */
  rights: ReceivedRight[];
  /** Size of the body in bytes, as counted when it was copied. */
  size: number;
  /** pid of the sending task (Mach's audit trailer); 0 for the kernel. */
  sender: number;
  /**
   * For a kernel notification, which one ('dead-name', 'no-senders', 'send-once',
   * 'msg-accepted', 'port-deleted', 'port-destroyed', or 'signal'); null for other messages.
   */
  notification: string | null;
}

/** A right while it travels in a message. */
export interface RightInTransit {
  kind: 'send' | 'send-once' | 'receive' | 'dead';
  port: Port | null;
}

/** The id of the reply to a request with this id (MIG's convention: request + 100). */
export function replyId(requestId: number): number {
  return requestId + 100;
}

/** The rights list of a message that carries none (shared, never written). */
export const NO_RIGHTS: RightInTransit[] = [];

/**
 * A message inside the kernel (GNU Mach `ipc_kmsg`): the copied body and the
 * rights it carries, taken out of the sender's space at copy-in. Every
 * in-kernel message is made by this one constructor (a task's send, a
 * server's reply, a kernel notification); the rest is filled in by whoever
 * builds it.
 *
 * @example
 * const kmsg = new KMsg(port, 7, copy.value, copy.size, task.pid, clock.now());
 * kmsg.reply = takeRight(space, replyName, 'make-send-once', hooks);
 */
export class KMsg {
  /** True when sent to a send-once right: such sends ignore the queue limit. */
  destOnce = false;
  /** The destination right, when the send moved it (move-send, move-send-once); consumed at receive. */
  destRight: RightInTransit | null = null;
  reply: RightInTransit | null = null;
  rights: RightInTransit[] = NO_RIGHTS;
  /** Stamped by the port when the message is dequeued. */
  seqno = 0;
  /** Trace sequence number of the send, so the receive can point back to it. */
  traceId = -1;
  /** Set when the message was forced past the queue limit (SEND_NOTIFY): whom to tell when it leaves the queue. */
  marequest: MsgAcceptedRequest | null = null;
  /** A kernel notification (EMERGENCY in Mach 2.5 terms). */
  notification = false;

  constructor(
    /** The port it goes to. */
    public dest: Port,
    /** `msgh_id`. */
    public id: number,
    /** The copied body. */
    public body: unknown,
    /** Body bytes, as counted when copied. */
    public size: number,
    /** pid of the sender (0: the kernel). */
    public sender: number,
    /** Virtual time of the send. */
    public sentAt: number,
  ) {}
}

/** A pending msg-accepted notification for a message cached past the queue limit. */
export interface MsgAcceptedRequest {
  /** Task pid and the entry of the send right the message was forced through. */
  pid: number;
  name: number;
  /** Clears the entry's request bit and sends the notification. */
  fire(): void;
}

/** Result of copying a body: the copy and its size, or an error. */
export type BodyCopy = { ok: true; value: unknown; size: number } | { ok: false; error: string };

const MAX_FAST_DEPTH = 32;

/**
 * Copies a message body with structured-clone semantics and counts its bytes.
 * Primitives need no copy; plain objects, arrays and `Uint8Array`s (the bytes
 * of the view, not its whole buffer) take a fast path; anything else (Map,
 * Date, other typed arrays, cycles) goes through `structuredClone`.
 * Functions and symbols cannot be copied: returns `{ ok: false }`.
 */
export function copyBody(body: unknown): BodyCopy {
  switch (typeof body) {
    case 'undefined':
      return { ok: true, value: undefined, size: 0 };
    case 'number':
    case 'boolean':
      return { ok: true, value: body, size: 8 };
    case 'string':
      return { ok: true, value: body, size: body.length * 2 };
    case 'bigint':
      return { ok: true, value: body, size: 16 };
    case 'function':
      return { ok: false, error: 'a function cannot be copied into a message' };
    case 'symbol':
      return { ok: false, error: 'a symbol cannot be copied into a message' };
  }
  if (body === null) return { ok: true, value: null, size: 0 };
  // Bytes (the most common large body: pipes, RPC, sections) are copied directly.
  if (body instanceof Uint8Array) return { ok: true, value: body.slice(), size: body.byteLength };
  const counter = { size: 0 };
  const fast = fastCopy(body, counter, 0);
  if (fast !== SLOW) return fast === BAD ? { ok: false, error: badReason(body) } : { ok: true, value: fast, size: counter.size };
  try {
    const value = structuredClone(body);
    return { ok: true, value, size: estimateSize(value, new Set()) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const SLOW = Symbol('slow');
const BAD = Symbol('bad');

function fastCopy(v: unknown, counter: { size: number }, depth: number): unknown {
  switch (typeof v) {
    case 'undefined':
      return v;
    case 'number':
    case 'boolean':
      counter.size += 8;
      return v;
    case 'string':
      counter.size += v.length * 2;
      return v;
    case 'bigint':
      counter.size += 16;
      return v;
    case 'function':
    case 'symbol':
      return BAD;
  }
  if (v === null) return v;
  if (depth > MAX_FAST_DEPTH) return SLOW;
  if (v instanceof Uint8Array) {
    counter.size += v.byteLength;
    return v.slice();
  }
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return SLOW;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = fastCopy(v[i], counter, depth + 1);
      if (c === SLOW || c === BAD) return c;
      out[i] = c;
    }
    counter.size += 8;
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return SLOW;
  const out: Record<string, unknown> = {};
  for (const key in v as object) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
    // An own "__proto__" key would set the copy's prototype: leave such bodies to structuredClone.
    if (key === '__proto__') return SLOW;
    const c = fastCopy((v as Record<string, unknown>)[key], counter, depth + 1);
    if (c === SLOW || c === BAD) return c;
    out[key] = c;
    counter.size += key.length * 2;
  }
  counter.size += 8;
  return out;
}

function badReason(v: unknown): string {
  try {
    structuredClone(v);
  } catch (err) {
    return (err as Error).message;
  }
  return 'the body cannot be copied';
}

function estimateSize(v: unknown, seen: Set<object>): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'number':
    case 'boolean':
      return 8;
    case 'string':
      return v.length * 2;
    case 'bigint':
      return 16;
    case 'object':
      break;
    default:
      return 0;
  }
  const o = v as object;
  if (seen.has(o)) return 0;
  seen.add(o);
  if (ArrayBuffer.isView(o)) return o.byteLength;
  if (o instanceof ArrayBuffer) return o.byteLength;
  if (o instanceof Date) return 8;
  let size = 8;
  if (o instanceof Map) for (const [k, val] of o) size += estimateSize(k, seen) + estimateSize(val, seen);
  else if (o instanceof Set) for (const val of o) size += estimateSize(val, seen);
  else for (const [k, val] of Object.entries(o)) size += k.length * 2 + estimateSize(val, seen);
  return size;
}
