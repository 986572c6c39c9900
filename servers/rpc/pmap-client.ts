/**
 * Talking to the matchmaker: a typed client of the port mapper (set, unset,
 * getport, dump), what a server calls to register (`registerProgram`), and
 * what a client calls before its first call (`rpcConnect`: "which port
 * serves this program and version?", then a client over the answer).
 */
import { NETNAME_SUCCESS } from '../../ports/codes.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { rpcClient, type RpcClient, type RpcClientOptions } from './client.ts';
import type { Procedures, RpcFailure, RpcProgram } from './interface.ts';
import { IPPROTO_MACH, PMAP, PORTMAP_NAME, type Mapping } from './portmap-defs.ts';

/** A client of the matchmaker. */
export type PmapClient = RpcClient<(typeof PMAP)['procedures']>;

/** A failure to reach the matchmaker or get an answer from it. */
export interface PmapFailure {
  ok: false;
  stat: RpcFailure;
  detail: string;
}

/**
 * Finds the matchmaker (the name `portmap`) and returns a client of it.
 * With `wait` (default true) waits until the matchmaker has checked in;
 * without, fails with RPC_PROGNOTREGISTERED when it has not.
 *
 * @example
 * const pm = await pmapConnect(sys);
 * if (pm.ok) sys.log((await pm.client.dump()));
 */
export async function pmapConnect(sys: Sys, opts: { wait?: boolean } = {}): Promise<{ ok: true; client: PmapClient } | PmapFailure> {
  const r = await sys.netname_look_up(PORTMAP_NAME, { wait: opts.wait !== false });
  if (r.code !== NETNAME_SUCCESS || !r.port) return { ok: false, stat: 'RPC_PROGNOTREGISTERED', detail: `no matchmaker is checked in as ${PORTMAP_NAME}` };
  return { ok: true, client: rpcClient(sys, PMAP, { port: r.port }) };
}

/**
 * Registers `program` (its number and version) with the matchmaker as served
 * on `port`: a receive right of the caller's (a send right made from it goes
 * with the SET), or with `disposition: 'copy-send'` a send right it holds
 * (an address it advertises, such as a link's front). Resolves to `{ ok: true }`, or a failure: the matchmaker is
 * unreachable (its call's failure), or RPC_PMAPFAILURE: SET answered false
 * (this program and version are registered already).
 *
 * @example
 * await registerProgram(sys, BANK, service); // then rpcConnect(sys, BANK) finds it
 */
export async function registerProgram(sys: Sys, program: RpcProgram, port: number, disposition: 'make-send' | 'copy-send' = 'make-send'): Promise<{ ok: true } | PmapFailure> {
  const pm = await pmapConnect(sys);
  if (!pm.ok) return pm;
  const map: Mapping = { prog: program.program, vers: program.version, prot: IPPROTO_MACH, port: 0 };
  const r = await pm.client.set(map, { rights: [{ name: port, disposition }] });
  await pm.client.$close();
  if (!r.ok) return { ok: false, stat: r.stat, detail: r.detail };
  if (!r.value) return { ok: false, stat: 'RPC_PMAPFAILURE', detail: `${program.name} version ${program.version} is already registered` };
  return { ok: true };
}

/** Options of rpcConnect: the client's, without the port (the matchmaker gives it). */
export interface RpcConnectOptions extends Omit<RpcClientOptions, 'port' | 'transport'> {
  /** Ask again every 5 ms for up to this many ms while the program is not registered (default 0: ask once). */
  waitMs?: number;
}

/**
 * Asks the matchmaker which port serves `program` at its version, then makes
 * a client over that port. Resolves to `{ ok: true, client, port }` (`port`:
 * the number the matchmaker assigned) or a failure: RPC_PROGNOTREGISTERED
 * (no such mapping, or no matchmaker), or the matchmaker's call failure.
 *
 * @example
 * const c = await rpcConnect(sys, BANK, { semantics: 'at-most-once' });
 * if (c.ok) await c.client.deposit({ account: 'ada', amount: 5 });
 */
export async function rpcConnect<P extends Procedures>(
  sys: Sys,
  program: RpcProgram<P>,
  opts: RpcConnectOptions = {},
): Promise<{ ok: true; client: RpcClient<P>; port: number } | PmapFailure> {
  const pm = await pmapConnect(sys);
  if (!pm.ok) return pm;
  const until = sys.now() + (opts.waitMs ?? 0);
  try {
    for (;;) {
      const r = await pm.client.getport({ prog: program.program, vers: program.version, prot: IPPROTO_MACH, port: 0 });
      if (!r.ok) return { ok: false, stat: r.stat, detail: `the matchmaker: ${r.detail}` };
      const right = r.rights[0];
      if (r.value !== 0 && right?.right === 'send') {
        const { waitMs: _, ...clientOpts } = opts;
        return { ok: true, client: rpcClient(sys, program, { ...clientOpts, port: right.name }), port: r.value };
      }
      if (sys.now() >= until) return { ok: false, stat: 'RPC_PROGNOTREGISTERED', detail: `${program.name} version ${program.version} is not registered` };
      await sys.sleep(5);
    }
  } finally {
    await pm.client.$close();
  }
}


