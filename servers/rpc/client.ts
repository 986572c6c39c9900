/**
 * The client stub, made at run time from a program's description: one
 * typed method per procedure. A call marshals the arguments with XDR,
 * frames them as an RFC 5531 CALL with a transaction id, sends it through
 * the transport, waits for the REPLY with the same xid (retransmitting on
 * time-out as the client's failure semantics say), and unmarshals the
 * result. It resolves to `{ ok: true, value }` or `{ ok: false, stat }`,
 * never throws.
 */
import type { Sys } from '../../syscalls/sys.ts';
import type { CallOptions, Procedures, RpcFailure, RpcProgram, RpcResult, Stub } from './interface.ts';
import { AUTH_SYS, authsysParms, callEncoder, decodeMessage, hexId, isReplyTo, NO_AUTH, peekXid, successOffset, type OpaqueAuth } from './rpc-msg.ts';
import { DEFAULT_TIMEOUT, DEFAULT_TRIES, RPC_ACK_PROC, RPC_ACK_PROG, RPC_ACK_VERS, type Semantics } from './semantics.ts';
import { machTransport, type RpcIncoming, type RpcTransport } from './transport.ts';
import { decodePartial, encode, hex, nativeBytes, xdr, XdrError, type XdrType } from './xdr.ts';

/** Options of `rpcClient`. */
export interface RpcClientOptions {
  /** A send right to the server's port (a Mach transport is made over it). */
  port?: number;
  /** Or a transport of your own (a later UDP or TCP one). */
  transport?: RpcTransport;
  /** Failure semantics (default 'at-least-once', as plain ONC RPC over UDP). */
  semantics?: Semantics;
  /** ms to wait for a reply before a try counts as lost (default 10). */
  timeout?: number;
  /** Tries per call, the first included (default by semantics: 5, 1, 50). */
  tries?: number;
  /** This host's byte order, for the byte-order display (default 'little', as x86 and ARM run). */
  byteOrder?: 'big' | 'little';
  /** Log each call's arguments as the host holds them and as XDR bytes (the course's endianness point). */
  showBytes?: boolean;
  /** Log each transmission, time-out and reply (for traces and diagrams). */
  log?: boolean;
  /** The machine name in the AUTH_SYS credential (default 'localhost'). */
  machinename?: string;
}

/** A client's running figures. */
export interface ClientStats {
  calls: number;
  /** Transmissions, retransmissions included. */
  sent: number;
  retransmissions: number;
  /** Tries that timed out. */
  timeouts: number;
  /** Replies that matched no call waiting (a duplicate, or the answer to a try given up on). */
  staleReplies: number;
  /** Acknowledgements sent (exactly-once). */
  acks: number;
  /** Calls that ended without a value. */
  failures: number;
}

/** What every client has besides its procedures (names start with `$`, which procedure names cannot). */
export interface ClientControls {
  readonly $program: RpcProgram;
  readonly $semantics: Semantics;
  readonly $stats: ClientStats;
  /** Calls procedure 0 (NULL), which every server answers: is it there? */
  $ping(opts?: CallOptions): Promise<RpcResult<undefined>>;
  /** Releases the return address; later calls fail with RPC_CLOSED. */
  $close(): Promise<void>;
}

/** A typed client of program P: `client.deposit(args)` → `Promise<RpcResult<result>>`. */
export type RpcClient<P extends Procedures> = { readonly [K in keyof P]: Stub<P[K]> } & ClientControls;

type Outcome = { ok: true; value: unknown; rights: RpcIncoming['rights'] } | { ok: false; stat: RpcFailure; extra?: object; detail: string };

/**
 * Makes a client of `program` for the task `sys`, over a Mach transport to
 * `opts.port` or over `opts.transport`. Draws its first xid and its session
 * stamp from the kernel's seeded generator (same seed, same xids). Throws an
 * Error when neither a port nor a transport is given, or tries/timeout are
 * not positive whole numbers.
 *
 * @example
 * const bank = rpcClient(sys, BANK, { port, semantics: 'exactly-once' });
 * const r = await bank.deposit({ account: 'ada', amount: 10 });
 * if (r.ok) sys.log(`balance ${r.value.balance}`); else sys.log(r.stat); // e.g. PROG_MISMATCH (r.low, r.high)
 */
