/**
 * The matchmaker (the course's rendezvous daemon; ONC RPC's port mapper):
 * an ordinary xmach task, an RPC server of program PMAP, checked in with the
 * name service as `portmap` (the stand-in for port 111). Servers register
 * (program, version) → their port with SET; clients ask GETPORT before their
 * first call; UNSET removes a registration; DUMP lists them all. When a
 * registered server's port dies, the matchmaker hears it (a dead-name
 * notification) and forgets its mappings, so clients are never sent to a
 * dead server.
 */
import type { InMessage } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { FIRST_ASSIGNED_PORT, IPPROTO_MACH, listFrom, PMAP, PORTMAP_NAME, type Mapping } from './portmap-defs.ts';
import { implement, RpcServer, type RpcContext } from './server.ts';
import { machServerTransport } from './transport.ts';

/** One registration: the mapping and, for the Mach transport, the send right it hands out. */
interface Registration {
  map: Mapping;
  /** A send right in the matchmaker's space, or 0 for a network protocol's mapping. */
  right: number;
}

/** Options of the daemon. */
export interface PortmapOptions {
  /** Log every registration, look-up and removal (default true). */
  log?: boolean;
  /** Filled with the daemon's server while it runs (for tests: its stats). */
  onReady?: (server: RpcServer) => void;
}

/**
 * The matchmaker's program: checks in as `portmap`, then serves PMAP
 * version 2 forever (spawn it as a daemon, before the servers that register).
 * SET of an `IPPROTO_MACH` mapping must carry a send right to the server's
 * port (else it answers false); port 0 asks the matchmaker to assign a
 * number (from 1024). SET answers false when (prog, vers, prot) is mapped
 * already; UNSET removes every protocol of (prog, vers) and answers whether
 * there was one; GETPORT answers the port number, 0 when not registered, and
 * carries a copy of the send right; DUMP answers every mapping in order of
 * registration. Resolves to 1 if the name `portmap` is taken.
 *
 * @example
 * k.spawn('portmap', portmapDaemon, { daemon: true });
 */
export async function portmapDaemon(sys: Sys, opts: PortmapOptions = {}): Promise<number> {
  const log = (text: string) => {
    if (opts.log !== false) sys.log(text);
  };
  const { service, deaths, set } = await portmapPorts(sys);
  if ((await sys.netname_check_in(PORTMAP_NAME, service)) !== 0) {
    log(`the name ${PORTMAP_NAME} is taken`);
    return 1;
  }
  const table: Registration[] = [];
  const watched = new Set<number>();
  let nextPort = FIRST_ASSIGNED_PORT;
  const same = (a: Mapping, b: Mapping) => a.prog === b.prog && a.vers === b.vers && a.prot === b.prot;
  // rpcinfo prints program numbers in decimal; those of the user-defined range (0x20000000 on) read better in hex.
  const show = (m: Mapping) => `program ${m.prog >= 0x2000_0000 ? `0x${m.prog.toString(16)}` : m.prog} version ${m.vers}`;

  /** A registered server's port died: its mappings go. */
  const onDeath = async (m: InMessage): Promise<void> => {
    if (m.notification !== 'dead-name') return;
    const name = (m.body as { name: number }).name;
    for (let i = table.length - 1; i >= 0; i--) {
      if (table[i]!.right !== name) continue;
      log(`${show(table[i]!.map)} at port ${table[i]!.map.port}: its server died, unset`);
      table.splice(i, 1);
    }
    watched.delete(name);
    await sys.port_destroy(name);
  };
  const release = async (reg: Registration): Promise<void> => {
    if (reg.right === 0) return;
    const stillUsed = table.some((r) => r.right === reg.right);
    if (stillUsed) await sys.port_deallocate(reg.right);
    else {
      watched.delete(reg.right);
      await sys.port_destroy(reg.right);
    }
  };

  const handlers = {
    async set(map: Mapping, ctx: RpcContext): Promise<boolean> {
      const right = ctx.rights[0]?.right === 'send' ? ctx.rights[0].name : 0;
      const refuse = async (why: string) => {
        log(`SET ${show(map)} refused: ${why}`);
        if (right !== 0) await sys.port_deallocate(right);
        return false;
      };
      if (table.some((r) => same(r.map, map))) return refuse('registered already');
      if (map.prot === IPPROTO_MACH && right === 0) return refuse('no send right came with it');
      const port = map.port !== 0 ? map.port : nextPort++;
      table.push({ map: { ...map, port }, right });
      if (right !== 0 && !watched.has(right)) {
        watched.add(right);
        await sys.port_request_notification(right, 'dead-name', deaths);
      }
      log(`SET ${show(map)} → port ${port} (from pid ${ctx.sender})`);
      return true;
    },
    async unset(map: Mapping): Promise<boolean> {
      const gone = table.filter((r) => r.map.prog === map.prog && r.map.vers === map.vers);
      for (const reg of gone) table.splice(table.indexOf(reg), 1);
      for (const reg of gone) await release(reg);
      log(`UNSET ${show(map)}: ${gone.length ? 'removed' : 'was not registered'}`);
      return gone.length > 0;
    },
    getport(map: Mapping, ctx: RpcContext): number {
      const reg = table.find((r) => same(r.map, map));
      log(`GETPORT ${show(map)} → ${reg ? `port ${reg.map.port}` : '0 (not registered)'}`);
      if (!reg) return 0;
      if (reg.right !== 0) ctx.attach([{ name: reg.right, disposition: 'copy-send' }]);
      return reg.map.port;
    },
    dump: () => listFrom(table.map((r) => r.map)),
  };
  const server = new RpcServer(sys, [implement(PMAP, handlers)], { transport: machServerTransport(sys, set, onDeath), register: false });
  opts.onReady?.(server);
  return server.serve();
}

/**
 * The port mapper's ports (the matchmaker's and the UDP port mapper's): its service port
 * (`portmap`, queue limit 64), a port for dead-name notifications, and a set holding both.
 * Returns their names in the caller's space.
 */
export async function portmapPorts(sys: Sys): Promise<{ service: number; deaths: number; set: number }> {
  const service = (await sys.port_allocate('receive', PORTMAP_NAME)).name!;
  const deaths = (await sys.port_allocate('receive', 'portmap.deaths')).name!;
  const set = (await sys.port_allocate('port-set', 'portmap.in')).name!;
  await sys.port_set_qlimit(service, 64);
  await sys.port_move_member(service, set);
  await sys.port_move_member(deaths, set);
  return { service, deaths, set };
}
