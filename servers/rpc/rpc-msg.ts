/**
 * ONC RPC messages (RFC 5531 §9), written as XDR descriptors: the call and
 * reply headers every RPC message starts with, the authentication bodies,
 * and the accept and reject states. A call's arguments and a successful
 * reply's results follow the header in the same byte stream (the RFC's
 * `opaque results[0]`): `encodeCall` and `encodeReply` write header and
 * body in one pass; `decodeMessage` reads the header and says where the
 * body starts.
 *
 * @example
 * const bytes = encodeCall({ xid: 7, prog: 100000, vers: 2, proc: 0 }, xdr.void, undefined);
 * const m = decodeMessage(bytes); // { xid: 7, body: { tag: 'CALL', value: { rpcvers: 2, … } }, offset: 40 }
 */
import { decodePartial, encode, xdr, type Value, type XdrType } from './xdr.ts';

/** The RPC protocol version this implementation speaks (RFC 5531 §8). */
export const RPC_VERS = 2;

/** Authentication flavors (RFC 5531 §8.2): an open registry, so carried as an unsigned. */
export const AUTH_NONE = 0;
export const AUTH_SYS = 1;

/** `enum accept_stat`: what an accepted call came to. */
export const acceptStat = xdr.enum({ SUCCESS: 0, PROG_UNAVAIL: 1, PROG_MISMATCH: 2, PROC_UNAVAIL: 3, GARBAGE_ARGS: 4, SYSTEM_ERR: 5 });
/** `enum auth_stat` (RFC 5531 §9). */
export const authStat = xdr.enum({
  AUTH_OK: 0, AUTH_BADCRED: 1, AUTH_REJECTEDCRED: 2, AUTH_BADVERF: 3, AUTH_REJECTEDVERF: 4, AUTH_TOOWEAK: 5,
  AUTH_INVALIDRESP: 6, AUTH_FAILED: 7, AUTH_KERB_GENERIC: 8, AUTH_TIMEEXPIRE: 9, AUTH_TKT_FILE: 10, AUTH_DECODE: 11, AUTH_NET_ADDR: 12,
  RPCSEC_GSS_CREDPROBLEM: 13, RPCSEC_GSS_CTXPROBLEM: 14,
});
export type AcceptStat = Value<typeof acceptStat>;
export type AuthStat = Value<typeof authStat>;

/** `struct opaque_auth`: a flavor and up to 400 bytes of credential or verifier. */
export const opaqueAuth = xdr.struct([['flavor', xdr.unsigned], ['body', xdr.varOpaque(400)]]);
export type OpaqueAuth = Value<typeof opaqueAuth>;

/** `struct authsys_parms` (RFC 5531 §A.1), the body of an AUTH_SYS credential. */
export const authsysParms = xdr.struct([
  ['stamp', xdr.unsigned],
  ['machinename', xdr.string(255)],
  ['uid', xdr.unsigned],
  ['gid', xdr.unsigned],
  ['gids', xdr.varArray(xdr.unsigned, 16)],
]);
export type AuthsysParms = Value<typeof authsysParms>;

const mismatchInfo = xdr.struct([['low', xdr.unsigned], ['high', xdr.unsigned]]);

/** `struct call_body`; the procedure's arguments follow it. */
export const callBody = xdr.struct([
  ['rpcvers', xdr.unsigned],
  ['prog', xdr.unsigned],
  ['vers', xdr.unsigned],
  ['proc', xdr.unsigned],
  ['cred', opaqueAuth],
  ['verf', opaqueAuth],
]);

/** `struct accepted_reply`; on SUCCESS the results follow it. */
export const acceptedReply = xdr.struct([
  ['verf', opaqueAuth],
  ['reply_data', xdr.union(acceptStat, { SUCCESS: xdr.void, PROG_MISMATCH: mismatchInfo }, xdr.void)],
]);

/** `union rejected_reply switch (reject_stat stat)`. */
export const rejectedReply = xdr.union(xdr.enum({ RPC_MISMATCH: 0, AUTH_ERROR: 1 }), { RPC_MISMATCH: mismatchInfo, AUTH_ERROR: authStat });

/** `union reply_body switch (reply_stat stat)`. */
export const replyBody = xdr.union(xdr.enum({ MSG_ACCEPTED: 0, MSG_DENIED: 1 }), { MSG_ACCEPTED: acceptedReply, MSG_DENIED: rejectedReply });

/** `struct rpc_msg`: a transaction id and a call or a reply. */
export const rpcMsg = xdr.struct([['xid', xdr.unsigned], ['body', xdr.union(xdr.enum({ CALL: 0, REPLY: 1 }), { CALL: callBody, REPLY: replyBody })]]);
export type RpcMsg = Value<typeof rpcMsg>;
export type CallBody = Value<typeof callBody>;
export type ReplyBody = Value<typeof replyBody>;

