/**
 * ONC RPC over UDP: `RpcTransport` and `RpcServerTransport` (servers/rpc/transport.ts) over a
 * UDP socket of the host's network server, so the RPC stubs (`rpcClient`, `RpcServer`) and the
 * port mapper client run over datagrams unchanged. One RPC message is one datagram (RFC 5531
 * §10: no record marking over UDP); a lost or duplicated datagram is the stubs' business
 * (time-outs, retransmission, xids).
 *
 * The socket is used through `sockets(sys)` (socket, bind, sendto, close); the one thing the
 * stubs cannot do with it is wait for a datagram *with a time-out*, which a client must. So a
 * `UdpSocket` asks the network server for the next datagram itself: a `recvfrom` request whose
 * reply right is a send-once right to a port of its own (the inbox), then a `msg_receive` on
 * the inbox with the time-out. A time-out leaves that request standing: the next datagram
 * still comes to the inbox, and the next wait takes it. At most one request stands at a time.
 *
 * Rights: a datagram is bytes, so a call with rights beside it is refused (`cant-send`,
 * EOPNOTSUPP), and rights a server attaches to a reply are not carried.
 */
import type { Sys } from '../../syscalls/sys.ts';
import { MACH_RCV_TIMED_OUT } from '../../ports/codes.ts';
import type { Arrival, RpcPacket, RpcRequest, RpcServerTransport, RpcTransport } from '../rpc/transport.ts';
import { sockets } from '../net/client.ts';
import { EOPNOTSUPP } from '../net/errno.ts';
import { AF_INET, NET_IDS, SOCK_DGRAM } from '../net/protocol.ts';

/** A datagram as `UdpSocket.next` gives it. */
export interface Datagram {
  bytes: Uint8Array;
  /** The sender's host address and UDP port. */
  from: string;
  port: number;
}

/** What waiting for a datagram came to. */
export type UdpArrival = { kind: 'datagram'; datagram: Datagram } | { kind: 'timeout' } | { kind: 'error'; code: number };

/**
 * A UDP socket of the host's network server, with a receive that can time out. Make one with
 * `openUdpSocket`; `forThread` gives the same socket to another thread of the task (threads
 * share the name space, each makes its own system calls).
 */
export class UdpSocket {
  private armed = false;
  private constructor(
    private readonly sys: Sys,
    /** A send right to the network server's service port. */
    readonly net: number,
    /** The socket's descriptor in the network server. */
    readonly fd: number,
    /** The receive right datagrams come to (recvfrom's replies). */
    readonly inbox: number,
    /** The bound port, or 0 until the first sendto binds an ephemeral one. */
    public port: number,
  ) {}

  /**
   * Opens a UDP socket on the host's network server (waiting for `net` to be checked in),
   * bound to `port` when given. Resolves to `{ code: 0, socket }` or `{ code }`: the
   * network server's errno (EACCES below 1024 unprivileged, EADDRINUSE, EINVAL), the socket
   * closed again.
   */
  static async open(sys: Sys, port?: number): Promise<{ code: number; socket?: UdpSocket }> {
    const net = sockets(sys);
    const s = await net.socket(AF_INET, SOCK_DGRAM);
    if (s.code !== 0) return { code: s.code };
    if (port !== undefined) {
      const b = await net.bind(s.fd!, port);
      if (b.code !== 0) {
        await net.close(s.fd!);
        return { code: b.code };
      }
    }
    const server = (await sys.netname_look_up('net', { wait: true })).port!;
    const inbox = (await sys.port_allocate('receive', `udp.${port ?? 'client'}`)).name!;
    return { code: 0, socket: new UdpSocket(sys, server, s.fd!, inbox, port ?? 0) };
  }

  /** The same socket for another thread of this task (its own system calls, the same names). */
  forThread(t: Sys): UdpSocket {
    return new UdpSocket(t, this.net, this.fd, this.inbox, this.port);
  }

  /** Sends one datagram. Resolves to 0 or the network server's errno. */
  async sendto(bytes: Uint8Array, host: string, port: number): Promise<number> {
    const r = (await this.sys.call(this.net, NET_IDS.sendto, { fd: this.fd, bytes, host, port })) as { code: number; sport?: number };
    if (r.code === 0 && r.sport) this.port = r.sport;
    return r.code;
  }

