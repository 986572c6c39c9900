import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY, boot, MACH_SEND_INVALID_DEST, simulate, type Sys } from '../index.ts';
import {
  after,
  AUTH_SYS,
  callHead,
  decodeMessage,
  defineProgram,
  encode,
  encodeCall,
  encodeReply,
  hex,
  History,
  implement,
  listOf,
  lossyLink,
  machTransport,
  pmapConnect,
  portmapDaemon,
  rpcClient,
  rpcConnect,
  RpcServer,
  rpcServer,
  rpcMsg,
  successOffset,
  xdr,
  type LinkStats,
  type RpcResult,
  type RpcServerTransport,
  type RpcTransport,
  type Semantics,
} from '../servers/rpc/index.ts';

const depositArgs = xdr.struct([['account', xdr.string(32)], ['amount', xdr.int]]);
const BANK = defineProgram({
  name: 'BANK',
  program: 0x2000_0001,
  version: 1,
  procedures: {
    deposit: { proc: 1, args: depositArgs, result: xdr.struct([['balance', xdr.hyper]]) },
    balance: { proc: 2, args: xdr.string(32), result: xdr.hyper },
    fail: { proc: 3, args: xdr.void, result: xdr.int },
  },
});
const BANK_V3 = defineProgram({ name: 'BANK', program: 0x2000_0001, version: 3, procedures: { ping3: { proc: 1, args: xdr.void, result: xdr.int } } });

/** A bank: balances by account; `fail` throws (SYSTEM_ERR). */
function bankService(executed: number[] = []) {
  const balances = new Map<string, bigint>();
  return implement(BANK, {
    deposit: ({ account, amount }, ctx) => {
      executed.push(ctx.xid);
      const balance = (balances.get(account) ?? 0n) + BigInt(amount);
      balances.set(account, balance);
      return { balance };
    },
    balance: (account) => balances.get(account) ?? 0n,
    fail: () => {
      throw new Error('the vault is stuck');
    },
  });
}

/** A world: the matchmaker, a bank serving v1 and v3 (registered), and one client program. */
async function world(client: (sys: Sys) => Promise<unknown>, opts: { seed?: number; register?: boolean } = {}) {
  return simulate(boot({ seed: opts.seed ?? 1 }), (k) => {
    k.spawn('portmap', (sys) => portmapDaemon(sys), { daemon: true });
    k.spawn('bank', (sys) => rpcServer(sys, [bankService(), implement(BANK_V3, { ping3: () => 3 })], { register: opts.register }), { daemon: true });
    k.spawn('client', client);
  });
}

/** A send right to the bank's port, from the matchmaker. */
async function bankPort(sys: Sys): Promise<number> {
  const pm = await pmapConnect(sys);
  if (!pm.ok) throw new Error('no portmap');
  const r = await pm.client.getport({ prog: BANK.program, vers: 1, prot: 1000, port: 0 });
  if (!r.ok || !r.rights[0]) throw new Error('the bank is not registered');
  return r.rights[0].name;
}

const bigintJson = (v: unknown) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? hex(x) : x)));

