/**
 * The network on xmach (the `xmach/net` entry): each host's network server, a task that owns
 * its host's device and serves UDP (with multicast) and TCP sockets through ports, its client
 * stubs, and the socket errnos.
 *
 * @example
 * import { AF_INET, SOCK_STREAM, netServer, sockets } from './servers/net/index.ts';
 * k.host('161.25.19.8').spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
 * const net = sockets(sys); const { fd } = await net.socket(AF_INET, SOCK_STREAM);
 */
export { AF_INET, NET_IDS, SOCK_DGRAM, SOCK_STREAM, isMulticast } from './protocol.ts';
export { netServer } from './server.ts';
export { sockets } from './client.ts';
export { adoptSocket } from './socket-fd.ts';
export { MSS, MSS_LOOPBACK, RETRIES, RTO_INITIAL, RTO_MAX, SHUT_RD, SHUT_RDWR, SHUT_WR, TIME_WAIT, type TcpHeader } from './tcp.ts';
export {
  EADDRINUSE,
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  EALREADY,
  ECONNREFUSED,
  EDESTADDRREQ,
  ECONNRESET,
  EISCONN,
  ENOTCONN,
  EOPNOTSUPP,
  ETIMEDOUT,
  netErrnoName,
} from './errno.ts';
export { EPHEMERAL_FIRST, EPHEMERAL_LAST, PRIVILEGED_BELOW } from './udp-ports.ts';
