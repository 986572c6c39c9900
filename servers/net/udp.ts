/**
 * The network server (phase 1: UDP), a task per host built only from system calls: it takes
 * its host's device (`net_attach`), checks its service port in as `net` with the host's name
 * service, and serves sockets over a port set holding both. Clients use `sockets(sys)`.
 *
 * Privilege (ports below 1024): the pids named in `privileged` (the host's "root" tasks);
 * everyone else gets EACCES. Ephemeral ports: 49152–65535, in order. A datagram is the
 * packet's bytes with `{ proto: 'udp', sport, dport }` beside them; one to a port nobody
 * holds is dropped (no ICMP in phase 1).
 *
 * @example
 * k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
 * k.host(B).spawn('httpd', async (sys) => {            // pid 2
 *   const net = sockets(sys);
 *   const s = await net.socket(AF_INET, SOCK_DGRAM);
 *   await net.bind(s, 80);
 *   const d = await net.recvfrom(s);                  // { code, bytes, from, port }
 * });
 */
import type { InMessage } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { EAFNOSUPPORT, EBADF, EINVAL } from './errno.ts';
import { UdpPorts } from './udp-ports.ts';

export const AF_INET = 2;
export const SOCK_DGRAM = 2;
/** Request ids of the socket interface (reply: id + 100). */
export const NET_IDS = { socket: 5200, bind: 5201, sendto: 5202, recvfrom: 5203, close: 5204 } as const;
const PACKET = 4150;

interface Sock {
  port: number;
  queue: { bytes: Uint8Array; from: string; port: number }[];
  waiting: number[];
}

/** The network server's program. Options: which pids are privileged. Runs for ever (spawn it as a daemon). */
export function netServer(options: { privileged?: number[] } = {}) {
  return async (sys: Sys): Promise<void> => {
    const root = new Set(options.privileged ?? []);
    const { name: device } = await sys.net_attach();
    const { name: service } = await sys.port_allocate('receive', 'net');
    const { name: set } = await sys.port_allocate('port-set', 'net');
    await sys.port_move_member(device!, set!);
    await sys.port_move_member(service!, set!);
    await sys.netname_check_in('net', service!);
    const ports = new UdpPorts();
    const socks = new Map<number, Sock>();
    let nextFd = 3;
    const answer = (to: number, id: number, body: object) => sys.msg_send(to, { id: id + 100, body }, { timeout: 0 });
    const deliver = async (s: Sock) => {
      while (s.waiting.length > 0 && s.queue.length > 0) await answer(s.waiting.shift()!, NET_IDS.recvfrom, { code: 0, ...s.queue.shift()! });
    };
    for (;;) {
      const r = await sys.msg_receive(set!);
      if (!r.ok) continue;
      const m = r.msg as InMessage<Record<string, unknown>>;
      const b = m.body;
      if (m.id === PACKET) {
        const meta = b.meta as { sport: number; dport: number } | undefined;
        const fd = meta ? ports.owner(meta.dport) : undefined;
        const s = fd === undefined ? undefined : socks.get(fd);
        if (s) (s.queue.push({ bytes: b.bytes as Uint8Array, from: b.from as string, port: meta!.sport }), await deliver(s));
        continue;
      }
      const s = socks.get(b.fd as number);
      switch (m.id) {
        case NET_IDS.socket:
          if (b.domain !== AF_INET || b.type !== SOCK_DGRAM) await answer(m.reply, m.id, { code: EAFNOSUPPORT });
          else (socks.set(nextFd, { port: 0, queue: [], waiting: [] }), await answer(m.reply, m.id, { code: 0, fd: nextFd++ }));
          break;
        case NET_IDS.bind: {
          if (!s) { await answer(m.reply, m.id, { code: EBADF }); break; }
          if (s.port) { await answer(m.reply, m.id, { code: EINVAL }); break; }
          const code = ports.bind(b.port as number, b.fd as number, root.has(m.sender));
          if (code === 0) s.port = b.port as number;
          await answer(m.reply, m.id, { code });
          break;
        }
        case NET_IDS.sendto: {
          if (!s) { await answer(m.reply, m.id, { code: EBADF }); break; }
          if (!s.port) {
            const e = ports.ephemeral(b.fd as number);
            if (e.code) { await answer(m.reply, m.id, { code: e.code }); break; }
            s.port = e.port!;
          }
          const t = await sys.net_transmit(b.host as string, b.bytes as Uint8Array, { proto: 'udp', sport: s.port, dport: b.port });
          await answer(m.reply, m.id, { code: t.code, fate: t.fate, sport: s.port });
          break;
        }
        case NET_IDS.recvfrom:
          if (!s) { await answer(m.reply, m.id, { code: EBADF }); break; }
          s.waiting.push(m.reply);
          await deliver(s);
          break;
        case NET_IDS.close:
          if (!s) { await answer(m.reply, m.id, { code: EBADF }); break; }
          if (s.port) ports.release(s.port);
          socks.delete(b.fd as number);
          await answer(m.reply, m.id, { code: 0 });
          break;
        default:
          if (m.reply) await answer(m.reply, m.id, { code: EINVAL });
      }
    }
  };
}

/**
 * The socket client library (MIG-style stubs to the host's network server, found as `net`
 * in the name service). Each call resolves to `{ code, … }`; codes are errnos (EBADF,
 * EACCES, EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL) or Mach codes.
 */
export function sockets(sys: Sys) {
  let server: number | undefined;
  const call = async (id: number, body: object) => {
    server ??= (await sys.netname_look_up('net', { wait: true })).port;
    return sys.call(server!, id, body);
  };
  return {
    /** A new socket: `{ code, fd }`. Only AF_INET, SOCK_DGRAM in phase 1 (EAFNOSUPPORT otherwise). */
    socket: (domain: number, type: number) => call(NET_IDS.socket, { domain, type }) as Promise<{ code: number; fd?: number }>,
    /** Binds fd to port: EACCES below 1024 unprivileged, EADDRINUSE, EINVAL when already bound. */
    bind: (fd: number, port: number) => call(NET_IDS.bind, { fd, port }) as Promise<{ code: number }>,
    /** Sends one datagram to host:port (binding an ephemeral port first if needed): `{ code, fate, sport }`. */
    sendto: (fd: number, bytes: Uint8Array, host: string, port: number) => call(NET_IDS.sendto, { fd, bytes, host, port }) as Promise<{ code: number; fate?: string | null; sport?: number }>,
    /** Waits for the next datagram: `{ code, bytes, from, port }`. */
    recvfrom: (fd: number) => call(NET_IDS.recvfrom, { fd }) as Promise<{ code: number; bytes?: Uint8Array; from?: string; port?: number }>,
    /** Closes fd, freeing its port. */
    close: (fd: number) => call(NET_IDS.close, { fd }) as Promise<{ code: number }>,
  };
}