describe('ONC RPC messages (RFC 5531)', () => {
  it('a CALL is xid, CALL, rpcvers 2, prog, vers, proc, two AUTH_NONE auths, then the arguments', () => {
    const bytes = encodeCall({ xid: 1, prog: 100000, vers: 2, proc: 3 }, xdr.unsigned, 7);
    expect(hex(bytes)).toBe(
      '00 00 00 01 | 00 00 00 00 | 00 00 00 02 | 00 01 86 a0 | 00 00 00 02 | 00 00 00 03 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 07',
    );
    expect(callHead(bytes)).toEqual({ xid: 1, prog: 100000, vers: 2, proc: 3, offset: 40 });
    const { msg, offset } = decodeMessage(bytes);
    expect(offset).toBe(40);
    expect(msg.body.tag).toBe('CALL');
  });

  it('replies: SUCCESS with results, PROG_MISMATCH with low and high, the others bare, RPC_MISMATCH and AUTH_ERROR denied', () => {
    expect(hex(encodeReply(9, { stat: 'SUCCESS', type: xdr.int, result: -1 }))).toBe(
      '00 00 00 09 | 00 00 00 01 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | ff ff ff ff',
    );
    expect(successOffset(encodeReply(9, { stat: 'SUCCESS', type: xdr.int, result: -1 }))).toBe(24);
    expect(hex(encodeReply(9, { stat: 'PROG_MISMATCH', low: 1, high: 3 }))).toBe(
      '00 00 00 09 | 00 00 00 01 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 02 | 00 00 00 01 | 00 00 00 03',
    );
    for (const [stat, code] of [['PROG_UNAVAIL', 1], ['PROC_UNAVAIL', 3], ['GARBAGE_ARGS', 4], ['SYSTEM_ERR', 5]] as const) {
      const bytes = encodeReply(9, { stat });
      expect(bytes.length).toBe(24);
      expect(bytes[23]).toBe(code);
      expect(successOffset(bytes)).toBe(-1);
    }
    expect(hex(encodeReply(9, { stat: 'RPC_MISMATCH', low: 2, high: 2 }))).toBe('00 00 00 09 | 00 00 00 01 | 00 00 00 01 | 00 00 00 00 | 00 00 00 02 | 00 00 00 02');
    expect(hex(encodeReply(9, { stat: 'AUTH_ERROR', why: 'AUTH_TOOWEAK' }))).toBe('00 00 00 09 | 00 00 00 01 | 00 00 00 01 | 00 00 00 01 | 00 00 00 05');
  });

  it('defineProgram refuses procedure 0, repeated numbers, names the client uses, and bad numbers', () => {
    const t = { args: xdr.void, result: xdr.void };
    expect(() => defineProgram({ name: 'X', program: 1, version: 1, procedures: { a: { proc: 0, ...t } } })).toThrow(/0 is NULL/);
    expect(() => defineProgram({ name: 'X', program: 1, version: 1, procedures: { a: { proc: 1, ...t }, b: { proc: 1, ...t } } })).toThrow(/a and b both have number 1/);
    expect(() => defineProgram({ name: 'X', program: 1, version: 1, procedures: { $close: { proc: 1, ...t } } })).toThrow(/identifier not starting with \$/);
    expect(() => defineProgram({ name: 'X', program: -1, version: 1, procedures: {} })).toThrow(/32-bit unsigned/);
  });
});

