/**
 * Windows ALPC on xmach (the `xmach/alpc` entry): a named server connection
 * port, connection requests, a private pair of communication ports per
 * connection, requests with replies, datagrams, callbacks, and large
 * messages through shared sections (kernel memory regions). Local only:
 * another host is refused with STATUS_NOT_SUPPORTED.
 *
 * @example
 * import { alpcConnect, alpcCreatePort, STATUS_SUCCESS } from './servers/alpc/index.ts';
 * k.spawn('server', async (sys) => {
 *   const { port } = await alpcCreatePort(sys, '\\RPC Control\\Echo');
 *   for (;;) {
 *     const ev = await port!.receive();
 *     if (ev.kind === 'connect') await port!.accept(ev.request);
 *     if (ev.kind === 'request') await ev.conn.reply(ev.message, ev.message.data);
 *   }
 * }, { daemon: true });
 * k.spawn('client', async (sys) => {
 *   const c = await alpcConnect(sys, '\\RPC Control\\Echo', { wait: true });
 *   const r = await c.port!.sendWaitReceive(new Uint8Array([1, 2, 3])); // r.message.data: 01 02 03
 * });
 */
export * from './status.ts';
export { ALPC_CONNECT_ID, ALPC_INLINE_LIMIT, ALPC_MAX_MESSAGE, ALPC_MESSAGE_ID, type AlpcMessage, type AlpcStats } from './channel.ts';
export { alpcCreatePort, AlpcConnection, AlpcServerPort, type AlpcEvent, type AlpcPortOptions, type ConnectionRequest } from './server.ts';
export { alpcConnect, AlpcClientPort, LOCAL_HOSTS, type AlpcConnectOptions, type AlpcConnectResult } from './client.ts';
