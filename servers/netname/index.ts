/**
 * The name service as a server task (the `netname` of Mach, served by a task that holds the
 * bootstrap port; for hosts booted with `nameService: 'task'`): the server, and what a server
 * needs to check in again after the name server restarts. The client calls are the ordinary
 * `sys.netname_*` stubs.
 *
 * @example
 * import { nameServer } from './servers/netname/index.ts';
 * const k = boot({ nameService: 'task' });
 * k.spawn('netname', nameServer(), { daemon: true });
 */
export { NAME_SERVER_NAME, NETNAME_IDS, nameServer, type NameServerOptions } from './server.ts';
export { keepCheckedIn, watchNameServer } from './client.ts';