describe('stubs', () => {
  it('round trip typed values, with the xid and the tries', async () => {
    const got: RpcResult<unknown>[] = [];
    const sim = await world(async (sys) => {
      const c = await rpcConnect(sys, BANK);
      if (!c.ok) throw new Error(c.detail);
      got.push(await c.client.deposit({ account: 'ada', amount: 7 }));
      got.push(await c.client.deposit({ account: 'ada', amount: -2 }));
      got.push(await c.client.balance('ada'));
      got.push(await c.client.$ping());
    });
    expect(sim.report.status).toBe('done');
    expect(got.map((r) => (r.ok ? r.value : r.stat))).toEqual([{ balance: 7n }, { balance: 5n }, 5n, undefined]);
    expect(got.map((r) => r.tries)).toEqual([1, 1, 1, 1]);
    // xids count up by one from a seeded start.
    expect(got.map((r) => r.xid - got[0]!.xid)).toEqual([0, 1, 2, 3]);
    expect(got[0]!.xid).toBe(0xc031cfb9);
  });

  it('carry every XDR type through a procedure and back', async () => {
    const color = xdr.enum({ RED: 0, GREEN: 1, BLUE: 2 });
    const shape = xdr.union(xdr.int, { 0: xdr.double, 1: xdr.struct([['w', xdr.float], ['h', xdr.float]]) }, xdr.void);
    const rec = xdr.struct([
      ['id', xdr.unsignedHyper],
      ['delta', xdr.hyper],
      ['ok', xdr.bool],
      ['color', color],
      ['name', xdr.string(16)],
      ['tags', xdr.varArray(xdr.string(8), 4)],
      ['grid', xdr.array(xdr.int, 3)],
      ['digest', xdr.opaque(5)],
      ['blob', xdr.varOpaque(10)],
      ['shape', shape],
      ['note', xdr.optional(xdr.string())],
    ]);
    const ECHO = defineProgram({ name: 'ECHO', program: 0x2000_0002, version: 1, procedures: { echo: { proc: 1, args: rec, result: rec } } });
    const value = {
      id: 2n ** 64n - 1n,
      delta: -(2n ** 63n),
      ok: true,
      color: 'BLUE' as const,
      name: 'héllo',
      tags: ['a', 'bc'],
      grid: [1, -2, 3],
      digest: new Uint8Array([1, 2, 3, 4, 5]),
      blob: new Uint8Array([9]),
      shape: { tag: 1 as const, value: { w: 1.5, h: 2.25 } },
      note: null,
    };
    let back: unknown;
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const port = k.port('echo');
      k.spawn('echo', (sys) => rpcServer(sys, [implement(ECHO, { echo: (v) => v })], { port: sys.ports.p!, register: false }), {
        daemon: true,
        ports: { p: { port, right: 'receive' } },
      });
      k.spawn('client', async (sys) => void (back = await rpcClient(sys, ECHO, { port: sys.ports.p! }).echo(value)), { ports: { p: port } });
    });
    expect(sim.report.status).toBe('done');
    expect(bigintJson(back)).toMatchObject({ ok: true, value: bigintJson(value) });
  });

  it('show the arguments as a little-endian host holds them and as XDR bytes', async () => {
    const sim = await world(async (sys) => {
      const c = await rpcConnect(sys, BANK, { showBytes: true });
      if (c.ok) await c.client.deposit({ account: 'ada', amount: 7 });
      const big = await rpcConnect(sys, BANK, { showBytes: true, byteOrder: 'big' });
      if (big.ok) await big.client.deposit({ account: 'ada', amount: 7 });
    });
    expect(sim.logs('client')).toEqual([
      'BANK deposit args: host (little-endian) 03 00 00 00 | 61 64 61 00 | 07 00 00 00 → XDR 00 00 00 03 | 61 64 61 00 | 00 00 00 07',
      'BANK deposit args: host (big-endian) 00 00 00 03 | 61 64 61 00 | 00 00 00 07 → XDR 00 00 00 03 | 61 64 61 00 | 00 00 00 07 (the same)',
    ]);
  });
});

