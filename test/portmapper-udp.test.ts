import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, type Kernel, type Sys } from '../index.ts';
import { netServer } from '../servers/net/index.ts';
import { pmapAt, pmapLoadAt, PortmapTable, portmapper, udpConnect, udpRpcServer, UdpSocket, udpTransport, type PortmapperOptions, type PortmapperState } from '../servers/portmap/index.ts';
import { decode, decodeMessage, defineProgram, encodeCall, implement, IPPROTO_UDP, listOf, mapping, PMAP, registerProgram, rpcClient, rpcConnect, xdr, type Mapping } from '../servers/rpc/index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';
const ECHO = defineProgram({ name: 'ECHO', program: 0x2000_0042, version: 1, procedures: { who: { proc: 1, args: xdr.string(), result: xdr.string() } } });
const udp = (port: number, prog = ECHO.program): Mapping => ({ prog, vers: 1, prot: IPPROTO_UDP, port });
const ports = (maps: Mapping[]) => maps.map((m) => m.port);
/** A client of the echo server on B's UDP `port`, straight (no GETPORT), one try. */
const rpcClientAt = (sys: Sys, port: number) => rpcClient(sys, ECHO, { transport: udpTransport(sys, B, port), timeout: 10, tries: 1 });

/**
 * Host B: network server (pid 1), port mapper (pid 2, privileged unless told), and echo
 * servers on UDP 2001.. (each answers "<arg> by <n>"; the argument "crash" makes it exit 139
 * before answering). Host A: its network server; the test's client runs there.
 */
function world(opts: { seed?: number; mapper?: PortmapperOptions; echoes?: number; privileged?: boolean; link?: Record<string, number> } = {}) {
  const k = boot({ hosts: [A, B], seed: opts.seed ?? 1, console: false });
  k.network.link(A, B, { latency: 2, ...opts.link });
  const state: { mapper?: PortmapperState } = {};
  k.host(B).spawn('netserver', netServer({ privileged: opts.privileged === false ? [] : [2] }), { daemon: true });
  k.host(B).spawn('portmapper', portmapper({ ...opts.mapper, onReady: (s) => (state.mapper = s) }), { daemon: true });
  for (let n = 1; n <= (opts.echoes ?? 0); n++) {
    const who = async (s: string, sys: Sys) => (s === 'crash' ? sys.exit(139) : `${s} by ${n}`);
    k.host(B).spawn(`echo-${n}`, (sys) => udpRpcServer(sys, [implement(ECHO, { who: (s) => who(s, sys) })], { port: 2000 + n }), { daemon: true });
  }
  k.spawn('netserver', netServer(), { daemon: true });
  return { k, state };
}

/** Runs `body` as a client task on host A after the servers have started; resolves when the run ends. */
async function client(k: Kernel<Sys>, body: (sys: Sys) => Promise<void>) {
  let error: unknown;
  k.spawn('client', async (sys) => {
    await sys.sleep(5);
    try {
      await body(sys);
    } catch (e) {
      error = e;
    }
  });
  const r = await k.run();
  if (error) throw error;
  expect(r.status).toBe('done');
  return r;
}

const logs = (k: Kernel<Sys>, task: string) => k.trace.records.filter((r) => r.kind === 'log' && r.task === task).map((r) => (r as { detail: string }).detail);

/** n GETPORTs of ECHO from host A: the ports answered. */
async function getports(sys: Sys, n: number): Promise<number[]> {
  const pm = pmapAt(sys, B);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await pm.getport(udp(0));
    out.push(r.ok ? r.value : -1);
  }
  await pm.$close();
  return out;
}

