/**
 * The one seam between the RPC stubs and whatever carries their bytes. The
 * stubs see only `RpcTransport` (a client's) and `RpcServerTransport` (a
 * server's); today both are Mach ports (`machTransport`,
 * `machServerTransport`), and the network issue's UDP and TCP transports
 * will implement the same two interfaces (a UDP datagram is one packet; TCP
 * adds RFC 5531 §11 record marking).
 *
 * Over Mach ports a packet is one message: id `RPC_MSG_ID` (a call; replies
 * are id + 100, MIG's convention), the RPC bytes as the body (a Uint8Array,
 * copied by the kernel like any body), and port rights beside it when a
 * procedure carries some (the matchmaker's). A client's return address is a
 * port of its own, given as a send right (`make-send`) with each call: a
 * stable address, like a UDP source port, so a retransmitted or duplicated
 * call can be answered more than once.
 */
import { MACH_RCV_TIMED_OUT, MACH_SEND_INVALID_DEST } from '../../ports/codes.ts';
import type { InMessage, OutMessage, ReceivedRight, RightToSend } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';

/** msgh_id of an RPC message carried over Mach ports (RFC 5531's number); replies are this + 100. */
export const RPC_MSG_ID = 5531;

/** Bytes going out, with rights beside them (a transport that cannot carry rights refuses them). */
export interface RpcPacket {
  bytes: Uint8Array;
  rights?: RightToSend[];
}

/** Bytes that came in, with the rights that came beside them (names in the receiver's space). */
export interface RpcIncoming {
  bytes: Uint8Array;
  rights: ReceivedRight[];
}

/** What a client's wait for a message came to: a packet, a time-out, or a failure with the transport's code. */
export type Arrival = { kind: 'packet'; packet: RpcIncoming } | { kind: 'timeout' } | { kind: 'cant-send' | 'cant-recv'; code: number };

/** The client side of a transport: calls go out to one server, replies come back. */
export interface RpcTransport {
  /** 'mach' (later 'udp', 'tcp'). */
  readonly kind: string;
  /** Sends a call, then waits up to `timeout` ms for the next packet back (any transaction's). */
  exchange(out: RpcPacket, timeout: number): Promise<Arrival>;
  /** Waits up to `timeout` ms for the next packet back. */
  receive(timeout: number): Promise<Arrival>;
  /** Sends a packet that expects no reply (a batched call, such as exactly-once's acknowledgement). Resolves to the transport's code (0: sent). */
  send(out: RpcPacket): Promise<number>;
  /** Releases the return address. */
  close(): Promise<void>;
}

/** A call as a server receives it: the bytes, the rights, who sent it, and where to answer. */
export interface RpcRequest extends RpcIncoming {
  /** The sending task's pid (Mach's audit trailer; over a network, 0). */
  sender: number;
  /** The transport's return address (opaque to the stubs). */
  readonly from: unknown;
}

/** The server side of a transport. */
export interface RpcServerTransport {
  readonly kind: string;
  /** Waits for the next call. Null when the endpoint is gone (the server ends). */
  receive(): Promise<RpcRequest | null>;
  /** Answers `to`, then waits for the next call, in one step where the transport can. */
  replyAndReceive(to: RpcRequest, out: RpcPacket): Promise<RpcRequest | null>;
  /** Answers `to`. Resolves to the transport's code (0: sent). */
  reply(to: RpcRequest, out: RpcPacket): Promise<number>;
  /** Forgets `to`'s return address without answering (a batched call, bytes that are not RPC). */
  drop(to: RpcRequest): Promise<void>;
}

/** What msg_receive resolves to. */
type ReceiveResult = Awaited<ReturnType<Sys['msg_receive']>>;

const isRcvCode = (code: number): boolean => (code & 0x4000) !== 0;
/** Replies never wait for room in a client's queue. */
const RETURN = Object.freeze({ policy: 'return' as const });

/**
 * A client transport over Mach ports to the server port `server` (a send
 * right in the caller's space). Its return address is a port made on first
 * use (label `rpc.reply`), or `opts.replyPort` (a receive right the caller
 * owns, never closed here). Send and receive codes are Mach's; a dead server
 * gives `cant-send` with MACH_SEND_INVALID_DEST.
 *
 * @example
 * const t = machTransport(sys, (await sys.netname_look_up('bank')).port!);
 * const a = await t.exchange({ bytes }, 10); // { kind: 'packet', packet: { bytes, rights } } or { kind: 'timeout' }
 */