describe('every error answer', () => {
  it('PROG_UNAVAIL, PROG_MISMATCH with low and high, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR', async () => {
    const OTHER = defineProgram({ name: 'OTHER', program: 0x2000_0009, version: 1, procedures: { x: { proc: 1, args: xdr.void, result: xdr.void } } });
    const BANK_V2 = defineProgram({ name: 'BANK', program: 0x2000_0001, version: 2, procedures: { x: { proc: 1, args: xdr.void, result: xdr.void } } });
    const BANK_NEWER = defineProgram({ name: 'BANK', program: 0x2000_0001, version: 1, procedures: { audit: { proc: 9, args: xdr.void, result: xdr.void } } });
    const BANK_WRONG = defineProgram({ name: 'BANK', program: 0x2000_0001, version: 1, procedures: { deposit: { proc: 1, args: xdr.int, result: xdr.void } } });
    const out: unknown[] = [];
    const strip = (r: RpcResult<unknown>) => (r.ok ? r.value : { stat: r.stat, low: r.low, high: r.high, detail: r.detail });
    await world(async (sys) => {
      const c = await rpcConnect(sys, BANK);
      if (!c.ok) throw new Error(c.detail);
      const bank = c.client;
      const port = await bankPort(sys); // clients made for other interfaces, sent to the bank
      out.push(strip(await rpcClient(sys, OTHER, { port }).x()));
      out.push(strip(await rpcClient(sys, BANK_V2, { port }).x()));
      out.push(strip(await rpcClient(sys, BANK_NEWER, { port }).audit()));
      out.push(strip(await rpcClient(sys, BANK_WRONG, { port }).deposit(5)));
      out.push(strip(await bank.fail()));
      out.push(strip(await bank.deposit({ account: 'a'.repeat(40), amount: 1 })));
    });
    expect(out).toEqual([
      { stat: 'PROG_UNAVAIL', low: undefined, high: undefined, detail: 'the server does not serve this program' },
      { stat: 'PROG_MISMATCH', low: 1, high: 3, detail: 'the server has versions 1..3 of BANK' },
      { stat: 'PROC_UNAVAIL', low: undefined, high: undefined, detail: 'the server does not have this procedure' },
      { stat: 'GARBAGE_ARGS', low: undefined, high: undefined, detail: 'the server could not decode the arguments' },
      { stat: 'SYSTEM_ERR', low: undefined, high: undefined, detail: 'the procedure failed on the server' },
      { stat: 'RPC_CANTENCODEARGS', low: undefined, high: undefined, detail: 'args.account: string longer than 32 (40 bytes)' },
    ]);
  });

  it('RPC_MISMATCH for rpcvers 3, AUTH_ERROR for an unknown flavor or a bad AUTH_SYS body, nothing for bytes that are not RPC', async () => {
    const replies: unknown[] = [];
    const call = (rpcvers: number, flavor: number, body = new Uint8Array(0)) =>
      encode(rpcMsg, { xid: 77, body: { tag: 'CALL', value: { rpcvers, prog: BANK.program, vers: 1, proc: 0, cred: { flavor, body }, verf: { flavor: 0, body: new Uint8Array(0) } } } });
    await world(async (sys) => {
      const t = machTransport(sys, await bankPort(sys));
      for (const bytes of [call(3, 0), call(2, 42), call(2, AUTH_SYS, new Uint8Array([1, 2, 3, 4])), new Uint8Array([1, 2, 3])]) {
        const a = await t.exchange({ bytes }, 5);
        replies.push(a.kind === 'packet' ? bigintJson(decodeMessage(a.packet.bytes).msg.body) : a.kind);
      }
    });
    expect(replies).toEqual([
      { tag: 'REPLY', value: { tag: 'MSG_DENIED', value: { tag: 'RPC_MISMATCH', value: { low: 2, high: 2 } } } },
      { tag: 'REPLY', value: { tag: 'MSG_DENIED', value: { tag: 'AUTH_ERROR', value: 'AUTH_REJECTEDCRED' } } },
      { tag: 'REPLY', value: { tag: 'MSG_DENIED', value: { tag: 'AUTH_ERROR', value: 'AUTH_BADCRED' } } },
      'timeout',
    ]);
  });

  it('RPC_CANTSEND when the server is gone, RPC_TIMEDOUT when nobody answers, RPC_CLOSED after $close', async () => {
    const out: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      const silent = k.port('silent');
      const gone = k.port('gone');
      k.spawn('mute', async (sys) => void (await sys.sleep(1000)), { ports: { p: { port: silent, right: 'receive' } } });
      k.spawn('brief', async () => {}, { ports: { p: { port: gone, right: 'receive' } } }); // ends at once: its port dies
      k.spawn(
        'client',
        async (sys) => {
          await sys.sleep(1);
          const r1 = await rpcClient(sys, BANK, { port: sys.ports.gone! }).balance('x');
          out.push(r1.ok ? 'ok' : [r1.stat, r1.code]);
          const quiet = rpcClient(sys, BANK, { port: sys.ports.silent!, tries: 3, timeout: 7 });
          const t0 = sys.now();
          const r2 = await quiet.balance('x');
          out.push(r2.ok ? 'ok' : [r2.stat, r2.tries, sys.now() - t0, quiet.$stats.retransmissions]);
          await quiet.$close();
          const r3 = await quiet.balance('x');
          out.push(r3.ok ? 'ok' : r3.stat);
        },
        { ports: { silent, gone } },
      );
    });
    expect(out).toEqual([['RPC_CANTSEND', MACH_SEND_INVALID_DEST], ['RPC_TIMEDOUT', 3, 21, 2], 'RPC_CLOSED']);
  });
});

