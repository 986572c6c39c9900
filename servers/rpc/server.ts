/**
 * The server stub and its loop: an ordinary xmach task that receives RPC
 * calls through a transport, unmarshals the arguments, calls the
 * procedure, marshals the result and answers — or answers why not, as RFC
 * 5531 says: PROG_UNAVAIL, PROG_MISMATCH (with the lowest and highest
 * versions served), PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR; RPC_MISMATCH
 * and AUTH_ERROR for calls it refuses. A call from a named client (AUTH_SYS)
 * goes through the history first (at-most-once, exactly-once: see
 * `history.ts`).
 */
import type { ReceivedRight, RightToSend } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { History } from './history.ts';
import type { ArgsOf, Procedures, ResultOf, RpcProgram } from './interface.ts';
import { registerProgram } from './pmap-client.ts';
import { AUTH_NONE, AUTH_SYS, authsysParms, callHead, decodeMessage, encodeReply, hexId, RPC_VERS, type AuthsysParms, type ReplyOutcome } from './rpc-msg.ts';
import { DEFAULT_HISTORY_TTL, RPC_ACK_PROC, RPC_ACK_PROG } from './semantics.ts';
import { machServerTransport, type RpcRequest, type RpcServerTransport } from './transport.ts';
import { decode, decodePartial, hex, nativeBytes, xdr, XdrError } from './xdr.ts';

/** What a procedure is given besides its argument. */
export interface RpcContext {
  readonly sys: Sys;
  readonly xid: number;
  /** The caller's AUTH_SYS credential, or null for an anonymous (AUTH_NONE) call. */
  readonly cred: AuthsysParms | null;
  /** The sending task's pid (0 over a network). */
  readonly sender: number;
  /** Rights that came beside the arguments (Mach transport). */
  readonly rights: readonly ReceivedRight[];
  /** Rights to send beside the result. */
  attach(rights: RightToSend[]): void;
}

/** A procedure's implementation: gets the typed argument, returns (or resolves to) the typed result; a throw answers SYSTEM_ERR. */
export type Handler<D> = (args: ArgsOf<D>, ctx: RpcContext) => ResultOf<D> | Promise<ResultOf<D>>;
/** One handler per procedure of P. */
export type Handlers<P extends Procedures> = { readonly [K in keyof P]: Handler<P[K]> };

/** A program version with its implementation: what a server serves. */
export interface RpcService {
  readonly program: RpcProgram;
  readonly handlers: Readonly<Record<string, Handler<any>>>;
}

/**
 * Pairs a program with its handlers. Throws an Error when a procedure has no
 * handler (the type checker says so first).
 *
 * @example
 * const bank = implement(BANK, { deposit: ({ account, amount }) => ({ balance: add(account, amount) }) });
 */
export function implement<P extends Procedures>(program: RpcProgram<P>, handlers: Handlers<P>): RpcService {
  for (const name of Object.keys(program.procedures)) {
    if (typeof (handlers as Record<string, unknown>)[name] !== 'function') throw new Error(`implement ${program.name}: no handler for ${name}`);
  }
  return { program, handlers: handlers as Record<string, Handler<any>> };
}

/** Options of `RpcServer`. */
export interface RpcServerOptions {
  /** The receive right to serve on (default: a new port labelled `rpc.<NAME>`). */
  port?: number;
  /** Or a transport of your own (then `register` has nothing to register). */
  transport?: RpcServerTransport;
  /** Register every program with the matchmaker (default true; it waits for `portmap`). */
  register?: boolean;
  /**
   * A send right to register instead of the served port: the address clients
   * should use, such as the front of a link or forwarder the server sits
   * behind (as a server behind NAT advertises its public address).
   */
  advertise?: number;
  /** Keep a history of named clients' calls (default true); `false` runs every copy (naive). */
  history?: boolean;
  /** Life of a history entry, ms (default 1000). */
  historyTtl?: number;
  /** This host's byte order, for the byte-order display (default 'little'). */
  byteOrder?: 'big' | 'little';
  /** Log each call's arguments as XDR bytes and as this host holds them. */
  showBytes?: boolean;
  /** Log each call and how it was answered. */
  log?: boolean;
}

