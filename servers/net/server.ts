/**
 * The network server, a task per host built only from system calls: it takes its host's
 * device (`net_attach`), checks its service port in as `net` with the host's name service,
 * and serves sockets over a port set holding both. Clients use `sockets(sys)` (client.ts).
 *
 * - Descriptors: one table for both kinds, from 3 up, never reused. A socket belongs to the
 *   task that opened it: `socket` carries a send right to a port of the caller's (`net.owner`),
 *   the server asks for its dead-name notification, and when the task ends its sockets close
 *   as at a process's exit (UDP ports freed, TCP sends FIN; calls waiting on them get EBADF).
 *   Another task may use a descriptor it is given; it does not own it.
 * - Privilege (ports below 1024): the pids named in `privileged` (the host's "root" tasks);
 *   everyone else gets EACCES. Ephemeral ports: 49152–65535, in order. UDP and TCP have a
 *   port space each (UDP 80 and TCP 80 are different ports).
 * - UDP: a datagram is the packet's bytes with `{ proto: 'udp', sport, dport }` beside them;
 *   one to a port nobody holds is dropped (no ICMP).
 * - Multicast: `joinGroup(fd, group)` on a UDP socket; a datagram sent to a group address
 *   (224.0.0.0/4) goes to every host (the wire copies it, see kernel/device/wire.ts, and the
 *   sender's own host gets it too) and each network server hands it to every socket of its
 *   host bound to the destination port that joined the group. Group membership is kept here,
 *   per socket, not on the wire (no IGMP); `leaveGroup` and `close` end it.
 * - TCP: the connection state machine is tcp.ts (handshake, retransmission, FIN, RST, backlog;
 *   its header says the RTO, retries and backlog decisions). Its segments carry their header
 *   as the packet's meta (`{ proto: 'tcp', flags, seq, ack, len, label }`), so packet tables
 *   and the trace show them. Blocking calls (accept, connect, recv, a send over a full buffer)
 *   are answered later through the reply right kept meanwhile.
 * - Sockets as descriptors (the Hurd's pfinet way): `ioPort(fd)` answers a send right to the
 *   socket's own port (in the port set), which speaks the pipe server's IO protocol: io_read is
 *   recv (TCP; 0 bytes with `eof` after the peer's FIN) or the next datagram's bytes (UDP, cut
 *   to n; O_NONBLOCK reads answer EAGAIN rather than wait), io_write is send (TCP) or
 *   EDESTADDRREQ (UDP), io_stat describes the socket. A socket
 *   stays open while its number is open or its port has senders (a no-senders notification
 *   tells the server); `close` of the number, or its owner's death, closes only the number
 *   while descriptors remain. `adoptSocket` (socket-fd.ts) installs the right as a POSIX descriptor.
 * - Timers: the server's one receive waits at most until the next TCP deadline (a receive
 *   with a timeout on the virtual clock), then fires what is due: it never spins.
 *
 * @example
 * k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
 * k.host(B).spawn('httpd', async (sys) => {            // pid 2
 *   const net = sockets(sys);
 *   const { fd } = await net.socket(AF_INET, SOCK_STREAM);
 *   await net.bind(fd!, 80);
 *   await net.listen(fd!, 5);
 *   const c = await net.accept(fd!);                  // { code, fd, from, port }
 * });
 */
import { MIG_BAD_ID } from '../../ports/codes.ts';
import type { InMessage } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { EADDRNOTAVAIL, EAFNOSUPPORT, EALREADY, EBADF, EDESTADDRREQ, EINVAL, EISCONN, EOPNOTSUPP } from './errno.ts';
import { EAGAIN } from '../posix/errno.ts';
import { IO } from '../pipe/defs.ts';
import { AF_INET, NET_IDS, PACKET, SOCK_DGRAM, SOCK_STREAM, isMulticast } from './protocol.ts';
import { Tcp, TcpConn, type TcpHeader } from './tcp.ts';
import { UdpPorts } from './udp-ports.ts';

interface UdpSock {
  kind: 'udp';
  port: number;
  queue: { bytes: Uint8Array; from: string; port: number }[];
  waiting: number[];
  groups: Set<string>;
}

interface TcpSock {
  kind: 'tcp';
  conn: TcpConn;
}

