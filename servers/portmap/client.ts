/**
 * Talking to a host's port mapper over the network, and serving RPC over UDP with it:
 * `pmapAt` (a PMAP client of host:111 over UDP), `pmapLoadAt` (its PMAPLOAD), `udpConnect`
 * (GETPORT on host, then a client of the answer over UDP), and `udpRpcServer` (a server on a
 * UDP port that registers with its own host's mapper over Mach, a send right beside each SET
 * so that its death deregisters it).
 */
import type { Sys } from '../../syscalls/sys.ts';
import { rpcClient, type RpcClient, type RpcClientOptions } from '../rpc/client.ts';
import type { Procedures, RpcProgram } from '../rpc/interface.ts';
import { pmapConnect, type PmapClient, type PmapFailure } from '../rpc/pmap-client.ts';
import { IPPROTO_UDP, PMAP, PMAP_PORT } from '../rpc/portmap-defs.ts';
import { RpcServer, type RpcService, type RpcServerOptions } from '../rpc/server.ts';
import { netErrnoName } from '../net/errno.ts';
import { PMAPLOAD } from './defs.ts';
import { UdpSocket, udpServerTransport, udpTransport } from './udp-transport.ts';

/** Options of a client over UDP: the client's, without port and transport. */
export type UdpClientOptions = Omit<RpcClientOptions, 'port' | 'transport'>;

/**
 * A client of the port mapper at `host` (UDP port 111): set, unset, getport, dump, each one
 * datagram and its reply (default: 20 ms a try, 3 tries). Never throws.
 *
 * @example
 * const pm = pmapAt(sys, '161.25.19.8');
 * const r = await pm.getport({ prog: 0x20000042, vers: 1, prot: IPPROTO_UDP, port: 0 }); // { ok: true, value: 2001 }
 */
export function pmapAt(sys: Sys, host: string, opts: UdpClientOptions = {}): PmapClient {
  return rpcClient(sys, PMAP, { timeout: 20, tries: 3, ...opts, transport: udpTransport(sys, host, PMAP_PORT) });
}

/** A client of the mapper's PMAPLOAD program at `host` (report, loads) over UDP. */
export function pmapLoadAt(sys: Sys, host: string, opts: UdpClientOptions = {}): RpcClient<(typeof PMAPLOAD)['procedures']> {
  return rpcClient(sys, PMAPLOAD, { timeout: 20, tries: 3, ...opts, transport: udpTransport(sys, host, PMAP_PORT) });
}

/**
 * Asks the mapper at `host` for a UDP server of `program` (GETPORT), then makes a client of it
 * over UDP. Resolves to `{ ok: true, client, port }` or a failure: the mapper's call failed
 * (RPC_TIMEDOUT when it does not answer), or RPC_PROGNOTREGISTERED (GETPORT answered 0).
 * Close the client when done (its socket).
 *
 * @example
 * const c = await udpConnect(sys, '161.25.19.8', ECHO, { timeout: 30, tries: 1 });
 * if (c.ok) await c.client.upper('hi');
 */
export async function udpConnect<P extends Procedures>(
  sys: Sys,
  host: string,
  program: RpcProgram<P>,
  opts: UdpClientOptions = {},
): Promise<{ ok: true; client: RpcClient<P>; port: number } | PmapFailure> {
  const pm = pmapAt(sys, host);
  const r = await pm.getport({ prog: program.program, vers: program.version, prot: IPPROTO_UDP, port: 0 });
  await pm.$close();
  if (!r.ok) return { ok: false, stat: r.stat, detail: `the port mapper at ${host}: ${r.detail}` };
  if (r.value === 0) return { ok: false, stat: 'RPC_PROGNOTREGISTERED', detail: `${program.name} version ${program.version} is not registered at ${host}` };
  return { ok: true, client: rpcClient(sys, program, { ...opts, transport: udpTransport(sys, host, r.value) }), port: r.value };
}

/** Options of `udpRpcServer`. */
export interface UdpRpcServerOptions extends Omit<RpcServerOptions, 'port' | 'transport' | 'register' | 'advertise'> {
  /** The UDP port to serve on. */
  port: number;
  /** Register with the host's port mapper (default true). */
  register?: boolean;
  /** Given the server before it serves (its stats). */
  onReady?: (server: RpcServer) => void;
}

/**
 * Serves `services` on UDP `opts.port` until the task ends: binds the port, registers each
 * program with this host's port mapper over Mach (SET of (prog, vers, IPPROTO_UDP, port) with
 * a send right to a port of this task's, `rpc.<NAME>.life`: when the task dies the port dies,
 * and the mapper drops the registrations), then answers calls. Resolves to 1, logged, when the
 * port cannot be bound (the errno) or a SET fails (the mapper is unreachable or refused).
 *
 * @example
 * k.host(B).spawn('echo-1', (sys) => udpRpcServer(sys, [implement(ECHO, handlers)], { port: 2001 }), { daemon: true });
 */
export async function udpRpcServer(sys: Sys, services: readonly RpcService[], opts: UdpRpcServerOptions): Promise<number> {
  const { port, register, onReady, ...rest } = opts;
  const open = await UdpSocket.open(sys, port);
  if (!open.socket) {
    sys.log(`cannot bind UDP port ${port}: ${netErrnoName(open.code)}`);
    return 1;
  }
  const server = new RpcServer(sys, services, { ...rest, transport: udpServerTransport(open.socket) });
  if (register !== false) {
    const life = (await sys.port_allocate('receive', `rpc.${services[0]!.program.name}.life`)).name!;
    const pm = await pmapConnect(sys);
    if (!pm.ok) {
      sys.log(`no port mapper on this host: ${pm.detail}`);
      await open.socket.close();
      return 1;
    }
    for (const s of services) {
      const r = await pm.client.set({ prog: s.program.program, vers: s.program.version, prot: IPPROTO_UDP, port }, { rights: [{ name: life, disposition: 'make-send' }] });
      if (!r.ok || !r.value) {
        sys.log(`${s.program.name}: registration with the port mapper failed: ${r.ok ? 'refused' : r.detail}`);
        await pm.client.$close();
        await open.socket.close();
        return 1;
      }
    }
    await pm.client.$close();
  }
  onReady?.(server);
  return server.serve();
}