/** A server's running figures. */
export interface ServerStats {
  /** Calls received (duplicates included). */
  received: number;
  /** Procedure executions, by procedure name. */
  executed: Record<string, number>;
  /** Answers by accept or reject state. */
  answers: Record<string, number>;
  /** Packets that were not RPC calls, and batched calls (acks): no answer. */
  dropped: number;
}

/**
 * A server of one or more program versions. Make it inside the task that
 * serves, then `await server.serve()`; `stats` and `history` can be read
 * from outside while it runs.
 *
 * @example
 * k.spawn('bank', (sys) => new RpcServer(sys, [implement(BANK, handlers)], { log: true }).serve(), { daemon: true });
 */
export class RpcServer {
  readonly stats: ServerStats = { received: 0, executed: {}, answers: {}, dropped: 0 };
  readonly history: History | null;
  /** The port served on, once serving (0 with a transport of one's own). */
  port = 0;
  /** Versions served, by program number. */
  private readonly byProg = new Map<number, Map<number, RpcService>>();

  constructor(
    readonly sys: Sys,
    readonly services: readonly RpcService[],
    readonly opts: RpcServerOptions = {},
  ) {
    if (services.length === 0) throw new Error('RpcServer: give at least one service');
    for (const s of services) {
      const versions = this.byProg.get(s.program.program) ?? new Map<number, RpcService>();
      if (versions.has(s.program.version)) throw new Error(`RpcServer: ${s.program.name} version ${s.program.version} given twice`);
      this.byProg.set(s.program.program, versions.set(s.program.version, s));
    }
    this.history = opts.history === false ? null : new History(opts.historyTtl ?? DEFAULT_HISTORY_TTL);
  }

  /**
   * Serves until the port dies: makes the port (unless given), registers
   * with the matchmaker (unless `register: false`), then answers calls one at
   * a time. Resolves to 0 when the port is gone, or 1 when registration
   * failed (logged).
   */
  async serve(): Promise<number> {
    const { sys, opts } = this;
    let transport = opts.transport;
    if (!transport) {
      this.port = opts.port ?? (await sys.port_allocate('receive', `rpc.${this.services[0]!.program.name}`)).name!;
      await sys.port_set_qlimit(this.port, 64);
      transport = machServerTransport(sys, this.port);
      if (opts.register !== false) {
        for (const s of this.services) {
          const r = await registerProgram(sys, s.program, opts.advertise ?? this.port, opts.advertise ? 'copy-send' : 'make-send');
          if (!r.ok) {
            sys.log(`${s.program.name}: registration with the matchmaker failed: ${r.detail}`);
            return 1;
          }
        }
      }
    }
    let req = await transport.receive();
    while (req) {
      const pending = this.handle(req);
      const answer = pending instanceof Promise ? await pending : pending;
      req = answer ? await transport.replyAndReceive(req, answer) : (await transport.drop(req), await transport.receive());
    }
    return 0;
  }

  /** Logs a line about call xid (with `log`). */
  private say(xid: number, text: string): void {
    this.sys.log(`xid ${hexId(xid)} ${text}`);
  }

  /** Encodes the answer to xid and counts it. */
  private answer(xid: number, o: ReplyOutcome, rights?: RightToSend[]): Answer {
    const bytes = encodeReply(xid, o);
    this.stats.answers[o.stat] = (this.stats.answers[o.stat] ?? 0) + 1;
    return rights && rights.length > 0 ? { bytes, rights } : { bytes };
  }