/** What a socket has besides its kind: its IO port (made by `ioPort`), and whether its number is still open. */
interface SockRefs {
  /** The socket's own port (the receive right is the server's, in its port set), once `ioPort` made it. */
  io?: number;
  /** Whether a send right to `io` may still exist (a no-senders notification is asked for). */
  ioLive?: boolean;
  /** False once the number was closed while the port still had senders: number requests get EBADF. */
  unnumbered?: boolean;
}

type Sock = (UdpSock | TcpSock) & SockRefs;

/** An IO request waiting for the socket: its id, the bytes it asked for, and whether end of file can be (TCP). */
interface IoWait {
  id: number;
  n: number;
  stream: boolean;
}

/** A socket's answer (recv: `{ code, bytes }`, recvfrom: `{ code, bytes, from, port }`, send: `{ code, n }`) as the IO protocol's (`{ code, data, eof? }`, `{ code, n }`). */
function ioBody(w: IoWait, body: Record<string, unknown>): Record<string, unknown> {
  const code = body.code as number;
  if (w.id === IO.io_write.id) return { code, n: (body.n as number | undefined) ?? 0 };
  if (code !== 0) return { code };
  const bytes = (body.bytes as Uint8Array | undefined) ?? new Uint8Array(0);
  // A datagram longer than the read: the rest is discarded, as recv(2) does on a datagram socket.
  const data = bytes.length > w.n ? bytes.slice(0, w.n) : bytes;
  return w.stream && data.length === 0 ? { code, data, eof: true } : { code, data };
}

/** Whether a read of the socket would wait now (O_NONBLOCK answers EAGAIN instead). */
function wouldBlock(s: Sock): boolean {
  if (s.kind === 'udp') return s.queue.length === 0;
  const c = s.conn;
  if (c.state === 'CLOSED' || c.state === 'LISTEN' || c.state === 'SYN_SENT') return false; // ENOTCONN at once
  return c.rcvLen === 0 && !c.peerFin && !c.readShut && c.error === 0;
}

const validPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** The network server's program. Options: which pids are privileged. Runs for ever (spawn it as a daemon). */
export function netServer(options: { privileged?: number[] } = {}) {
  return async (sys: Sys): Promise<void> => {
    const root = new Set(options.privileged ?? []);
    const { name: device, address } = await sys.net_attach();
    const { name: service } = await sys.port_allocate('receive', 'net');
    const { name: set } = await sys.port_allocate('port-set', 'net');
    await sys.port_move_member(device!, set!);
    await sys.port_move_member(service!, set!);
    await sys.netname_check_in('net', service!);
    const udpPorts = new UdpPorts();
    const tcpPorts = new UdpPorts();
    const socks = new Map<number, Sock>();
    /** The sockets' IO ports: port name → fd. */
    const ioPorts = new Map<number, number>();
    /** Reply rights of IO requests waiting for a socket's answer (a recv, recvfrom or send): answered in the IO protocol's shape. */
    const ioReplies = new Map<number, IoWait>();
    let nextFd = 3;
    /** Who opened each socket: fd → the name of its owner's `net.owner` send right here. */
    const ownerOf = new Map<number, number>();
    /** Per owner right: its sockets, and the user references socket requests gave the name. */
    const owners = new Map<number, { fds: Set<number>; refs: number }>();
    const own = (fd: number, right: number | undefined): void => {
      if (right === undefined) return;
      const o = owners.get(right);
      if (!o) return;
      o.fds.add(fd);
      ownerOf.set(fd, right);
    };
    const tcp = new Tcp({
      now: () => sys.now(),
      self: address ?? '',
      newFd: (conn) => {
        socks.set(nextFd, { kind: 'tcp', conn });
        // An accepted connection belongs to whoever owns the listening socket.
        if (conn.parent?.fd != null) own(nextFd, ownerOf.get(conn.parent.fd));
        return nextFd++;
      },
      release: (port) => tcpPorts.release(port),
    });
    /**
     * Ends fd as a close does: UDP frees its port and answers calls still waiting with EBADF;
     * TCP sends FIN after its bytes (tcp.ts). The owner's right loses the socket; when it has no
     * socket left, the server lets go of the right (its dead-name request goes with it).
     */
    const closeFd = async (fd: number): Promise<void> => {
      const s = socks.get(fd);
      if (!s) return;
      socks.delete(fd);
      if (s.io !== undefined) {
        ioPorts.delete(s.io);
        await sys.port_destroy(s.io);
      }
      if (s.kind === 'udp') {
        if (s.port) udpPorts.release(s.port);
        for (const w of s.waiting.splice(0)) await answer(w, NET_IDS.recvfrom, { code: EBADF });
      } else if (tcp.close(s.conn) && s.conn.ownsPort) {
        tcpPorts.release(s.conn.lport);
        s.conn.ownsPort = false;
      }
      await disown(fd);
    };
    /** fd's owner right loses it; with no socket left, the server lets go of the right. */
    const disown = async (fd: number): Promise<void> => {
      const right = ownerOf.get(fd);
      if (right === undefined) return;
      ownerOf.delete(fd);
      const o = owners.get(right)!;
      o.fds.delete(fd);
      if (o.fds.size === 0) {
        owners.delete(right);
        await sys.port_mod_refs(right, 'send', -o.refs);
      }
    };
    /**
     * The number goes (a `close`, or its owner's death): the socket closes, unless its IO port
     * still has senders (descriptors); then it lives on as the port, unowned, until they go.
     */
    const dropNumber = async (fd: number): Promise<void> => {
      const s = socks.get(fd);
      if (s?.ioLive) {
        s.unnumbered = true;
        return disown(fd);
      }
      return closeFd(fd);
    };
    /** A socket owner's task ended (its `net.owner` port died): its sockets close, as a process's do at exit. */
    const onOwnerDeath = async (m: InMessage<Record<string, unknown>>): Promise<void> => {
      if (m.notification !== 'dead-name') return;
      const right = m.body.name as number;
      const o = owners.get(right);
      if (!o) return;
      for (const fd of [...o.fds]) {
        ownerOf.delete(fd);
        await dropNumber(fd);
      }
      owners.delete(right);
      await sys.port_destroy(right);
    };
    const answer = (to: number, id: number, body: object) => {
      const io = ioReplies.get(to);
      if (io === undefined) return sys.msg_send(to, { id: id + 100, body }, { timeout: 0 });
      ioReplies.delete(to);
      return sys.msg_send(to, { id: io.id + 100, body: ioBody(io, body as Record<string, unknown>) }, { timeout: 0 });
    };
    const deliver = async (s: UdpSock) => {
      while (s.waiting.length > 0 && s.queue.length > 0) await answer(s.waiting.shift()!, NET_IDS.recvfrom, { code: 0, ...s.queue.shift()! });
    };
    /** Carries out what the TCP engine asked for, in order. */
    const flush = async () => {
      for (let effects = tcp.take(); effects.length > 0; effects = tcp.take()) {
        for (const e of effects) {
          if (e.kind === 'segment') await sys.net_transmit(e.host, e.bytes, e.meta);
          else await answer(e.reply, NET_IDS[e.call], e.body);
        }
      }
    };
    /** A TCP socket's port: the one it is bound to, or the next ephemeral one. */
    const tcpPort = (fd: number, c: TcpConn): number => {
      if (c.lport) return 0;
      const e = tcpPorts.ephemeral(fd);
      if (e.code) return e.code;
      c.lport = e.port!;
      c.ownsPort = true;
      return 0;
    };

    const onPacket = async (b: Record<string, unknown>) => {
      const meta = b.meta as { proto?: string; sport: number; dport: number } | undefined;
      if (meta?.proto === 'tcp') return tcp.segment(b.from as string, meta as TcpHeader, b.bytes as Uint8Array);
      if (!meta) return;
      const datagram = () => ({ bytes: b.bytes as Uint8Array, from: b.from as string, port: meta.sport });
      if (isMulticast(b.to)) {
        for (const s of socks.values()) {
          if (s.kind === 'udp' && s.port === meta.dport && s.groups.has(b.to as string)) (s.queue.push(datagram()), await deliver(s));
        }
        return;
      }
      const fd = udpPorts.owner(meta.dport);
      const s = fd === undefined ? undefined : socks.get(fd);
      if (s?.kind === 'udp') (s.queue.push(datagram()), await deliver(s));
    };

    const onCall = async (m: InMessage<Record<string, unknown>>) => {
      const b = m.body ?? {};
      const fd = b.fd as number;
      const s = socks.get(fd);
      const reply = (body: object) => answer(m.reply, m.id, body);
      const ioFd = ioPorts.get(m.port);
      if (ioFd !== undefined) return onIo(m, ioFd);
      if (m.notification) return onOwnerDeath(m);
      if (m.id === NET_IDS.socket) {
        const right = m.rights[0]?.right === 'send' ? m.rights[0].name : undefined;
        if (b.domain !== AF_INET || (b.type !== SOCK_DGRAM && b.type !== SOCK_STREAM)) {
          if (right !== undefined) await sys.port_deallocate(right);
          return reply({ code: EAFNOSUPPORT });
        }
        socks.set(nextFd, b.type === SOCK_DGRAM ? { kind: 'udp', port: 0, queue: [], waiting: [], groups: new Set() } : { kind: 'tcp', conn: new TcpConn(nextFd) });
        if (right !== undefined) {
          const o = owners.get(right);
          if (o) o.refs++;
          else {
            owners.set(right, { fds: new Set(), refs: 1 });
            await sys.port_request_notification(right, 'dead-name', service!);
          }
          own(nextFd, right);
        }
        return reply({ code: 0, fd: nextFd++ });
      }
      if (!(Object.values(NET_IDS) as number[]).includes(m.id)) return m.reply ? reply({ code: EINVAL }) : undefined;
      if (!s || s.unnumbered) return reply({ code: EBADF });
      if (m.id === NET_IDS.ioPort) return onIoPort(m, fd, s);
      if (s.kind === 'udp') return onUdpCall(m, fd, s, b, reply);
      const c = s.conn;
      switch (m.id) {
        case NET_IDS.bind: {
          if (c.lport || c.state !== 'CLOSED') return reply({ code: EINVAL });
          const code = tcpPorts.bind(b.port as number, fd, root.has(m.sender));
          if (code === 0) (c.lport = b.port as number), (c.ownsPort = true);
          return reply({ code });
        }
        case NET_IDS.listen: {
          const code = tcpPort(fd, c) || tcp.listen(c, b.backlog as number);
          return reply({ code });
        }
        case NET_IDS.accept:
          if (c.state !== 'LISTEN') return reply({ code: EINVAL });
          return tcp.accept(c, m.reply);
        case NET_IDS.connect: {
          if (c.state === 'LISTEN') return reply({ code: EINVAL });
          if (c.state === 'SYN_SENT') return reply({ code: EALREADY });
          if (c.rhost !== '') return reply({ code: EISCONN });
          if (typeof b.host !== 'string' || b.host === '' || !validPort(b.port) || isMulticast(b.host)) return reply({ code: EINVAL });
          const code = tcpPort(fd, c);
          if (code) return reply({ code });
          return tcp.connect(c, b.host, b.port, m.reply);
        }
        case NET_IDS.send:
          if (!(b.bytes instanceof Uint8Array)) return reply({ code: EINVAL });
          return tcp.send(c, b.bytes, m.reply);
        case NET_IDS.recv:
          return tcp.recv(c, b.max as number, m.reply);
        case NET_IDS.shutdown:
          return reply({ code: tcp.shutdown(c, b.how as number) });
        case NET_IDS.close:
          await dropNumber(fd);
          return reply({ code: 0 });
        default: // sendto, recvfrom, joinGroup, leaveGroup
          return reply({ code: EOPNOTSUPP });
      }
    };

    const onUdpCall = async (m: InMessage<Record<string, unknown>>, fd: number, s: UdpSock, b: Record<string, unknown>, reply: (body: object) => Promise<number>) => {
      switch (m.id) {
        case NET_IDS.bind: {
          if (s.port) return reply({ code: EINVAL });
          const code = udpPorts.bind(b.port as number, fd, root.has(m.sender));
          if (code === 0) s.port = b.port as number;
          return reply({ code });
        }
        case NET_IDS.sendto: {
          if (!s.port) {
            const e = udpPorts.ephemeral(fd);
            if (e.code) return reply({ code: e.code });
            s.port = e.port!;
          }
          const t = await sys.net_transmit(b.host as string, b.bytes as Uint8Array, { proto: 'udp', sport: s.port, dport: b.port });
          return reply({ code: t.code, fate: t.fate, sport: s.port });
        }
        case NET_IDS.recvfrom:
          s.waiting.push(m.reply);
          return deliver(s);
        case NET_IDS.joinGroup:
          if (!isMulticast(b.group)) return reply({ code: EINVAL });
          s.groups.add(b.group as string);
          return reply({ code: 0 });
        case NET_IDS.leaveGroup:
          if (!s.groups.delete(b.group as string)) return reply({ code: EADDRNOTAVAIL });
          return reply({ code: 0 });
        case NET_IDS.close:
          await dropNumber(fd);
          return reply({ code: 0 });
        default: // listen, accept, connect, send, recv, shutdown
          return reply({ code: EOPNOTSUPP });
      }
    };

    /** `ioPort(fd)`: a send right (make-send) to the socket's own port, made on the first call; the no-senders request follows the reply. */
    const onIoPort = async (m: InMessage<Record<string, unknown>>, fd: number, s: Sock): Promise<void> => {
      if (s.io === undefined) {
        s.io = (await sys.port_allocate('receive', `${s.kind} socket ${fd}`)).name!;
        await sys.port_move_member(s.io, set!);
        ioPorts.set(s.io, fd);
      }
      await sys.msg_send(m.reply, { id: m.id + 100, body: { code: 0 }, rights: [{ name: s.io, disposition: 'make-send' }] }, { timeout: 0 });
      if (!s.ioLive) {
        s.ioLive = true;
        await sys.port_request_notification(s.io, 'no-senders', s.io);
      }
    };

    /** A request on a socket's own port: the IO protocol's read, write and stat; or its no-senders notification. */
    const onIo = async (m: InMessage<Record<string, unknown>>, fd: number): Promise<unknown> => {
      const s = socks.get(fd)!;
      const b = m.body ?? {};
      const reply = (body: object) => sys.msg_send(m.reply, { id: m.id + 100, body }, { timeout: 0 });
      if (m.notification) {
        if (m.notification !== 'no-senders') return;
        // Stale: a send right was made after the kernel sent it (ioPort again). Ask again.
        if (((await sys.port_get_attributes(s.io!)).srights ?? 0) > 0) return sys.port_request_notification(s.io!, 'no-senders', s.io!);
        s.ioLive = false;
        if (s.unnumbered) return closeFd(fd);
        return; // still open by number: the port waits for the next ioPort
      }
      if (!m.reply) return;
      switch (m.id) {
        case IO.io_read.id: {
          const n = b.n;
          if (!Number.isInteger(n) || (n as number) < 0) return reply({ code: EINVAL });
          if (n === 0) return reply({ code: 0, data: new Uint8Array(0) });
          if (b.nonblock === true && wouldBlock(s)) return reply({ code: EAGAIN });
          ioReplies.set(m.reply, { id: m.id, n: n as number, stream: s.kind === 'tcp' });
          if (s.kind === 'tcp') return tcp.recv(s.conn, n as number, m.reply);
          s.waiting.push(m.reply);
          return deliver(s);
        }
        case IO.io_write.id: {
          if (!(b.data instanceof Uint8Array)) return reply({ code: EINVAL });
          if (s.kind === 'udp') return reply({ code: EDESTADDRREQ, n: 0 });
          ioReplies.set(m.reply, { id: m.id, n: 0, stream: true });
          return tcp.send(s.conn, b.data, m.reply);
        }
        case IO.io_stat.id:
          return reply({ code: 0, kind: `${s.kind} socket`, id: fd, label: `${s.kind} socket ${fd}`, buffered: s.kind === 'tcp' ? s.conn.rcvLen : s.queue.length, capacity: 0, pipeBuf: 0 });
        default:
          return reply({ code: MIG_BAD_ID });
      }
    };

    for (;;) {
      const due = tcp.nextDeadline();
      const r = await sys.msg_receive(set!, due === null ? undefined : { timeout: Math.max(0, due - sys.now()) });
      if (r.ok) {
        const m = r.msg as InMessage<Record<string, unknown>>;
        if (m.id === PACKET) await onPacket(m.body);
        else await onCall(m);
      }
      tcp.tick();
      await flush();
    }
  };
}