export function machTransport(sys: Sys, server: number, opts: { replyPort?: number } = {}): RpcTransport {
  let port = opts.replyPort ?? 0;
  const own = port === 0;
  const replyPort = async (): Promise<number> => {
    if (port === 0) {
      port = (await sys.port_allocate('receive', 'rpc.reply')).name ?? 0;
      // Room for the duplicates an unreliable network may deliver: a server never waits on a client's full queue.
      if (port !== 0) await sys.port_set_qlimit(port, 64);
    }
    return port;
  };
  const arrival = (r: Awaited<ReturnType<Sys['msg_receive']>>): Arrival => {
    if (r.ok) {
      const body = r.msg.body;
      // Not an RPC packet (a stray message, a notification): handed up as empty bytes, which no xid matches.
      return { kind: 'packet', packet: { bytes: body instanceof Uint8Array ? body : new Uint8Array(0), rights: r.msg.rights } };
    }
    if (r.code === MACH_RCV_TIMED_OUT) return { kind: 'timeout' };
    return { kind: isRcvCode(r.code) ? 'cant-recv' : 'cant-send', code: r.code };
  };
  return {
    kind: 'mach',
    async exchange(out, timeout) {
      const rcv = port !== 0 ? port : await replyPort();
      if (rcv === 0) return { kind: 'cant-recv', code: MACH_SEND_INVALID_DEST };
      const msg: OutMessage = { id: RPC_MSG_ID, body: out.bytes, reply: rcv, replyDisposition: 'make-send' };
      if (out.rights) msg.rights = out.rights;
      return arrival(await sys.msg_send_receive(server, msg, rcv, { rcvTimeout: timeout }));
    },
    async receive(timeout) {
      return arrival(await sys.msg_receive(await replyPort(), { timeout }));
    },
    send(out) {
      return sys.msg_send(server, { id: RPC_MSG_ID, body: out.bytes, ...(out.rights ? { rights: out.rights } : {}) });
    },
    async close() {
      if (own && port !== 0) await sys.port_destroy(port);
      port = 0;
    },
  };
}

/**
 * A server transport over Mach ports: calls arrive on `port` (a receive
 * right, or a port set the server receives on). A message that is not an
 * RPC call (another id, a kernel notification) goes to `other`, if given,
 * and is otherwise dropped; either way the server keeps receiving. A reply
 * moves the request's send right (so rights do not pile up in the server's
 * space) and never waits: a client whose queue is full loses the reply, as
 * a datagram would be lost. A request without a reply right is answered by
 * no one.
 *
 * @example
 * const t = machServerTransport(sys, service);
 * let req = await t.receive();
 * while (req) req = await t.replyAndReceive(req, { bytes: answer(req.bytes) });
 */
export function machServerTransport(sys: Sys, port: number, other?: (msg: InMessage) => Promise<void> | void): RpcServerTransport {
  /** The request in a received message; undefined for something else (handled here), null when the port is gone. */
  const toRequest = (r: ReceiveResult): RpcRequest | null | undefined => {
    if (!r.ok) return r.code === MACH_RCV_TIMED_OUT ? undefined : null;
    const m = r.msg;
    if (m.id !== RPC_MSG_ID || m.notification !== null || !(m.body instanceof Uint8Array)) return undefined;
    // `from` is the message itself: its reply right is the return address.
    return { bytes: m.body, rights: m.rights, sender: m.sender, from: m };
  };
  const skip = async (r: ReceiveResult): Promise<void> => {
    if (!r.ok) return;
    if (other) await other(r.msg);
    else if (r.msg.reply !== 0 && r.msg.replyRight !== 'dead') await sys.port_deallocate(r.msg.reply);
  };
  const next = async (first: ReceiveResult | null): Promise<RpcRequest | null> => {
    let r = first ?? (await sys.msg_receive(port));
    for (;;) {
      const req = toRequest(r);
      if (req !== undefined) return req;
      await skip(r);
      r = await sys.msg_receive(port);
    }
  };
  const message = (from: InMessage, out: RpcPacket): OutMessage => {
    const msg: OutMessage = { id: RPC_MSG_ID + 100, body: out.bytes };
    if (from.replyRight === 'send') msg.destDisposition = 'move-send';
    if (out.rights) msg.rights = out.rights;
    return msg;
  };
  return {
    kind: 'mach',
    receive: () => next(null),
    async replyAndReceive(to, out) {
      const from = to.from as InMessage;
      if (from.reply === 0) return next(null);
      const r = await sys.msg_send_receive(from.reply, message(from, out), port, RETURN);
      // A failed send (the client is gone, or its queue is full) ends the trap before its receive.
      if (!r.ok && !isRcvCode(r.code)) {
        await sys.port_deallocate(from.reply);
        return next(null);
      }
      return next(r);
    },
    async reply(to, out) {
      const from = to.from as InMessage;
      if (from.reply === 0) return MACH_SEND_INVALID_DEST;
      const code = await sys.msg_send(from.reply, message(from, out), RETURN);
      if (code !== 0) await sys.port_deallocate(from.reply);
      return code;
    },
    async drop(to) {
      const from = to.from as InMessage;
      if (from.reply !== 0 && from.replyRight !== 'dead') await sys.port_deallocate(from.reply);
    },
  };
}
