/**
 * An RPC interface as TypeScript data: what rpcgen's `.x` program block,
 * MIDL's interface or MIG's `.defs` says — a program number, a version, and
 * procedures with XDR argument and result types. Client and server stubs are
 * made from it at run time (`rpcClient`, `rpcServer`), typed from the same
 * data: no generated files to keep in step.
 *
 *   program BANK_PROG {                        defineProgram({
 *     version BANK_V1 {                          name: 'BANK', program: 0x20000001, version: 1,
 *       balance_res DEPOSIT(deposit_args) = 1;   procedures: { deposit: { proc: 1, args: depositArgs, result: balanceRes },
 *       balance_res BALANCE(string) = 2;                       balance: { proc: 2, args: xdr.string(32), result: balanceRes } },
 *     } = 1;                                   });
 *   } = 0x20000001;
 */
import type { ReceivedRight, RightToSend } from '../../ports/message.ts';
import type { AuthStat } from './rpc-msg.ts';
import type { Value, XdrType } from './xdr.ts';

/** One procedure: its number and the XDR types of its argument and result. */
export interface ProcedureDef<A extends XdrType<any> = XdrType<any>, R extends XdrType<any> = XdrType<any>> {
  readonly proc: number;
  readonly args: A;
  readonly result: R;
}

/** Procedures by name. */
export type Procedures = Readonly<Record<string, ProcedureDef<any, any>>>;

/** A program version: what a client is made for and what a server serves. */
export interface RpcProgram<P extends Procedures = Procedures> {
  readonly name: string;
  readonly program: number;
  readonly version: number;
  readonly procedures: P;
  /** Procedure name by number (made by defineProgram). */
  readonly byNumber: ReadonlyMap<number, string>;
}

/** The TypeScript type of a procedure's argument. */
export type ArgsOf<D> = D extends ProcedureDef<infer A, any> ? Value<A> : never;
/** The TypeScript type of a procedure's result. */
export type ResultOf<D> = D extends ProcedureDef<any, infer R> ? Value<R> : never;

/** Why a call failed: the server's answer (RFC 5531 accept and reject states) or the client's own (Sun RPC's clnt_stat names). */
export type RpcFailure =
  | 'PROG_UNAVAIL' // the server does not serve this program
  | 'PROG_MISMATCH' // … nor this version of it (low and high: the versions it serves)
  | 'PROC_UNAVAIL' // … nor this procedure
  | 'GARBAGE_ARGS' // the server could not decode the arguments
  | 'SYSTEM_ERR' // the procedure failed on the server (it threw, or its result did not fit the type)
  | 'RPC_MISMATCH' // the server does not speak RPC version 2 (low and high)
  | 'AUTH_ERROR' // the credential was refused (why)
  | 'RPC_TIMEDOUT' // no reply after every try
  | 'RPC_CANTSEND' // the transport could not send (code: why, e.g. MACH_SEND_INVALID_DEST when the server is gone)
  | 'RPC_CANTRECV' // the transport could not receive (code)
  | 'RPC_CANTENCODEARGS' // the arguments do not fit their XDR type (detail names the field)
  | 'RPC_CANTDECODERES' // the reply's bytes did not decode
  | 'RPC_PROGNOTREGISTERED' // the matchmaker knows no server for this program and version
  | 'RPC_PMAPFAILURE' // the matchmaker refused (SET: this program and version are registered already)
  | 'RPC_CLOSED'; // the client was closed

/** What a stub call resolves to. Never throws. */
export type RpcResult<T> =
  | { ok: true; value: T; xid: number; tries: number; rights: ReceivedRight[] }
  | {
      ok: false;
      stat: RpcFailure;
      xid: number;
      tries: number;
      /** PROG_MISMATCH, RPC_MISMATCH: the lowest and highest versions the server supports. */
      low?: number;
      high?: number;
      /** AUTH_ERROR: why. */
      why?: AuthStat;
      /** RPC_CANTSEND, RPC_CANTRECV: the transport's code (a Mach code over Mach ports). */
      code?: number;
      /** In words. */
      detail: string;
    };

/** Per-call options of a stub. */
export interface CallOptions {
  /** Port rights to carry beside the bytes (Mach transport only; the matchmaker's SET carries the server's port). */
  rights?: RightToSend[];
  /** This call's timeout per try, ms (default: the client's). */
  timeout?: number;
}

/** A typed stub: the argument may be left out when the procedure takes `void`. */
export type Stub<D> = [ArgsOf<D>] extends [undefined]
  ? (args?: undefined, opts?: CallOptions) => Promise<RpcResult<ResultOf<D>>>
  : (args: ArgsOf<D>, opts?: CallOptions) => Promise<RpcResult<ResultOf<D>>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isU32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;

/**
 * Describes a program version. Returns the description (frozen) with a
 * number → name index. Throws an Error for a program or version that is not
 * a 32-bit unsigned, a procedure number that is 0 (the NULL procedure every
 * server answers: `client.$ping()`), repeated or not unsigned, a procedure
 * name that is not an identifier or starts with `$` (the client's own
 * methods), or a missing XDR type.
 *
 * @example
 * const BANK = defineProgram({
 *   name: 'BANK', program: 0x20000001, version: 1,
 *   procedures: {
 *     deposit: { proc: 1, args: xdr.struct([['account', xdr.string(32)], ['amount', xdr.int]]), result: xdr.hyper },
 *   },
 * });
 * // a client: (await client.deposit({ account: 'ada', amount: 10 })).value is a bigint
 */
export function defineProgram<const P extends Procedures>(def: { name: string; program: number; version: number; procedures: P }): RpcProgram<P> {
  const where = `program ${def.name}`;
  if (!isU32(def.program)) throw new Error(`${where}: program number must be a 32-bit unsigned, got ${String(def.program)}`);
  if (!isU32(def.version)) throw new Error(`${where}: version must be a 32-bit unsigned, got ${String(def.version)}`);
  const byNumber = new Map<number, string>();
  for (const [name, p] of Object.entries(def.procedures)) {
    if (!NAME.test(name)) throw new Error(`${where}: procedure name ${JSON.stringify(name)} must be an identifier not starting with $`);
    if (!isU32(p.proc) || p.proc === 0) throw new Error(`${where}: procedure ${name} needs a number from 1 to 2^32-1 (0 is NULL), got ${String(p.proc)}`);
    if (byNumber.has(p.proc)) throw new Error(`${where}: procedures ${byNumber.get(p.proc)} and ${name} both have number ${p.proc}`);
    if (!p.args?.kind || !p.result?.kind) throw new Error(`${where}: procedure ${name} needs XDR descriptors for args and result`);
    byNumber.set(p.proc, name);
  }
  return Object.freeze({ name: def.name, program: def.program, version: def.version, procedures: def.procedures, byNumber });
}