  /**
   * Waits for the next datagram, at most `timeout` ms (none: for ever). Resolves to the
   * datagram, a time-out, or `{ kind: 'error', code }` (the socket or the inbox is gone).
   */
  async next(timeout?: number): Promise<UdpArrival> {
    if (!this.armed) {
      const code = await this.sys.msg_send(this.net, { id: NET_IDS.recvfrom, body: { fd: this.fd }, reply: this.inbox, replyDisposition: 'make-send-once' });
      if (code !== 0) return { kind: 'error', code };
      this.armed = true;
    }
    const r = await this.sys.msg_receive<{ code: number; bytes?: Uint8Array; from?: string; port?: number }>(this.inbox, timeout === undefined ? undefined : { timeout });
    if (!r.ok) return r.code === MACH_RCV_TIMED_OUT ? { kind: 'timeout' } : { kind: 'error', code: r.code };
    this.armed = false;
    const b = r.msg.body;
    if (r.msg.id !== NET_IDS.recvfrom + 100 || !b || b.code !== 0 || !(b.bytes instanceof Uint8Array)) return { kind: 'error', code: b?.code || EOPNOTSUPP };
    return { kind: 'datagram', datagram: { bytes: b.bytes, from: b.from ?? '', port: b.port ?? 0 } };
  }

  /** Closes the socket (its port is free again) and destroys the inbox. */
  async close(): Promise<void> {
    await this.sys.call(this.net, NET_IDS.close, { fd: this.fd });
    await this.sys.port_destroy(this.inbox);
  }
}

/** Opens a UDP socket (see `UdpSocket.open`). */
export const openUdpSocket = (sys: Sys, port?: number) => UdpSocket.open(sys, port);

/**
 * A client transport to the RPC server at `host`:`port` over UDP: each call one datagram
 * from a socket of its own (an ephemeral port, made on first use), each reply the next
 * datagram to it. Codes: `cant-send` with the network server's errno (or EOPNOTSUPP for a
 * call with rights), `cant-recv` when the socket is gone; a time-out is `{ kind: 'timeout' }`.
 *
 * @example
 * const c = rpcClient(sys, PMAP, { transport: udpTransport(sys, '161.25.19.8', 111), timeout: 20 });
 * const r = await c.getport({ prog, vers: 1, prot: IPPROTO_UDP, port: 0 });
 */
export function udpTransport(sys: Sys, host: string, port: number): RpcTransport {
  let sock: UdpSocket | null = null;
  let failed = 0;
  const socket = async (): Promise<UdpSocket | null> => {
    if (sock || failed) return sock;
    const o = await UdpSocket.open(sys);
    if (o.socket) sock = o.socket;
    else failed = o.code;
    return sock;
  };
  const receive = async (timeout: number): Promise<Arrival> => {
    const s = await socket();
    if (!s) return { kind: 'cant-recv', code: failed };
    const a = await s.next(timeout);
    if (a.kind === 'datagram') return { kind: 'packet', packet: { bytes: a.datagram.bytes, rights: [] } };
    return a.kind === 'timeout' ? a : { kind: 'cant-recv', code: a.code };
  };
  const send = async (out: RpcPacket): Promise<number> => {
    if (out.rights && out.rights.length > 0) return EOPNOTSUPP;
    const s = await socket();
    return s ? s.sendto(out.bytes, host, port) : failed;
  };
  return {
    kind: 'udp',
    async exchange(out, timeout) {
      const code = await send(out);
      return code === 0 ? receive(timeout) : { kind: 'cant-send', code };
    },
    receive,
    send,
    async close() {
      if (sock) await sock.close();
      sock = null;
      failed = EOPNOTSUPP;
    },
  };
}

/** Where a UDP call came from: the return address of an `RpcRequest` made by `udpServerTransport`. */
export interface UdpFrom {
  host: string;
  port: number;
}

/**
 * A server transport over a bound UDP socket: each datagram is a call (`sender` 0, no rights,
 * `from` the `UdpFrom` it came from), each reply a datagram back to that address. `receive`
 * resolves to null when the socket is gone (the server ends). Rights attached to a reply are
 * not carried.
 *
 * @example
 * const { socket } = await openUdpSocket(sys, 2001);
 * await new RpcServer(sys, [implement(ECHO, handlers)], { transport: udpServerTransport(socket!) }).serve();
 */
export function udpServerTransport(sock: UdpSocket): RpcServerTransport {
  const receive = async (): Promise<RpcRequest | null> => {
    const a = await sock.next();
    if (a.kind !== 'datagram') return null;
    const from: UdpFrom = { host: a.datagram.from, port: a.datagram.port };
    return { bytes: a.datagram.bytes, rights: [], sender: 0, from };
  };
  const reply = (to: RpcRequest, out: RpcPacket): Promise<number> => {
    const from = to.from as UdpFrom;
    return sock.sendto(out.bytes, from.host, from.port);
  };
  return {
    kind: 'udp',
    receive,
    reply,
    async replyAndReceive(to, out) {
      await reply(to, out);
      return receive();
    },
    async drop() {},
  };
}
