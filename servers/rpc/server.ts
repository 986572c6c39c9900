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
import { AUTH_NONE, AUTH_SYS, authsysParms, decodeMessage, encodeReply, hexId, RPC_VERS, type AuthsysParms, type ReplyOutcome } from './rpc-msg.ts';
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
          const r = await registerProgram(sys, s.program, this.port);
          if (!r.ok) {
            sys.log(`${s.program.name}: registration with the matchmaker failed: ${r.detail}`);
            return 1;
          }
        }
      }
    }
    let req = await transport.receive();
    while (req) {
      const answer = await this.handle(req);
      req = answer ? await transport.replyAndReceive(req, answer) : (await transport.drop(req), await transport.receive());
    }
    return 0;
  }

  /** One request: its answer's bytes and rights, or null for no answer. */
  private async handle(req: RpcRequest): Promise<{ bytes: Uint8Array; rights?: RightToSend[] } | null> {
    const { sys, stats } = this;
    stats.received++;
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
    const answer = (o: ReplyOutcome, rights?: RightToSend[]) => {
      const bytes = encodeReply(xid, o);
      stats.answers[o.stat] = (stats.answers[o.stat] ?? 0) + 1;
      return { bytes, ...(rights && rights.length ? { rights } : {}) };
    };
    if (call.rpcvers !== RPC_VERS) return answer({ stat: 'RPC_MISMATCH', low: RPC_VERS, high: RPC_VERS });
    let cred: AuthsysParms | null = null;
    if (call.cred.flavor === AUTH_SYS) {
      try {
        cred = decode(authsysParms, call.cred.body);
      } catch {
        return answer({ stat: 'AUTH_ERROR', why: 'AUTH_BADCRED' });
      }
    } else if (call.cred.flavor !== AUTH_NONE) return answer({ stat: 'AUTH_ERROR', why: 'AUTH_REJECTEDCRED' });
    const client = cred ? `${cred.machinename}/${cred.stamp}/${cred.uid}` : null;
    const say = (text: string) => {
      if (this.opts.log) sys.log(`xid ${hexId(xid)} ${text}`);
    };

    if (call.prog === RPC_ACK_PROG && call.proc === RPC_ACK_PROC) {
      stats.dropped++;
      if (client && this.history) {
        try {
          const acked = decode(xdr.unsigned, req.bytes.subarray(offset));
          const dropped = this.history.ack(client, acked, sys.now());
          say(`ack of ${hexId(acked)}${dropped ? ': history entry dropped' : ''}`);
        } catch {
          /* a malformed ack acknowledges nothing */
        }
      }
      return null;
    }
    if (client && this.history) {
      const seen = this.history.check(client, xid, sys.now());
      if (seen.kind === 'replay') {
        say(`duplicate: answered from the history (reply made at t=${seen.at}), not executed`);
        stats.answers.replayed = (stats.answers.replayed ?? 0) + 1;
        return { bytes: seen.reply };
      }
      if (seen.kind === 'acked') {
        say('duplicate of an acknowledged call: dropped');
        return null;
      }
    }
    const out = await this.dispatch(call.prog, call.vers, call.proc, req, offset, { xid, cred, say });
    let reply;
    try {
      reply = answer(out.outcome, out.rights);
    } catch (e) {
      say(`SYSTEM_ERR: the result does not fit its type: ${(e as Error).message}`);
      reply = answer({ stat: 'SYSTEM_ERR' });
    }
    if (client && this.history) this.history.remember(client, xid, reply.bytes, sys.now());
    return reply;
  }

  /** Finds the procedure, decodes the arguments, runs it: the outcome to answer. */
  private async dispatch(
    prog: number,
    vers: number,
    proc: number,
    req: RpcRequest,
    offset: number,
    c: { xid: number; cred: AuthsysParms | null; say: (t: string) => void },
  ): Promise<{ outcome: ReplyOutcome; rights?: RightToSend[] }> {
    const versions = this.byProg.get(prog);
    if (!versions) {
      c.say(`PROG_UNAVAIL: program ${prog} is not served here`);
      return { outcome: { stat: 'PROG_UNAVAIL' } };
    }
    const service = versions.get(vers);
    if (!service) {
      const served = [...versions.keys()];
      const [low, high] = [Math.min(...served), Math.max(...served)];
      c.say(`PROG_MISMATCH: version ${vers} asked, ${low}..${high} served`);
      return { outcome: { stat: 'PROG_MISMATCH', low, high } };
    }
    const { program } = service;
    if (proc === 0) return { outcome: { stat: 'SUCCESS', type: xdr.void, result: undefined } };
    const name = program.byNumber.get(proc);
    if (name === undefined) {
      c.say(`PROC_UNAVAIL: ${program.name} has no procedure ${proc}`);
      return { outcome: { stat: 'PROC_UNAVAIL' } };
    }
    const def = program.procedures[name]!;
    let args: unknown;
    try {
      const r = decodePartial(def.args, req.bytes, offset, { name: 'args' });
      if (r.offset !== req.bytes.length) throw new XdrError(`${req.bytes.length - r.offset} trailing bytes after the arguments`);
      args = r.value;
    } catch (e) {
      c.say(`GARBAGE_ARGS: ${program.name}.${name}: ${(e as Error).message}`);
      return { outcome: { stat: 'GARBAGE_ARGS' } };
    }
    if (this.opts.showBytes) {
      const order = this.opts.byteOrder ?? 'little';
      const wire = req.bytes.subarray(offset);
      this.sys.log(`${program.name} ${name} args: XDR ${hex(wire)} → host (${order}-endian) ${hex(nativeBytes(def.args, args as never, order))}`);
    }
    let rights: RightToSend[] = [];
    const ctx: RpcContext = { sys: this.sys, xid: c.xid, cred: c.cred, sender: req.sender, rights: req.rights, attach: (r) => void (rights = r) };
    this.stats.executed[name] = (this.stats.executed[name] ?? 0) + 1;
    try {
      const result = await service.handlers[name]!(args, ctx);
      c.say(`${program.name}.${name} executed`);
      return { outcome: { stat: 'SUCCESS', type: def.result, result }, rights };
    } catch (e) {
      c.say(`SYSTEM_ERR: ${program.name}.${name}: ${(e as Error).message}`);
      return { outcome: { stat: 'SYSTEM_ERR' } };
    }
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