  /** One request: its answer's bytes and rights, or null for no answer. */
  private handle(req: RpcRequest): Answer | null | Promise<Answer | null> {
    const { sys, stats, history } = this;
    stats.received++;
    // The common case (RPC 2, AUTH_NONE) read by hand; anything else through the XDR description.
    const fast = callHead(req.bytes);
    if (fast) {
      if (fast.prog !== RPC_ACK_PROG) return this.execute(fast.xid, fast.prog, fast.vers, fast.proc, req, fast.offset, null, null);
      stats.dropped++; // an anonymous acknowledgement: there is no history entry to drop, and no answer
      return null;
    }
    let head;
    try {
      head = decodeMessage(req.bytes);
    } catch {
      stats.dropped++;
      return null; // not an RPC message: nobody to answer
    }
    const { msg, offset } = head;
    if (msg.body.tag !== 'CALL') {
      stats.dropped++;
      return null;
    }
    const xid = msg.xid;
    const call = msg.body.value;
    if (call.rpcvers !== RPC_VERS) return this.answer(xid, { stat: 'RPC_MISMATCH', low: RPC_VERS, high: RPC_VERS });
    let cred: AuthsysParms | null = null;
    if (call.cred.flavor === AUTH_SYS) {
      try {
        cred = decode(authsysParms, call.cred.body);
      } catch {
        return this.answer(xid, { stat: 'AUTH_ERROR', why: 'AUTH_BADCRED' });
      }
    } else if (call.cred.flavor !== AUTH_NONE) return this.answer(xid, { stat: 'AUTH_ERROR', why: 'AUTH_REJECTEDCRED' });
    const client = cred && history ? `${cred.machinename}/${cred.stamp}/${cred.uid}` : null;

    if (call.prog === RPC_ACK_PROG && call.proc === RPC_ACK_PROC) {
      stats.dropped++;
      if (client) {
        try {
          const acked = decode(xdr.unsigned, req.bytes.subarray(offset));
          const dropped = history!.ack(client, acked, sys.now());
          if (this.opts.log) this.say(xid, `ack of ${hexId(acked)}${dropped ? ': history entry dropped' : ''}`);
        } catch {
          /* a malformed ack acknowledges nothing */
        }
      }
      return null;
    }
    if (client) {
      const seen = history!.check(client, xid, sys.now());
      if (seen.kind === 'replay') {
        if (this.opts.log) this.say(xid, `duplicate: reply of t=${seen.at} replayed from the history`);
        stats.answers.replayed = (stats.answers.replayed ?? 0) + 1;
        return { bytes: seen.reply };
      }
      if (seen.kind === 'acked') {
        if (this.opts.log) this.say(xid, 'duplicate of an acknowledged call: dropped');
        return null;
      }
    }
    return this.execute(xid, call.prog, call.vers, call.proc, req, offset, cred, client);
  }

  /** Runs a call that is new (or from an anonymous client), answers it, and keeps the answer in the history for a named client. */
  private execute(xid: number, prog: number, vers: number, proc: number, req: RpcRequest, offset: number, cred: AuthsysParms | null, client: string | null): Answer | Promise<Answer> {
    const out = this.dispatch(xid, prog, vers, proc, req, offset, cred);
    return out instanceof Promise ? out.then((o) => this.finish(xid, o, client)) : this.finish(xid, out, client);
  }

  /** Encodes the outcome (SYSTEM_ERR when the result does not fit its type) and remembers it for a named client. */
  private finish(xid: number, out: ReplyOutcome, client: string | null): Answer {
    let reply: Answer;
    try {
      reply = this.answer(xid, out, this.rights);
    } catch (e) {
      if (this.opts.log) this.say(xid, `SYSTEM_ERR: the result does not fit its type: ${(e as Error).message}`);
      reply = this.answer(xid, { stat: 'SYSTEM_ERR' });
    }
    if (client) this.history!.remember(client, xid, reply.bytes, this.sys.now());
    return reply;
  }

  /** Rights the running procedure attached to its result. */
  private rights: RightToSend[] | undefined = undefined;

