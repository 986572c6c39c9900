/**
 * The network on xmach (the `xmach/net` entry): each host's network server, a
 * task that owns its host's device and serves UDP sockets through ports, its
 * client stubs, and the socket errnos.
 *
 * @example
 * import { AF_INET, SOCK_DGRAM, netServer, sockets } from './servers/net/index.ts';
 * k.host('161.25.19.8').spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
 * const net = sockets(sys); const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
 */
export { AF_INET, NET_IDS, SOCK_DGRAM, netServer, sockets } from './udp.ts';
export { EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, netErrnoName } from './errno.ts';
export { EPHEMERAL_FIRST, EPHEMERAL_LAST, PRIVILEGED_BELOW } from './udp-ports.ts';