export function rpcClient<P extends Procedures>(sys: Sys, program: RpcProgram<P>, opts: RpcClientOptions = {}): RpcClient<P> {
  const semantics = opts.semantics ?? 'at-least-once';
  if (!(semantics in DEFAULT_TRIES)) throw new Error(`rpcClient: semantics must be at-least-once, at-most-once or exactly-once, got ${String(semantics)}`);
  const tries = opts.tries ?? DEFAULT_TRIES[semantics];
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  if (!Number.isInteger(tries) || tries < 1) throw new Error(`rpcClient: tries must be a whole number ≥ 1, got ${tries}`);
  if (!(timeout > 0) || !Number.isFinite(timeout)) throw new Error(`rpcClient: timeout must be a positive number of ms, got ${timeout}`);
  if (!opts.transport && !(Number.isInteger(opts.port) && opts.port! > 0)) throw new Error('rpcClient: give a port (a send right to the server) or a transport');
  const transport = opts.transport ?? machTransport(sys, opts.port!);
  const order = opts.byteOrder ?? 'little';
  const stats: ClientStats = { calls: 0, sent: 0, retransmissions: 0, timeouts: 0, staleReplies: 0, acks: 0, failures: 0 };
  let xid = Math.floor(sys.random() * 0x1_0000_0000) >>> 0;
  const stamp = Math.floor(sys.random() * 0x1_0000_0000) >>> 0;
  // Anonymous calls cannot be recognised as repeats: at-least-once sends AUTH_NONE, the others name the client.
  const cred: OpaqueAuth =
    semantics === 'at-least-once'
      ? NO_AUTH
      : { flavor: AUTH_SYS, body: encode(authsysParms, { stamp, machinename: opts.machinename ?? 'localhost', uid: sys.pid, gid: 0, gids: [] }) };
  const encodeCallOf = callEncoder(program.program, program.version, cred);
  const encodeAck = callEncoder(RPC_ACK_PROG, RPC_ACK_VERS, cred);
  let closed = false;
  const log = opts.log === true;
  const say = (text: string): void => sys.log(`${program.name} ${text}`);

  /** Waits for the reply to `id`, until `deadline`, skipping stale packets. */
  async function awaitReply(first: Awaited<ReturnType<RpcTransport['receive']>>, id: number, deadline: number) {
    let a = first;
    for (;;) {
      if (a.kind !== 'packet') return a;
      if (isReplyTo(a.packet.bytes, id)) return a;
      const head = peekXid(a.packet.bytes);
      stats.staleReplies++;
      if (log) say(`stale reply ${head ? `xid ${hexId(head.xid)}` : '(not RPC)'} dropped`);
      const left = deadline - sys.now();
      if (left <= 0) return { kind: 'timeout' as const };
      a = await transport.receive(left);
    }
  }

  function unmarshal(bytes: Uint8Array, resultType: XdrType<any>): Outcome {
    try {
      const fast = successOffset(bytes);
      if (fast > 0) return { ok: true, value: result(resultType, bytes, fast), rights: [] };
      const { msg, offset } = decodeMessage(bytes);
      if (msg.body.tag !== 'REPLY') return { ok: false, stat: 'RPC_CANTDECODERES', detail: 'a CALL came back instead of a REPLY' };
      const rb = msg.body.value;
      if (rb.tag === 'MSG_DENIED') {
        const d = rb.value;
        if (d.tag === 'RPC_MISMATCH') return { ok: false, stat: 'RPC_MISMATCH', extra: d.value, detail: `the server speaks RPC ${d.value.low}..${d.value.high}` };
        return { ok: false, stat: 'AUTH_ERROR', extra: { why: d.value }, detail: `credential refused: ${d.value}` };
      }
      const data = rb.value.reply_data;
      if (data.tag === 'SUCCESS') {
        return { ok: true, value: result(resultType, bytes, offset), rights: [] };
      }
      if (data.tag === 'PROG_MISMATCH') {
        const v = data.value as { low: number; high: number };
        return { ok: false, stat: 'PROG_MISMATCH', extra: { low: v.low, high: v.high }, detail: `the server has versions ${v.low}..${v.high} of ${program.name}` };
      }
      return { ok: false, stat: data.tag, detail: DETAIL[data.tag] ?? data.tag };
    } catch (e) {
      return { ok: false, stat: 'RPC_CANTDECODERES', detail: (e as Error).message };
    }
  }

  function fail(name: string, id: number, stat: RpcFailure, detail: string, n: number, extra: object = {}): RpcResult<unknown> {
    stats.failures++;
    if (log) say(`${name} xid ${hexId(id)}: ${stat} (${detail})`);
    return { ok: false, stat, xid: id, tries: n, ...extra, detail };
  }

  async function call(name: string, proc: number, argType: XdrType<any>, resultType: XdrType<any>, args: unknown, co?: CallOptions): Promise<RpcResult<unknown>> {
    const id = (xid = (xid + 1) >>> 0);
    stats.calls++;
    if (closed) return fail(name, id, 'RPC_CLOSED', 'the client was closed', 0);
    let bytes: Uint8Array;
    try {
      bytes = encodeCallOf(id, proc, argType, args);
      if (opts.showBytes && argType.kind !== 'void') {
        const host = nativeBytes(argType, args as never, order);
        const wire = encode(argType, args as never);
        sys.log(`${program.name} ${name} args: host (${order}-endian) ${hex(host)} → XDR ${hex(wire)}${order === 'big' ? ' (the same)' : ''}`);
      }
    } catch (e) {
      return fail(name, id, 'RPC_CANTENCODEARGS', (e as Error).message.replace(/^body/, 'args'), 0);
    }
    const wait = co?.timeout ?? timeout;
    const packet = co?.rights ? { bytes, rights: co.rights } : { bytes };
    for (let n = 1; n <= tries; n++) {
      stats.sent++;
      if (n > 1) stats.retransmissions++;
      if (log) say(`${name} xid ${hexId(id)}${n > 1 ? ` try ${n}` : ''}`);
      const deadline = sys.now() + wait;
      let a = await transport.exchange(packet, wait);
      if (a.kind === 'packet' && !isReplyTo(a.packet.bytes, id)) a = await awaitReply(a, id, deadline);
      if (a.kind === 'timeout') {
        stats.timeouts++;
        if (log) say(`${name} xid ${hexId(id)}: no reply in ${wait} ms`);
        continue;
      }
      if (a.kind !== 'packet') return fail(name, id, a.kind === 'cant-send' ? 'RPC_CANTSEND' : 'RPC_CANTRECV', `transport code ${a.code}`, n, { code: a.code });
      if (semantics === 'exactly-once') await acknowledge(id);
      const at = successOffset(a.packet.bytes);
      if (at > 0 && !log) {
        // The common case: a SUCCESS reply, its results read straight into the answer.
        try {
          return { ok: true, value: result(resultType, a.packet.bytes, at), xid: id, tries: n, rights: a.packet.rights };
        } catch (e) {
          return fail(name, id, 'RPC_CANTDECODERES', (e as Error).message, n);
        }
      }
      const out = unmarshal(a.packet.bytes, resultType);
      if (!out.ok) return fail(name, id, out.stat, out.detail, n, out.extra);
      if (log) say(`${name} xid ${hexId(id)}: reply after ${n} ${n === 1 ? 'try' : 'tries'}`);
      return { ok: true, value: out.value, xid: id, tries: n, rights: a.packet.rights };
    }
    return fail(name, id, 'RPC_TIMEDOUT', `no reply after ${tries} ${tries === 1 ? 'try' : 'tries'} of ${wait} ms`, tries);
  }

  /** Exactly-once: tells the server the reply to `acked` arrived, so it can drop the history entry. */
  async function acknowledge(acked: number): Promise<void> {
    const id = (xid = (xid + 1) >>> 0);
    stats.acks++;
    if (log) say(`ack xid ${hexId(acked)}`);
    await transport.send({ bytes: encodeAck(id, RPC_ACK_PROC, xdr.unsigned, acked) });
  }

  const client: Record<string, unknown> = {
    $program: program,
    $semantics: semantics,
    $stats: stats,
    $ping: (co?: CallOptions) => call('NULL', 0, xdr.void, xdr.void, undefined, co),
    $close: async () => {
      closed = true;
      await transport.close();
    },
  };
  for (const [name, def] of Object.entries(program.procedures)) {
    client[name] = (args: unknown, co?: CallOptions) => call(name, def.proc, def.args, def.result, args, co);
  }
  return client as RpcClient<P>;
}

/** Decodes a result that must end the bytes. Throws XdrError. */
function result(t: XdrType<any>, bytes: Uint8Array, offset: number): unknown {
  const { value, offset: end } = decodePartial(t, bytes, offset, RESULT);
  if (end !== bytes.length) throw new XdrError(`${bytes.length - end} trailing bytes after the result`);
  return value;
}
const RESULT = Object.freeze({ name: 'result' });

const DETAIL: Partial<Record<RpcFailure, string>> = {
  PROG_UNAVAIL: 'the server does not serve this program',
  PROC_UNAVAIL: 'the server does not have this procedure',
  GARBAGE_ARGS: 'the server could not decode the arguments',
  SYSTEM_ERR: 'the procedure failed on the server',
};
