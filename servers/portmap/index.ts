/**
 * The port mapper per host on UDP port 111 (rpcbind v2, RFC 1833), with load balancing
 * (round robin, least loaded) and failover (dead-name notifications; leases for registrations
 * without a right), and ONC RPC over UDP: the `RpcTransport` seam over the host's network
 * server's sockets.
 *
 * @example
 * import { portmapper, udpConnect, udpRpcServer } from './servers/portmap/index.ts';
 * k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
 * k.host(B).spawn('portmapper', portmapper({ balance: 'round-robin' }), { daemon: true });
 * k.host(B).spawn('echo-1', (sys) => udpRpcServer(sys, [implement(ECHO, handlers)], { port: 2001 }), { daemon: true });
 * k.spawn('client', async (sys) => { const c = await udpConnect(sys, B, ECHO); if (c.ok) await c.client.upper('hi'); });
 */
export { portmapper, type PortmapperOptions, type PortmapperState } from './server.ts';
export { PortmapTable, BALANCES, type Balance, type Registration, type SetResult } from './table.ts';
export { PMAPLOAD, PMAP_PORT, loadEntry, loadReport, type LoadEntry } from './defs.ts';
export { pmapAt, pmapLoadAt, udpConnect, udpRpcServer, type UdpClientOptions, type UdpRpcServerOptions } from './client.ts';
export { openUdpSocket, UdpSocket, udpServerTransport, udpTransport, type Datagram, type UdpArrival, type UdpFrom } from './udp-transport.ts';