describe('the matchmaker (port mapper v2, checked in as portmap)', () => {
  it('answers getport for a registered program (found), 0 for one not registered, and forgets it after unset', async () => {
    const out: unknown[] = [];
    const sim = await world(async (sys) => {
      const pm = await pmapConnect(sys);
      if (!pm.ok) throw new Error('no portmap');
      const ask = async (prog: number, vers: number) => {
        const r = await pm.client.getport({ prog, vers, prot: 1000, port: 0 });
        return r.ok ? { port: r.value, right: r.rights[0]?.right ?? null } : r.stat;
      };
      await sys.sleep(1); // the bank registers at t=0
      out.push(await ask(BANK.program, 1));
      out.push(await ask(BANK.program, 3));
      out.push(await ask(BANK.program, 2));
      out.push(await ask(0x2000_0099, 1));
      const dump = await pm.client.dump();
      out.push(dump.ok ? listOf(dump.value) : dump.stat);
      const unset = await pm.client.unset({ prog: BANK.program, vers: 1, prot: 0, port: 0 });
      out.push(unset.ok && unset.value);
      out.push(await ask(BANK.program, 1));
      const again = await pm.client.unset({ prog: BANK.program, vers: 1, prot: 0, port: 0 });
      out.push(again.ok && again.value);
      const c = await rpcConnect(sys, BANK);
      out.push(c.ok ? 'connected' : [c.stat, c.detail]);
      const v3 = await rpcConnect(sys, BANK_V3);
      out.push(v3.ok ? [v3.port, (await v3.client.ping3()).ok] : v3.stat);
    });
    expect(out).toEqual([
      { port: 1024, right: 'send' },
      { port: 1025, right: 'send' },
      { port: 0, right: null },
      { port: 0, right: null },
      [
        { prog: BANK.program, vers: 1, prot: 1000, port: 1024 },
        { prog: BANK.program, vers: 3, prot: 1000, port: 1025 },
      ],
      true,
      { port: 0, right: null },
      false,
      ['RPC_PROGNOTREGISTERED', 'BANK version 1 is not registered'],
      [1025, true],
    ]);
    expect(sim.logs('portmap').slice(0, 3)).toEqual([
      'SET program 0x20000001 version 1 → port 1024 (from pid 2)',
      'SET program 0x20000001 version 3 → port 1025 (from pid 2)',
      'GETPORT program 0x20000001 version 1 → port 1024',
    ]);
  });

  it('refuses a second SET of the same program and version, and a Mach mapping without a send right', async () => {
    const out: unknown[] = [];
    await world(async (sys) => {
      await sys.sleep(1);
      const { name: mine } = await sys.port_allocate();
      const pm = await pmapConnect(sys);
      if (!pm.ok) throw new Error('no portmap');
      const set = (right: boolean) =>
        pm.client.set({ prog: BANK.program, vers: 1, prot: 1000, port: 0 }, right ? { rights: [{ name: mine!, disposition: 'make-send' }] } : {});
      out.push(((await set(true)) as { value: boolean }).value);
      const other = await pm.client.set({ prog: 0x2000_0077, vers: 1, prot: 1000, port: 0 });
      out.push(other.ok && other.value);
      const net = await pm.client.set({ prog: 0x2000_0077, vers: 1, prot: 17, port: 2049 });
      out.push(net.ok && net.value);
      const r = await pm.client.getport({ prog: 0x2000_0077, vers: 1, prot: 17, port: 0 });
      out.push(r.ok && [r.value, r.rights.length]);
    });
    expect(out).toEqual([false, false, true, [2049, 0]]);
  });

  it('forgets the mappings of a server whose port died', async () => {
    const out: unknown[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('portmap', (sys) => portmapDaemon(sys), { daemon: true });
      k.spawn('brief', async (sys) => {
        const { name } = await sys.port_allocate();
        const { registerProgram } = await import('../servers/rpc/pmap-client.ts');
        out.push((await registerProgram(sys, BANK, name!)).ok);
      }); // ends: its port dies
      k.spawn('client', async (sys) => {
        await sys.sleep(5);
        const c = await rpcConnect(sys, BANK);
        out.push(c.ok ? 'found' : c.stat);
      });
    });
    expect(out).toEqual([true, 'RPC_PROGNOTREGISTERED']);
    expect(sim.logs('portmap')).toContain('program 0x20000001 version 1 at port 1024: its server died, unset');
  });
});

