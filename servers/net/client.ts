/**
 * The socket client library: MIG-style stubs to the host's network server, found as `net` in
 * the name service. Each call resolves to `{ code, … }`; codes are errnos (see errno.ts:
 * EBADF, EINVAL, EACCES, EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, EOPNOTSUPP, ECONNREFUSED,
 * ETIMEDOUT, ECONNRESET, ENOTCONN, EISCONN, EALREADY, EPIPE) or Mach codes (the server is gone).
 *
 * @example
 * const net = sockets(sys);
 * const { fd } = await net.socket(AF_INET, SOCK_STREAM);
 * if ((await net.connect(fd!, '161.25.19.8', 80)).code === 0) {
 *   await net.send(fd!, new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
 *   const page = await net.recv(fd!);        // { code, bytes }; empty bytes: EOF
 * }
 */
import type { Sys } from '../../syscalls/sys.ts';
import type { RightToSend } from '../../ports/message.ts';
import { NET_IDS } from './protocol.ts';

type Code = Promise<{ code: number }>;

export function sockets(sys: Sys) {
  let server: number | undefined;
  let owner: number | undefined;
  const call = async (id: number, body: object, rights?: RightToSend[]) => {
    server ??= (await sys.netname_look_up('net', { wait: true })).port;
    return sys.call(server!, id, body, rights);
  };
  return {
    /**
     * A new socket: `{ code, fd }`. AF_INET with SOCK_DGRAM (UDP) or SOCK_STREAM (TCP);
     * EAFNOSUPPORT otherwise. The socket belongs to this task: a send right to a port of the
     * task's own (`net.owner`, made on the first call) goes with the request, and when the
     * task ends the server hears it (a dead-name notification) and closes its sockets.
     */
    socket: async (domain: number, type: number) => {
      owner ??= (await sys.port_allocate('receive', 'net.owner')).name;
      return call(NET_IDS.socket, { domain, type }, owner ? [{ name: owner, disposition: 'make-send' }] : undefined) as Promise<{ code: number; fd?: number }>;
    },
    /** Binds fd to port: EACCES below 1024 unprivileged, EADDRINUSE, EINVAL when already bound or not 1–65535. */
    bind: (fd: number, port: number) => call(NET_IDS.bind, { fd, port }) as Code,
    /** Sends one datagram to host:port or a multicast group (binding an ephemeral port first if needed): `{ code, fate, sport }`. UDP only. */
    sendto: (fd: number, bytes: Uint8Array, host: string, port: number) => call(NET_IDS.sendto, { fd, bytes, host, port }) as Promise<{ code: number; fate?: string | null; sport?: number }>,
    /** Waits for the next datagram: `{ code, bytes, from, port }`. UDP only. */
    recvfrom: (fd: number) => call(NET_IDS.recvfrom, { fd }) as Promise<{ code: number; bytes?: Uint8Array; from?: string; port?: number }>,
    /** Closes fd, freeing its port (a TCP connection first sends FIN after its bytes; its port is free once it has ended). */
    close: (fd: number) => call(NET_IDS.close, { fd }) as Code,
    /** TCP: listens on fd (bound, or an ephemeral port) with room for `backlog` connections not yet accepted (see tcp.ts). EINVAL, EOPNOTSUPP. */
    listen: (fd: number, backlog: number) => call(NET_IDS.listen, { fd, backlog }) as Code,
    /** TCP: waits for a connection: `{ code, fd, from, port }` (the new socket, the peer's address and port). EINVAL when fd does not listen. */
    accept: (fd: number) => call(NET_IDS.accept, { fd }) as Promise<{ code: number; fd?: number; from?: string; port?: number }>,
    /** TCP: opens a connection to host:port (three-way handshake): `{ code }`: 0, ECONNREFUSED, ETIMEDOUT, EISCONN, EALREADY, EINVAL. */
    connect: (fd: number, host: string, port: number) => call(NET_IDS.connect, { fd, host, port }) as Code,
    /** TCP: writes bytes (waits while the send buffer is full): `{ code, n }`; ENOTCONN, EPIPE (after shutdown), ECONNRESET, ETIMEDOUT. */
    send: (fd: number, bytes: Uint8Array) => call(NET_IDS.send, { fd, bytes }) as Promise<{ code: number; n?: number }>,
    /** TCP: waits for bytes, at most max (default 65536): `{ code, bytes }`, empty bytes at EOF; ENOTCONN, ECONNRESET, ETIMEDOUT. */
    recv: (fd: number, max?: number) => call(NET_IDS.recv, { fd, max }) as Promise<{ code: number; bytes?: Uint8Array }>,
    /** TCP: SHUT_RD (0), SHUT_WR (1: FIN after the bytes written), SHUT_RDWR (2). ENOTCONN, EINVAL. */
    shutdown: (fd: number, how: number) => call(NET_IDS.shutdown, { fd, how }) as Code,
    /** UDP: joins a multicast group (224.0.0.0/4): datagrams to group:port reach fd when bound to port. EINVAL (not a group), EOPNOTSUPP (TCP). */
    joinGroup: (fd: number, group: string) => call(NET_IDS.joinGroup, { fd, group }) as Code,
    /** UDP: leaves a group. EADDRNOTAVAIL when fd is not a member. */
    leaveGroup: (fd: number, group: string) => call(NET_IDS.leaveGroup, { fd, group }) as Code,
    /**
     * The socket as a port: `{ code, port }`, a send right to the socket's own port, which answers
     * the IO protocol (servers/pipe/defs.ts `IO`: io_read, io_write, io_stat) as a pipe end does.
     * The socket stays open while its number is open or a send right to the port exists (see
     * server.ts). EBADF. `adoptSocket` (socket-fd.ts) makes it a POSIX descriptor.
     */
    ioPort: async (fd: number) => {
      const r = await call(NET_IDS.ioPort, { fd });
      return { code: r.code, port: r.ports?.[0]?.name };
    },
  };
}
