/**
 * The port mapper as a server task per host (rpcbind v2, RFC 1833: SET, UNSET, GETPORT, DUMP),
 * on well-known UDP port 111 through the host's network server, and on a Mach port checked in
 * as `portmap` with the host's name service, so it stands in for the matchmaker
 * (servers/rpc/matchmaker.ts) on its host: `registerProgram`, `rpcConnect` and `pmapConnect`
 * work against it unchanged.
 *
 * Two threads serve the one table (servers/portmap/table.ts: pools, the two balances, leases):
 * the task's first thread serves PMAP and PMAPLOAD over Mach (SETs that carry a send right,
 * and the dead-name notifications of those rights, on one port set); a second thread serves
 * both programs over UDP 111 (clients on any host). Both are `RpcServer`s of servers/rpc over
 * a transport: `machServerTransport` and `udpServerTransport`. A datagram that is not an RPC
 * call is dropped (there is no xid to answer); a call to another program is PROG_UNAVAIL,
 * arguments that do not decode GARBAGE_ARGS: the server's stub answers them.
 *
 * Failover: a SET over Mach should carry a send right to a port whose death is the server's
 * death (`udpRpcServer` sends one); the mapper asks for a dead-name notification on it and,
 * when it comes, drops every registration made with it, so the next GETPORT sends clients to
 * the next server of the pool. A SET without a right (over UDP from anywhere, or over Mach
 * without one) gets a lease instead (`lease`, default 30 s): the server must SET again before
 * it runs out, or it is dropped. There is no owner check: anyone may UNSET.
 *
 * @example
 * k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
 * k.host(B).spawn('portmapper', portmapper({ balance: 'round-robin' }), { daemon: true }); // pid 2
 */
import { portmapPorts } from '../rpc/matchmaker.ts';
import type { InMessage } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { netErrnoName } from '../net/errno.ts';
import { IPPROTO_MACH, IPPROTO_TCP, IPPROTO_UDP, listFrom, PMAP, PMAP_PORT, PORTMAP_NAME, type Mapping } from '../rpc/portmap-defs.ts';
import { implement, RpcServer, type RpcContext } from '../rpc/server.ts';
import { machServerTransport } from '../rpc/transport.ts';
import { PMAPLOAD, type LoadEntry } from './defs.ts';
import { PortmapTable, type Balance, type Registration } from './table.ts';
import { UdpSocket, udpServerTransport } from './udp-transport.ts';

/** Options of the port mapper. */
export interface PortmapperOptions {
  /** How GETPORT chooses among several servers of one service (default 'round-robin'). */
  balance?: Balance;
  /** ms a registration without a send right lives after its SET (default 30,000). */
  lease?: number;
  /** Log every call (default true). */
  log?: boolean;
  /** Given the table and the servers once the mapper serves (for tests and reports; `udp` is set when its thread starts). */
  onReady?: (m: PortmapperState) => void;
}

/** What `onReady` is given: the table, and the RPC servers of each transport (their stats). */
export interface PortmapperState {
  table: PortmapTable;
  mach: RpcServer;
  udp: RpcServer | null;
}

const PROTO: Record<number, string> = { [IPPROTO_TCP]: 'tcp', [IPPROTO_UDP]: 'udp', [IPPROTO_MACH]: 'mach' };
const show = (m: Mapping) => `${m.prog >= 0x2000_0000 ? `0x${m.prog.toString(16)}` : m.prog} v${m.vers} ${PROTO[m.prot] ?? `prot ${m.prot}`} ${m.port}`;

/**
 * The port mapper's program (spawn it as a daemon on each host, after the network server,
 * with its pid among the network server's `privileged`). Binds UDP 111, checks its Mach port
 * in as `portmap`, then serves for ever. Resolves to 1, having logged why, when port 111 is
 * refused (EACCES: not privileged; EADDRINUSE: another mapper) or the name is taken. Throws a
 * RangeError for a bad balance or lease.
 */