describe('the history of (client, xid)', () => {
  it('answers a repeat from the history, expires entries after the ttl, and an ack drops the entry and raises the watermark', () => {
    const h = new History(100);
    expect(h.check('c', 7, 0)).toEqual({ kind: 'new' });
    h.remember('c', 7, new Uint8Array([1]), 0);
    expect(h.check('c', 7, 50)).toEqual({ kind: 'replay', reply: new Uint8Array([1]), at: 0 });
    expect(h.check('d', 7, 50)).toEqual({ kind: 'new' }); // another client's xid 7
    expect(h.check('c', 7, 100)).toEqual({ kind: 'new' }); // expired
    h.remember('c', 8, new Uint8Array([2]), 100);
    expect(h.ack('c', 8, 101)).toBe(true);
    expect(h.check('c', 8, 102)).toEqual({ kind: 'acked' });
    expect(h.check('c', 5, 102)).toEqual({ kind: 'acked' }); // older than the watermark
    expect(h.check('c', 9, 102)).toEqual({ kind: 'new' });
    expect(h.stats).toEqual({ entries: 0, replays: 1, lateDuplicates: 2, acked: 1, expired: 1 });
  });

  it('compares xids as serial numbers, so a client may wrap past 2^32', () => {
    expect(after(0, 0xffff_ffff)).toBe(true);
    expect(after(0xffff_ffff, 0)).toBe(false);
    expect(after(5, 5)).toBe(false);
    const h = new History(100);
    h.ack('c', 0xffff_fffe, 0);
    expect(h.check('c', 1, 1)).toEqual({ kind: 'new' });
    expect(h.check('c', 0xffff_fff0, 1)).toEqual({ kind: 'acked' });
  });
});

/** One client making `calls` deposits through a lossy link; what each call came to and how often the bank ran it. */
async function lossyRun(semantics: Semantics, seed: number, loss: number, duplicate: number, calls = 6) {
  const executed: number[] = [];
  const results: RpcResult<unknown>[] = [];
  const link: LinkStats = { forwarded: 0, lost: 0, duplicated: 0 };
  const k = boot({ seed, trace: false });
  const bankPort = k.port('bank');
  const front = k.port('net');
  k.spawn('net', lossyLink({ loss, duplicate, delay: [1, 6], log: false }, link), { daemon: true, ports: { front: { port: front, right: 'receive' }, server: bankPort } });
  k.spawn('bank', (sys) => new RpcServer(sys, [bankService(executed)], { port: sys.ports.s!, register: false }).serve(), {
    daemon: true,
    ports: { s: { port: bankPort, right: 'receive' } },
  });
  k.spawn(
    'teller',
    async (sys) => {
      const c = rpcClient(sys, BANK, { port: sys.ports.net!, semantics, timeout: 10 });
      for (let i = 0; i < calls; i++) results.push(await c.deposit({ account: 'ada', amount: 1 }));
      await sys.sleep(60); // copies still on the link land
    },
    { ports: { net: front } },
  );
  const report = await k.run();
  const runs = (xid: number) => executed.filter((x) => x === xid).length;
  return { report, link, results, runs, executed };
}

describe('failure semantics over a link with seeded loss and duplication', () => {
  it('the same seed gives the same counts: naive retry deposits more than once, at-most-once loses but never repeats, exactly-once deposits once', async () => {
    const figures: Record<string, unknown> = {};
    for (const s of ['at-least-once', 'at-most-once', 'exactly-once'] as const) {
      const r = await lossyRun(s, 3, 0.3, 0.3, 10);
      figures[s] = {
        replies: r.results.filter((x) => x.ok).length,
        executed: r.executed.length,
        repeated: r.results.filter((x) => r.runs(x.xid) > 1).length,
        lost: r.results.filter((x) => r.runs(x.xid) === 0).length,
        link: r.link,
      };
    }
    expect(figures).toEqual({
      // 9 of 10 calls answered; 7 of them ran more than once: 18 deposits.
      'at-least-once': { replies: 9, executed: 18, repeated: 7, lost: 0, link: { forwarded: 37, lost: 8, duplicated: 8 } },
      // one try each: 4 replies lost on the way back, so 6 answered, but each of the 10 ran once.
      'at-most-once': { replies: 6, executed: 10, repeated: 0, lost: 0, link: { forwarded: 20, lost: 2, duplicated: 2 } },
      'exactly-once': { replies: 10, executed: 10, repeated: 0, lost: 0, link: { forwarded: 49, lost: 9, duplicated: 12 } },
    });
  });

  it('at-most-once: every call runs at most once, and exactly once when the client got a reply (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 0.6, noNaN: true }), fc.double({ min: 0, max: 0.6, noNaN: true }), async (seed, loss, dup) => {
        const r = await lossyRun('at-most-once', seed, loss, dup);
        expect(r.report.status).toBe('done');
        for (const x of r.results) {
          expect(r.runs(x.xid)).toBeLessThanOrEqual(1);
          if (x.ok) expect(r.runs(x.xid)).toBe(1);
        }
        expect(r.executed.length).toBe(new Set(r.executed).size);
      }),
      { numRuns: 100 },
    );
  });

  it('exactly-once: every call runs at most once, and exactly once when the client got a reply (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 0.6, noNaN: true }), fc.double({ min: 0, max: 0.6, noNaN: true }), async (seed, loss, dup) => {
        const r = await lossyRun('exactly-once', seed, loss, dup);
        expect(r.report.status).toBe('done');
        for (const x of r.results) {
          expect(r.runs(x.xid)).toBeLessThanOrEqual(1);
          if (x.ok) expect(r.runs(x.xid)).toBe(1);
        }
        // Retransmitting until answered: with up to 60% loss each way, 50 tries of 10 ms get through.
        expect(r.results.every((x) => x.ok)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('at-least-once: a call the client got a reply for ran at least once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 0.6, noNaN: true }), fc.double({ min: 0, max: 0.6, noNaN: true }), async (seed, loss, dup) => {
        const r = await lossyRun('at-least-once', seed, loss, dup);
        for (const x of r.results) if (x.ok) expect(r.runs(x.xid)).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });
});