/** The AUTH_NONE credential or verifier (shared, never written). */
export const NO_AUTH: OpaqueAuth = Object.freeze({ flavor: AUTH_NONE, body: new Uint8Array(0) }) as OpaqueAuth;

/** A call's header fields besides the constants. */
export interface CallHeader {
  xid: number;
  prog: number;
  vers: number;
  proc: number;
  cred?: OpaqueAuth;
}

/** Header and body as one struct, per body type (so a message is one encode pass, one allocation). */
const framed = new WeakMap<XdrType<any>, XdrType<any>>();
function frame(body: XdrType<any>): XdrType<any> {
  let t = framed.get(body);
  if (!t) framed.set(body, (t = xdr.struct([['msg', rpcMsg], ['body', body]])));
  return t;
}

/**
 * Encodes a CALL message: the header (rpcvers 2, AUTH_NONE verifier) and
 * then `args` as XDR type `argType`. Returns the bytes. Throws XdrError
 * (path `body…` for the arguments) when a field does not fit its type.
 *
 * @example
 * hex(encodeCall({ xid: 1, prog: 100000, vers: 2, proc: 0 }, xdr.void, undefined)).slice(0, 23); // '00 00 00 01 | 00 00 00 00'
 */
export function encodeCall<T extends XdrType<any>>(h: CallHeader, argType: T, args: Value<T>): Uint8Array {
  const msg: RpcMsg = {
    xid: h.xid,
    body: { tag: 'CALL', value: { rpcvers: RPC_VERS, prog: h.prog, vers: h.vers, proc: h.proc, cred: h.cred ?? NO_AUTH, verf: NO_AUTH } },
  };
  return encode(frame(argType), { msg, body: args });
}

/**
 * Returns an encoder of CALLs for one client: program, version and
 * credential fixed, the header objects made once and reused (a client makes
 * one call at a time). Each call of the encoder returns new bytes, as
 * `encodeCall` would. Throws XdrError as `encodeCall` does.
 *
 * @example
 * const enc = callEncoder(0x20000001, 1, NO_AUTH);
 * enc(7, 1, xdr.int, 42); // the same bytes as encodeCall({ xid: 7, prog: 0x20000001, vers: 1, proc: 1 }, xdr.int, 42)
 */
export function callEncoder(prog: number, vers: number, cred: OpaqueAuth): <T extends XdrType<any>>(xid: number, proc: number, argType: T, args: Value<T>) => Uint8Array {
  const call = { rpcvers: RPC_VERS, prog, vers, proc: 0, cred, verf: NO_AUTH };
  const msg = { xid: 0, body: { tag: 'CALL' as const, value: call } };
  const framedValue: { msg: RpcMsg; body: unknown } = { msg, body: undefined };
  return (xid, proc, argType, args) => {
    msg.xid = xid;
    call.proc = proc;
    framedValue.body = args;
    try {
      return encode(frame(argType), framedValue);
    } finally {
      framedValue.body = undefined;
    }
  };
}

/**
 * Where the results of a successful reply with an AUTH_NONE verifier start
 * (24: xid, REPLY, MSG_ACCEPTED, flavor 0, length 0, SUCCESS), or -1 for any
 * other reply (then decode it with `decodeMessage`). The common case read by
 * hand, as RPC libraries do; never throws.
 *
 * @example
 * successOffset(encodeReply(9, { stat: 'SUCCESS', type: xdr.int, result: 1 })); // 24
 * successOffset(encodeReply(9, { stat: 'PROC_UNAVAIL' }));                      // -1
 */
export function successOffset(bytes: Uint8Array): number {
  if (bytes.length < 24 || word(bytes, 4) !== 1) return -1;
  for (let i = 8; i < 24; i++) if (bytes[i] !== 0) return -1;
  return 24;
}

/** The big-endian unsigned word at offset i (the caller checks the length). */
const word = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/** A call's header fields, as `callHead` reads them. */
export interface CallHead {
  xid: number;
  prog: number;
  vers: number;
  proc: number;
  /** Where the arguments start. */
  offset: number;
}

/**
 * Reads the header of a CALL of RPC version 2 whose credential and verifier
 * are both AUTH_NONE (40 bytes), or returns null for anything else (then
 * decode it with `decodeMessage`): the common case read by hand. Never throws.
 *
 * @example
 * callHead(encodeCall({ xid: 7, prog: 100000, vers: 2, proc: 3 }, xdr.void, undefined)); // { xid: 7, prog: 100000, vers: 2, proc: 3, offset: 40 }
 */
