/**
 * Phase 1's module, kept so its imports keep working: the network server (now server.ts, UDP
 * and TCP), the client stubs (client.ts) and the socket numbers (protocol.ts).
 *
 * @example
 * import { AF_INET, SOCK_DGRAM, netServer, sockets } from './udp.ts';
 */
export { AF_INET, NET_IDS, SOCK_DGRAM, SOCK_STREAM } from './protocol.ts';
export { netServer } from './server.ts';
export { sockets } from './client.ts';