export function portmapper(opts: PortmapperOptions = {}) {
  const make = () => new PortmapTable(opts.balance ?? 'round-robin', opts.lease ?? 30_000);
  make(); // bad options throw here, not in the task
  return async (sys: Sys): Promise<number> => {
    const table = make(); // each run of the program (a restart) starts empty
    const log = (text: string) => {
      if (opts.log !== false) sys.log(text);
    };
    const open = await UdpSocket.open(sys, PMAP_PORT);
    if (!open.socket) {
      log(`cannot bind UDP port ${PMAP_PORT}: ${netErrnoName(open.code)}`);
      return 1;
    }
    const sock = open.socket;
    const { service, deaths, set } = await portmapPorts(sys);
    if ((await sys.netname_check_in(PORTMAP_NAME, service)) !== 0) {
      log(`the name ${PORTMAP_NAME} is taken`);
      await sock.close();
      return 1;
    }

    /** Leases that ran out go before any call is answered. */
    const expire = (now: number) => {
      for (const r of table.expire(now)) log(`${show(r.map)}: lease ran out, unset`);
    };
    /** Gives back the rights of removed registrations (a right still used by another stays). */
    const release = async (s: Sys, gone: Registration[]) => {
      const destroyed = new Set<number>();
      for (const r of gone) {
        if (r.right === 0 || destroyed.has(r.right)) continue;
        if (table.holds(r.right)) await s.port_deallocate(r.right);
        else await s.port_destroy(r.right), destroyed.add(r.right);
      }
    };
    const via = (ctx: RpcContext) => (ctx.sender === 0 ? 'over UDP' : `from pid ${ctx.sender}`);

    const pmap = implement(PMAP, {
      async set(map, ctx) {
        expire(ctx.sys.now());
        const right = ctx.rights[0]?.right === 'send' ? ctx.rights[0].name : 0;
        const refuse = async (why: string) => {
          log(`SET ${show(map)} refused (${why})`);
          if (right !== 0) await ctx.sys.port_deallocate(right);
          return false;
        };
        if (map.prot === IPPROTO_MACH && right === 0) return refuse('no send right came with it');
        const r = table.set(map, right, ctx.sys.now());
        if (!r.ok) return refuse(r.why);
        if (right !== 0 && table.all.filter((x) => x.right === right).length === 1) await ctx.sys.port_request_notification(right, 'dead-name', deaths);
        log(`SET ${show(r.reg.map)} ${via(ctx)}: ${r.renewed ? 'lease renewed' : right !== 0 ? 'watched (dead-name)' : `lease ${table.lease} ms`}`);
        return true;
      },
      async unset(map, ctx) {
        expire(ctx.sys.now());
        const gone = table.unset(map);
        await release(ctx.sys, gone);
        log(`UNSET ${show(map)} ${via(ctx)}: ${gone.length} removed`);
        return gone.length > 0;
      },
      getport(map, ctx) {
        expire(ctx.sys.now());
        const reg = table.getport(map);
        log(`GETPORT ${show({ ...map, port: reg?.map.port ?? 0 })} ${via(ctx)}${reg ? '' : ' (none)'}`);
        if (!reg) return 0;
        if (reg.right !== 0 && reg.map.prot === IPPROTO_MACH && ctx.sender !== 0) ctx.attach([{ name: reg.right, disposition: 'copy-send' }]);
        return reg.map.port;
      },
      dump(_: undefined, ctx) {
        expire(ctx.sys.now());
        return listFrom(table.all.map((r) => r.map));
      },
    });
    const load = implement(PMAPLOAD, {
      report({ map, load: n }, ctx) {
        expire(ctx.sys.now());
        const ok = table.report(map, n);
        log(`REPORT ${show(map)} load ${n}${ok ? '' : ' (not registered)'}`);
        return ok;
      },
      loads(_: undefined, ctx): LoadEntry[] {
        expire(ctx.sys.now());
        return table.all.map((r) => ({ map: r.map, reported: r.reported, given: r.given, handed_out: r.handedOut }));
      },
    });

    /** A watched server's port died: its registrations go. */
    const onDeath = async (m: InMessage): Promise<void> => {
      if (m.notification !== 'dead-name') return;
      const name = (m.body as { name: number }).name;
      for (const r of table.dead(name)) log(`${show(r.map)}: its server died, unset`);
      await sys.port_destroy(name);
    };

    const state: PortmapperState = { table, mach: new RpcServer(sys, [pmap, load], { transport: machServerTransport(sys, set, onDeath), register: false }), udp: null };
    opts.onReady?.(state);
    // The UDP thread: its own system calls (ctx.sys in the handlers), the same table and socket.
    await sys.thread_create(async (t: Sys) => {
      state.udp = new RpcServer(t, [pmap, load], { transport: udpServerTransport(sock.forThread(t)) });
      return state.udp.serve();
    });
    log(`serving on UDP ${PMAP_PORT} and as ${PORTMAP_NAME} (${table.balance})`);
    return state.mach.serve();
  };
}