export function callHead(bytes: Uint8Array): CallHead | null {
  if (bytes.length < 40 || word(bytes, 4) !== 0 || word(bytes, 8) !== RPC_VERS) return null;
  for (let i = 24; i < 40; i++) if (bytes[i] !== 0) return null;
  return { xid: word(bytes, 0), prog: word(bytes, 12), vers: word(bytes, 16), proc: word(bytes, 20), offset: 40 };
}

/** A reply as the server stub makes it: results on SUCCESS, low/high on a mismatch, an auth_stat on AUTH_ERROR. */
export type ReplyOutcome =
  | { stat: 'SUCCESS'; type: XdrType<any>; result: unknown }
  | { stat: 'PROG_MISMATCH'; low: number; high: number }
  | { stat: 'PROG_UNAVAIL' | 'PROC_UNAVAIL' | 'GARBAGE_ARGS' | 'SYSTEM_ERR' }
  | { stat: 'RPC_MISMATCH'; low: number; high: number }
  | { stat: 'AUTH_ERROR'; why: AuthStat };

/**
 * Encodes a REPLY to transaction `xid`: accepted (SUCCESS with the results,
 * PROG_MISMATCH with the versions served, or another accept_stat) or denied
 * (RPC_MISMATCH, AUTH_ERROR). Returns the bytes; throws XdrError when
 * results do not fit their type.
 *
 * @example
 * encodeReply(9, { stat: 'PROC_UNAVAIL' }).length; // 24: xid, REPLY, MSG_ACCEPTED, verifier (2 words), PROC_UNAVAIL
 */
export function encodeReply(xid: number, o: ReplyOutcome): Uint8Array {
  if (o.stat === 'SUCCESS') {
    // The common case: one header, made once and reused (encoding is synchronous).
    success.msg.xid = xid;
    success.body = o.result;
    try {
      return encode(frame(o.type), success);
    } finally {
      success.body = undefined;
    }
  }
  let body: ReplyBody;
  if (o.stat === 'RPC_MISMATCH') body = { tag: 'MSG_DENIED', value: { tag: 'RPC_MISMATCH', value: { low: o.low, high: o.high } } };
  else if (o.stat === 'AUTH_ERROR') body = { tag: 'MSG_DENIED', value: { tag: 'AUTH_ERROR', value: o.why } };
  else {
    const data =
      o.stat === 'PROG_MISMATCH' ? { tag: 'PROG_MISMATCH' as const, value: { low: o.low, high: o.high } } : { tag: o.stat, value: undefined };
    body = { tag: 'MSG_ACCEPTED', value: { verf: NO_AUTH, reply_data: data as Value<typeof acceptedReply>['reply_data'] } };
  }
  return encode(rpcMsg, { xid, body: { tag: 'REPLY', value: body } });
}

/** The header of every SUCCESS reply, reused by encodeReply. */
const success: { msg: RpcMsg; body: unknown } = {
  msg: { xid: 0, body: { tag: 'REPLY', value: { tag: 'MSG_ACCEPTED', value: { verf: NO_AUTH, reply_data: { tag: 'SUCCESS', value: undefined } } } } },
  body: undefined,
};

/**
 * Decodes an RPC message header from `bytes`. Returns the header and the
 * offset where the arguments (of a call) or results (of a successful
 * reply) start. Throws XdrError for bytes that are not an RPC message.
 *
 * @example
 * const { msg, offset } = decodeMessage(bytes);
 * if (msg.body.tag === 'CALL') decode(argType, bytes.subarray(offset));
 */
export function decodeMessage(bytes: Uint8Array): { msg: RpcMsg; offset: number } {
  const { value, offset } = decodePartial(rpcMsg, bytes);
  return { msg: value, offset };
}

/**
 * Reads just the transaction id and the message type of `bytes` (the first
 * two words), or null when there are fewer than 8 bytes or the type is
 * neither CALL (0) nor REPLY (1). Never throws.
 *
 * @example
 * peekXid(encodeReply(9, { stat: 'PROC_UNAVAIL' })); // { xid: 9, type: 'REPLY' }
 */
export function peekXid(bytes: Uint8Array): { xid: number; type: 'CALL' | 'REPLY' } | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) return null;
  const type = word(bytes, 4);
  if (type > 1) return null;
  return { xid: word(bytes, 0), type: type === 0 ? 'CALL' : 'REPLY' };
}

/**
 * True when `bytes` are the REPLY to transaction `xid` (the first two words). Never throws.
 *
 * @example
 * isReplyTo(encodeReply(9, { stat: 'PROC_UNAVAIL' }), 9); // true
 */
export function isReplyTo(bytes: Uint8Array, xid: number): boolean {
  return bytes.length >= 8 && word(bytes, 0) === xid >>> 0 && word(bytes, 4) === 1;
}

/** An xid as traces show it: 8 hex digits. @example hexId(255); // '000000ff' */
export const hexId = (xid: number): string => (xid >>> 0).toString(16).padStart(8, '0');
