/**
 * ONC RPC on xmach (the `xmach/rpc` entry): interfaces as data, client and
 * server stubs made from them at run time, XDR marshalling (RFC 4506), RFC
 * 5531 messages over a transport seam (Mach ports today), the three failure
 * semantics, the matchmaker (port mapper), and a link with seeded loss and
 * duplication.
 *
 * @example
 * import { defineProgram, implement, portmapDaemon, rpcConnect, rpcServer, xdr } from './servers/rpc/index.ts';
 * const ECHO = defineProgram({ name: 'ECHO', program: 0x20000099, version: 1, procedures: { upper: { proc: 1, args: xdr.string(), result: xdr.string() } } });
 * k.spawn('portmap', portmapDaemon, { daemon: true });
 * k.spawn('echo', (sys) => rpcServer(sys, [implement(ECHO, { upper: (s) => s.toUpperCase() })]), { daemon: true });
 * k.spawn('client', async (sys) => {
 *   const c = await rpcConnect(sys, ECHO, { waitMs: 50 });
 *   if (c.ok) sys.log((await c.client.upper('hi')).value); // HI
 * });
 */
export { decode, decodePartial, encode, hex, hostOrder, nativeBytes, xdr, XdrError, type Value, type XdrType } from './xdr.ts';
export { defineProgram, type ArgsOf, type CallOptions, type ProcedureDef, type Procedures, type ResultOf, type RpcFailure, type RpcProgram, type RpcResult, type Stub } from './interface.ts';
export {
  acceptStat,
  AUTH_NONE,
  callEncoder,
  callHead,
  AUTH_SYS,
  authsysParms,
  decodeMessage,
  encodeCall,
  encodeReply,
  hexId,
  isReplyTo,
  opaqueAuth,
  peekXid,
  RPC_VERS,
  rpcMsg,
  successOffset,
  type AcceptStat,
  type CallHead,
  type CallHeader,
  type ReplyOutcome,
  type RpcMsg,
} from './rpc-msg.ts';
export { DEFAULT_HISTORY_TTL, DEFAULT_TIMEOUT, DEFAULT_TRIES, RPC_ACK_PROC, RPC_ACK_PROG, RPC_ACK_VERS, SEMANTICS, type Semantics } from './semantics.ts';
export { machServerTransport, machTransport, RPC_MSG_ID, type Arrival, type RpcIncoming, type RpcPacket, type RpcRequest, type RpcServerTransport, type RpcTransport } from './transport.ts';
export { rpcClient, type ClientControls, type ClientStats, type RpcClient, type RpcClientOptions } from './client.ts';
export { implement, rpcServer, RpcServer, type Handler, type Handlers, type RpcContext, type RpcServerOptions, type RpcService, type ServerStats } from './server.ts';
export { after, History, type HistoryStats, type Seen } from './history.ts';
export { FIRST_ASSIGNED_PORT, IPPROTO_MACH, IPPROTO_TCP, IPPROTO_UDP, listFrom, listOf, mapping, PMAP, PMAP_PORT, pmaplist, PORTMAP_NAME, type Mapping, type PmapEntry } from './portmap-defs.ts';
export { pmapConnect, registerProgram, rpcConnect, type PmapClient, type PmapFailure, type RpcConnectOptions } from './pmap-client.ts';
export { portmapDaemon, type PortmapOptions } from './matchmaker.ts';
export { lossyLink, type LinkOptions, type LinkStats } from './link.ts';