describe('the port mapper on UDP 111', () => {
  it('SET, UNSET, GETPORT and DUMP over UDP from another host, with exact answers', async () => {
    const { k } = world();
    const seen: unknown[] = [];
    await client(k, async (sys) => {
      const pm = pmapAt(sys, B);
      const v = async (p: Promise<{ ok: boolean; value?: unknown; stat?: string }>) => {
        const r = await p;
        return r.ok ? r.value : r.stat;
      };
      seen.push(await v(pm.set(udp(3000))));
      seen.push(await v(pm.set(udp(3001))));
      seen.push(await v(pm.set(udp(3000)))); // a leased registration: SET again renews it
      seen.push(await v(pm.set(udp(0)))); // no port
      seen.push(await v(pm.set(udp(4000, 0x2000_0077))));
      const d = await pm.dump();
      seen.push(d.ok ? listOf(d.value) : d.stat);
      seen.push(await v(pm.getport(udp(0))));
      seen.push(await v(pm.getport(udp(0, 0x2000_0099))));
      seen.push(await v(pm.unset(udp(3001)))); // narrowed to port 3001
      seen.push(await v(pm.unset({ prog: ECHO.program, vers: 1, prot: 0, port: 0 }))); // every registration of ECHO v1
      seen.push(await v(pm.unset(udp(0))));
      const after = await pm.dump();
      seen.push(after.ok ? listOf(after.value) : after.stat);
      seen.push(await v(pm.$ping()));
      await pm.$close();
    });
    expect(seen).toEqual([
      true,
      true,
      true,
      false,
      true,
      [udp(3000), udp(3001), udp(4000, 0x2000_0077)],
      3000,
      0,
      true,
      true,
      false,
      [udp(4000, 0x2000_0077)],
      undefined,
    ]);
    expect(logs(k, 'portmapper')).toContain('SET 0x20000042 v1 udp 3000 over UDP: lease renewed');
    expect(k.network.packets.every((p) => p.fate === 'delivered')).toBe(true);
  });

  it('port 111 needs privilege: an unprivileged mapper ends with 1 and says EACCES; GETPORT times out', async () => {
    const { k } = world({ privileged: false });
    let answer: unknown;
    await client(k, async (sys) => {
      const pm = pmapAt(sys, B, { timeout: 10, tries: 2 });
      const g = await pm.getport(udp(0));
      answer = g.ok ? g.value : g.stat;
    });
    expect(answer).toBe('RPC_TIMEDOUT');
    expect(logs(k, 'portmapper')).toEqual(['cannot bind UDP port 111: EACCES']);
    const exit = k.trace.records.find((r) => r.kind === 'exit' && r.task === 'portmapper') as { code: number; host?: string } | undefined;
    expect([exit?.code, exit?.host]).toEqual([1, B]);
  });

  it('round robin hands out the servers in registration order, and an UNSET of one keeps the order of the rest', async () => {
    const { k } = world({ echoes: 3 });
    const got: number[][] = [];
    const served: string[] = [];
    await client(k, async (sys) => {
      got.push(await getports(sys, 7));
      const pm = pmapAt(sys, B);
      await pm.unset(udp(2002));
      await pm.$close();
      got.push(await getports(sys, 3));
      for (let i = 0; i < 3; i++) {
        const c = await udpConnect(sys, B, ECHO);
        if (!c.ok) throw new Error(c.detail);
        const r = await c.client.who(`call ${i}`);
        served.push(r.ok ? r.value : r.stat);
        await c.client.$close();
      }
    });
    expect(got).toEqual([
      [2001, 2002, 2003, 2001, 2002, 2003, 2001],
      [2003, 2001, 2003],
    ]);
    expect(served).toEqual(['call 0 by 1', 'call 1 by 3', 'call 2 by 1']);
  });

  it('least-loaded picks the server with the least load (reported + handed out since), the earliest among equals', async () => {
    const { k } = world({ echoes: 3, mapper: { balance: 'least-loaded' } });
    let got: number[] = [];
    let loads: unknown;
    let report: unknown[] = [];
    await client(k, async (sys) => {
      const load = pmapLoadAt(sys, B);
      const r1 = await load.report({ map: udp(2002), load: 2 });
      const r2 = await load.report({ map: udp(2999), load: 1 });
      report = [r1.ok && r1.value, r2.ok && r2.value];
      got = await getports(sys, 7);
      const l = await load.loads();
      loads = l.ok ? l.value.map((e) => [e.map.port, e.reported, e.given, e.handed_out]) : l.stat;
      await load.$close();
    });
    expect(report).toEqual([true, false]);
    // loads a, b, c = 0, 2, 0: a, c, a, c, a (all at 2 now), b, c
    expect(got).toEqual([2001, 2003, 2001, 2003, 2001, 2002, 2003]);
    expect(loads).toEqual([
      [2001, 0, 3, 3],
      [2002, 2, 1, 1],
      [2003, 0, 3, 3],
    ]);
  });

  it("failover: a server that dies is dropped on its dead-name notification; GETPORT sends clients to the next, 0 when none is left", async () => {
    const { k, state } = world({ echoes: 3 });
    const story: unknown[] = [];
    await client(k, async (sys) => {
      story.push(await getports(sys, 2)); // 2001, 2002
      const c = await udpConnect(sys, B, ECHO, { timeout: 20, tries: 2 }); // 2003
      if (!c.ok) throw new Error(c.detail);
      story.push(c.port);
      const pm = pmapAt(sys, B);
      const before = await pm.dump();
      story.push(before.ok ? ports(listOf(before.value)) : before.stat);
      const crash = await c.client.who('crash'); // echo-3 exits before answering
      story.push(crash.ok ? crash.value : crash.stat);
      await c.client.$close();
      const after = await pm.dump();
      story.push(after.ok ? ports(listOf(after.value)) : after.stat);
      story.push(await getports(sys, 3));
      // The last two die too: nothing is left to hand out.
      for (const port of [2001, 2002]) {
        const t = rpcClientAt(sys, port);
        await t.who('crash');
        await t.$close();
      }
      story.push(await getports(sys, 1));
      await pm.$close();
    });
    expect(story).toEqual([[2001, 2002], 2003, [2001, 2002, 2003], 'RPC_TIMEDOUT', [2001, 2002], [2001, 2002, 2001], [0]]);
    const deaths = logs(k, 'portmapper').filter((l) => l.includes('died'));
    expect(deaths).toEqual(['0x20000042 v1 udp 2003: its server died, unset', '0x20000042 v1 udp 2001: its server died, unset', '0x20000042 v1 udp 2002: its server died, unset']);
    expect(state.mapper!.table.all).toEqual([]);
  });

  it('a registration without a send right holds a lease: dropped when it runs out unless SET again', async () => {
    const { k } = world({ mapper: { lease: 100 } });
    const seen: unknown[] = [];
    await client(k, async (sys) => {
      const pm = pmapAt(sys, B);
      await pm.set(udp(3000));
      await pm.set(udp(3001));
      await sys.sleep(60);
      await pm.set(udp(3000)); // renewed
      await sys.sleep(60);
      const d = await pm.dump();
      seen.push(d.ok ? ports(listOf(d.value)) : d.stat);
      await sys.sleep(60);
      const g = await pm.getport(udp(0));
      seen.push(g.ok ? g.value : g.stat);
      await pm.$close();
    });
    expect(seen).toEqual([[3000], 0]);
    expect(logs(k, 'portmapper').filter((l) => l.includes('lease ran out'))).toEqual(['0x20000042 v1 udp 3001: lease ran out, unset', '0x20000042 v1 udp 3000: lease ran out, unset']);
  });

  it('bad datagrams get an RPC error reply or none, never a crash: PROG_UNAVAIL, PROC_UNAVAIL, GARBAGE_ARGS; junk is dropped', async () => {
    const { k } = world({ echoes: 1 });
    const answers: unknown[] = [];
    await client(k, async (sys) => {
      const { socket } = await UdpSocket.open(sys);
      const s = socket!;
      const ask = async (bytes: Uint8Array) => {
        await s.sendto(bytes, B, 111);
        const a = await s.next(20);
        if (a.kind !== 'datagram') return a.kind;
        const { msg } = decodeMessage(a.datagram.bytes);
        const body = msg.body.tag === 'REPLY' ? msg.body.value : null;
        return body?.tag === 'MSG_ACCEPTED' ? `${msg.xid} ${body.value.reply_data.tag}` : JSON.stringify(body);
      };
      answers.push(await ask(new Uint8Array([1, 2, 3])));
      answers.push(await ask(encodeCall({ xid: 11, prog: 999, vers: 1, proc: 1 }, xdr.void, undefined)));
      answers.push(await ask(encodeCall({ xid: 12, prog: PMAP.program, vers: 2, proc: 9 }, xdr.void, undefined)));
      answers.push(await ask(encodeCall({ xid: 13, prog: PMAP.program, vers: 2, proc: 3 }, xdr.unsigned, 7)));
      answers.push(await ask(encodeCall({ xid: 14, prog: PMAP.program, vers: 2, proc: 3 }, mapping, udp(0)).subarray(0, 50)));
      const ok = await s.sendto(encodeCall({ xid: 15, prog: PMAP.program, vers: 2, proc: 3 }, mapping, udp(0)), B, 111);
      const a = await s.next(20);
      answers.push(ok === 0 && a.kind === 'datagram' ? decode(xdr.unsigned, a.datagram.bytes.subarray(24)) : a.kind);
      await s.close();
    });
    expect(answers).toEqual(['timeout', '11 PROG_UNAVAIL', '12 PROC_UNAVAIL', '13 GARBAGE_ARGS', '14 GARBAGE_ARGS', 2001]);
  });

  it('on its own host it is the matchmaker too: registerProgram and rpcConnect over Mach work unchanged', async () => {
    const k = boot({ hosts: [A, B], seed: 1, console: false });
    k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
    k.host(B).spawn('portmapper', portmapper(), { daemon: true });
    const out: unknown[] = [];
    k.host(B).spawn('echo', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'echo');
      out.push((await registerProgram(sys, ECHO, name!)).ok);
      const r = await sys.msg_receive(name!);
      out.push(r.ok);
    });
    k.host(B).spawn('client', async (sys) => {
      const c = await rpcConnect(sys, ECHO, { waitMs: 20 });
      out.push(c.ok ? c.port : c.stat);
      if (c.ok) await c.client.who('hi', { timeout: 1 });
    });
    expect((await k.run()).status).toBe('done');
    expect(out).toEqual([true, 1024, true]);
  });

  it('the same seed gives the same trace over a lossy link; another seed another', async () => {
    const run = async (seed: number) => {
      const { k } = world({ seed, echoes: 2, link: { loss: 0.2, duplicate: 0.1 } });
      await client(k, async (sys) => {
        for (let i = 0; i < 4; i++) {
          const c = await udpConnect(sys, B, ECHO, { timeout: 15, tries: 3 });
          if (c.ok) await c.client.who(`call ${i}`);
          if (c.ok) await c.client.$close();
        }
      });
      return JSON.stringify(k.trace.records.filter((r) => r.kind === 'packet' || r.kind === 'log'));
    };
    const one = await run(3);
    expect(await run(3)).toBe(one);
    expect(await run(4)).not.toBe(one);
  });
});

