/**
 * Sockets as POSIX descriptors, the Hurd's pfinet way: a socket is a port. The network server
 * answers `ioPort(fd)` with a send right to the socket's own port, which speaks the pipe
 * server's IO protocol (servers/pipe/defs.ts); `adoptSocket` installs that right in a
 * process's descriptor table (servers/posix) as a descriptor of kind 'socket', so `read`,
 * `write`, `readAll`, `close`, `dup`, `dup2`, `fork` and `exec` work on it unchanged.
 *
 * What the descriptor does (decisions):
 * - TCP: read is recv (at most n bytes, as soon as there are some; 0 bytes with `eof` after
 *   the peer's FIN; ECONNRESET, ETIMEDOUT); write is send (`{ code, n }`; EPIPE, ENOTCONN, …).
 * - UDP: read waits for the next datagram and answers its bytes (a datagram longer than n is
 *   cut, the rest discarded, as recv(2) does; the sender is not told: use `recvfrom` for it);
 *   write is EDESTADDRREQ (datagrams need sendto's address; this server has no UDP connect).
 * - O_NONBLOCK (fcntl F_SETFL): a read that would wait answers EAGAIN; a write still waits
 *   while the send buffer is full, as send does.
 * - Lifetime: the socket stays open while its number is open or any send right to its port
 *   exists (descriptors, dups, a forked child's copies). `adoptSocket` closes the number by
 *   default, so the socket closes (TCP: FIN after its bytes) when the last descriptor goes,
 *   wherever it was, as a pipe end does. A socket whose number is kept (`keepNumber`) closes
 *   when both are gone. The owner task's death closes the number only: descriptors held
 *   elsewhere (a forked child) keep the socket.
 *
 * @example
 * const net = sockets(sys);
 * const io = await posix(sys);
 * const { fd: s } = await net.socket(AF_INET, SOCK_STREAM);
 * await net.connect(s!, '161.25.19.8', 80);
 * const { fd } = await adoptSocket(io, net, s!);   // the socket is now descriptor `fd`
 * await io.write(fd, 'GET / HTTP/1.0\r\n\r\n');
 * const page = await io.readAll(fd);              // until the server's FIN
 * await io.close(fd);                             // the last descriptor: FIN
 */
import type { Posix } from '../posix/posix.ts';
import { EMFILE } from '../posix/errno.ts';
import { IO } from '../pipe/defs.ts';
import type { sockets } from './client.ts';

const IO_STAT = IO.io_stat.id;

/**
 * Makes the socket `fd` (a number of the network server's, from `net.socket` or `net.accept`) a
 * descriptor of `io`'s table, at the lowest free descriptor. Unless `keepNumber`, the socket's
 * number is closed once the descriptor holds it (number requests on it then get EBADF).
 * Returns `{ code, fd }` (fd -1 on failure). Codes: 0, EBADF (no such socket), EMFILE, or
 * the server's Mach code.
 */
export async function adoptSocket(io: Posix, net: ReturnType<typeof sockets>, fd: number, opts: { keepNumber?: boolean; cloexec?: boolean } = {}): Promise<{ code: number; fd: number }> {
  const r = await net.ioPort(fd);
  if (r.code !== 0 || r.port === undefined) return { code: r.code, fd: -1 };
  const st = await io.sys.call(r.port, IO_STAT, {});
  const label = typeof st.label === 'string' ? st.label : `socket ${fd}`;
  const d = io.table.install(r.port, { kind: 'socket', access: 'rw', label, nonblock: false }, opts.cloexec);
  if (d < 0) {
    await io.sys.port_deallocate(r.port);
    return { code: EMFILE, fd: -1 };
  }
  if (!opts.keepNumber) await net.close(fd);
  return { code: 0, fd: d };
}
