/**
 * Mach ports across hosts (the `xmach/netmsg` entry): each host's NetMsgServer, a task that
 * forwards messages sent to proxies of remote ports over UDP, moves rights across hosts, and
 * turns a dead or unreachable host's ports into dead names.
 *
 * @example
 * import { netMsgServer } from './servers/netmsg/index.ts';
 * k.spawn('netmsgserver', netMsgServer({ import: [{ name: 'echo', from: '161.25.19.8' }] }), { daemon: true });
 */
export { NETMSG_IDS, netMsgServer, netmsgClient, type NetMsgOptions } from './server.ts';
export { NETMSG_UDP_PORT, NETNAME_HOST_NOT_FOUND, NETNAME_NO_SUCH_HOST, type NetPort, type Payload, type WireRight } from './protocol.ts';
export { Channel, type Frame } from './channel.ts';