describe('the port mapper table (no system calls)', () => {
  const ops = fc.array(fc.oneof(fc.record({ op: fc.constant('set' as const), port: fc.integer({ min: 2001, max: 2006 }) }), fc.record({ op: fc.constant('unset' as const), port: fc.integer({ min: 2001, max: 2006 }) }), fc.record({ op: fc.constant('get' as const), port: fc.constant(0) })), { maxLength: 60 });

  it('round robin: between changes to the pool, any n GETPORTs in a row hand out each of its n members once, in registration order', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const t = new PortmapTable('round-robin');
        let run: number[] = [];
        const check = () => {
          const pool = ports(t.pool(udp(0)).map((r) => r.map));
          for (let i = 0; i + pool.length <= run.length; i++) expect([...run.slice(i, i + pool.length)].sort()).toEqual([...pool].sort());
          // Each answer is the pool member after the previous one, in registration order.
          for (let i = 1; i < run.length; i++) expect(run[i]).toBe(pool[(pool.indexOf(run[i - 1]!) + 1) % pool.length]);
          run = [];
        };
        for (const o of list) {
          if (o.op === 'get') {
            const r = t.getport(udp(0));
            expect(r === undefined).toBe(t.pool(udp(0)).length === 0);
            if (r) run.push(r.map.port);
            continue;
          }
          check();
          if (o.op === 'set') t.set(udp(o.port), 7, 0);
          else t.unset(udp(o.port));
        }
        check();
      }),
    );
  });

  it('least-loaded: the server handed out always has the least load of its pool, the earliest among equals', () => {
    fc.assert(
      fc.property(ops, fc.array(fc.nat(5), { minLength: 6, maxLength: 6 }), (list, reports) => {
        const t = new PortmapTable('least-loaded');
        for (const o of list) {
          if (o.op === 'set') (t.set(udp(o.port), 7, 0), t.report(udp(o.port), reports[o.port - 2001]!));
          else if (o.op === 'unset') t.unset(udp(o.port));
          else {
            const before = t.pool(udp(0)).map((r) => ({ port: r.map.port, load: r.reported + r.given }));
            const pick = t.getport(udp(0));
            if (!pick) expect(before).toEqual([]);
            else expect(pick.map.port).toBe(before.find((b) => b.load === Math.min(...before.map((x) => x.load)))!.port);
          }
        }
      }),
    );
  });
});
