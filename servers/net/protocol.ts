/**
 * The socket interface's numbers: address family, socket types, the request ids the network
 * server answers (the reply is id + 100), and what counts as a multicast group.
 */

/** The address family (IPv4). */
export const AF_INET = 2;
/** A TCP socket: a reliable byte stream. */
export const SOCK_STREAM = 1;
/** A UDP socket: datagrams. */
export const SOCK_DGRAM = 2;

/** Request ids of the socket interface (reply: id + 100). */
export const NET_IDS = {
  socket: 5200,
  bind: 5201,
  sendto: 5202,
  recvfrom: 5203,
  close: 5204,
  listen: 5205,
  accept: 5206,
  connect: 5207,
  send: 5208,
  recv: 5209,
  shutdown: 5210,
  joinGroup: 5211,
  leaveGroup: 5212,
  /** A send right to the socket's own port, which speaks the IO protocol (servers/pipe/defs.ts): the socket as a descriptor. */
  ioPort: 5213,
} as const;

/** The id a packet arrives with on the device port (the kernel's NET_PACKET_ID). */
export const PACKET = 4150;

/** Whether addr is an IPv4 multicast group (224.0.0.0/4), as the wire decides it. */
export function isMulticast(addr: unknown): boolean {
  if (typeof addr !== 'string' || !/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return false;
  const first = Number(addr.split('.')[0]);
  return first >= 224 && first <= 239;
}