  /** Finds the procedure, decodes the arguments, runs it: the outcome to answer. */
  private dispatch(xid: number, prog: number, vers: number, proc: number, req: RpcRequest, offset: number, cred: AuthsysParms | null): ReplyOutcome | Promise<ReplyOutcome> {
    this.rights = undefined;
    const versions = this.byProg.get(prog);
    if (!versions) {
      if (this.opts.log) this.say(xid, `PROG_UNAVAIL: program ${prog} is not served here`);
      return { stat: 'PROG_UNAVAIL' };
    }
    const service = versions.get(vers);
    if (!service) {
      const served = [...versions.keys()];
      const [low, high] = [Math.min(...served), Math.max(...served)];
      if (this.opts.log) this.say(xid, `PROG_MISMATCH: version ${vers} asked, ${low}..${high} served`);
      return { stat: 'PROG_MISMATCH', low, high };
    }
    const { program } = service;
    if (proc === 0) return { stat: 'SUCCESS', type: xdr.void, result: undefined };
    const name = program.byNumber.get(proc);
    if (name === undefined) {
      if (this.opts.log) this.say(xid, `PROC_UNAVAIL: ${program.name} has no procedure ${proc}`);
      return { stat: 'PROC_UNAVAIL' };
    }
    const def = program.procedures[name]!;
    let args: unknown;
    try {
      const r = decodePartial(def.args, req.bytes, offset, ARGS);
      if (r.offset !== req.bytes.length) throw new XdrError(`${req.bytes.length - r.offset} trailing bytes after the arguments`);
      args = r.value;
    } catch (e) {
      if (this.opts.log) this.say(xid, `GARBAGE_ARGS: ${program.name}.${name}: ${(e as Error).message}`);
      return { stat: 'GARBAGE_ARGS' };
    }
    if (this.opts.showBytes) {
      const order = this.opts.byteOrder ?? 'little';
      const wire = req.bytes.subarray(offset);
      this.sys.log(`${program.name} ${name} args: XDR ${hex(wire)} → host (${order}-endian) ${hex(nativeBytes(def.args, args as never, order))}`);
    }
    this.stats.executed[name] = (this.stats.executed[name] ?? 0) + 1;
    let result: unknown;
    try {
      result = service.handlers[name]!(args, new Context(this, xid, cred, req));
    } catch (e) {
      return this.failed(xid, program, name, e);
    }
    // A procedure that returns a promise is awaited; one that returns a value answers at once.
    if (result instanceof Promise) return result.then((r) => this.done(xid, program, name, r), (e) => this.failed(xid, program, name, e));
    return this.done(xid, program, name, result);
  }

  private done(xid: number, program: RpcProgram, name: string, result: unknown): ReplyOutcome {
    if (this.opts.log) this.say(xid, `${program.name}.${name} executed`);
    return { stat: 'SUCCESS', type: program.procedures[name]!.result, result };
  }

  private failed(xid: number, program: RpcProgram, name: string, e: unknown): ReplyOutcome {
    if (this.opts.log) this.say(xid, `SYSTEM_ERR: ${program.name}.${name}: ${e instanceof Error ? e.message : String(e)}`);
    return { stat: 'SYSTEM_ERR' };
  }

  /** Rights to send beside the running procedure's result (what its `ctx.attach` calls). */
  attachRights(rights: RightToSend[]): void {
    this.rights = rights;
  }
}

/** An answer's bytes and the rights beside them. */
interface Answer {
  bytes: Uint8Array;
  rights?: RightToSend[];
}

const ARGS = Object.freeze({ name: 'args' });

/** What a procedure gets as `ctx` (one small object per call, no closures). */
class Context implements RpcContext {
  readonly sys: Sys;
  readonly sender: number;
  readonly rights: readonly ReceivedRight[];
  constructor(
    private readonly server: RpcServer,
    readonly xid: number,
    readonly cred: AuthsysParms | null,
    req: RpcRequest,
  ) {
    this.sys = server.sys;
    this.sender = req.sender;
    this.rights = req.rights;
  }
  attach(rights: RightToSend[]): void {
    this.server.attachRights(rights);
  }
}

/**
 * Serves `services` from the calling task until its port dies (spawn the
 * task as a daemon). Shorthand for `new RpcServer(sys, services, opts).serve()`.
 *
 * @example
 * k.spawn('portmap', portmapDaemon, { daemon: true });
 * k.spawn('bank', (sys) => rpcServer(sys, [implement(BANK, handlers)]), { daemon: true });
 */
export function rpcServer(sys: Sys, services: readonly RpcService[], opts: RpcServerOptions = {}): Promise<number> {
  return new RpcServer(sys, services, opts).serve();
}