describe('the transport seam', () => {
  it('the same stubs run over another transport: the direct model’s send(pid) and receive(ANY)', async () => {
    const got: unknown[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const bank = k.spawn(
        'bank',
        async (sys) => {
          const transport: RpcServerTransport = {
            kind: 'direct',
            async receive() {
              const r = await sys.receive<Uint8Array>(ANY);
              return r.ok ? { bytes: r.body, rights: [], sender: r.from, from: r.from } : null;
            },
            async replyAndReceive(to, out) {
              await sys.send(to.from as number, out.bytes);
              return this.receive();
            },
            async reply(to, out) {
              return sys.send(to.from as number, out.bytes);
            },
            async drop() {},
          };
          return new RpcServer(sys, [bankService()], { transport }).serve();
        },
        { daemon: true },
      );
      k.spawn('client', async (sys) => {
        const peer = bank.pid;
        const transport: RpcTransport = {
          kind: 'direct',
          async exchange(out, timeout) {
            const code = await sys.send(peer, out.bytes);
            return code === 0 ? this.receive(timeout) : { kind: 'cant-send', code };
          },
          async receive(timeout) {
            const r = await sys.receive<Uint8Array>(peer, { timeout });
            return r.ok ? { kind: 'packet', packet: { bytes: r.body, rights: [] } } : { kind: 'timeout' };
          },
          send: (out) => sys.send(peer, out.bytes),
          async close() {},
        };
        const c = rpcClient(sys, BANK, { transport, semantics: 'exactly-once' });
        got.push(await c.deposit({ account: 'ada', amount: 3 }), await c.balance('ada'));
      });
    });
    expect(sim.report.status).toBe('done');
    expect(got.map((r) => (r as RpcResult<unknown>).ok && (r as { value: unknown }).value)).toEqual([{ balance: 3n }, 3n]);
  });
});

describe('scenarios/rpc-semantics.ts, as a user runs it', () => {
  it('prints the count table and one diagram per semantics; the same seed gives the same output', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const run = (...a: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scenarios/rpc-semantics.ts', ...a], { cwd: new URL('..', import.meta.url).pathname });
    const { stdout } = await run('--seed', '3');
    expect(stdout).toContain('at-least-once       20            31        11     0             11             0          10/10       31');
    expect(stdout).toContain('at-most-once        14            18         0     2              0             4            5/8       18');
    expect(stdout).toContain('exactly-once        20            20         0     0             11             9          14/13       20');
    expect(stdout.match(/sequenceDiagram/g)).toHaveLength(3);
    expect((await run('--seed', '3')).stdout).toBe(stdout);
    expect((await run('--help')).stdout.split('\n')[0]).toBe('RPC failure semantics: a non-idempotent deposit over a link that loses and duplicates messages;');
  }, 60_000); // three runs of a script: slow on a loaded machine
});
