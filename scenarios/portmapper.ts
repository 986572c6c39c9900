/**
 * The port mapper on UDP port 111, with load balancing and failover: three instances of one
 * RPC service on 161.25.19.8 register with that host's port mapper; clients on two other hosts
 * ask it GETPORT over the network before each call and call the instance it names over UDP.
 * Round robin shows in who served which call; then instance 2 crashes in the middle of a
 * call: its caller times out, the mapper hears the dead-name notification and drops it, and
 * the clients are sent to the others. The mapper's table (DUMP) before and after; then the
 * same service with `least-loaded` and one instance reporting itself busy.
 *
 *   npx tsx scenarios/portmapper.ts [--seed N] [--only summary|table|mermaid] [--trace]
 *
 * `--only table` prints the trace of part 1 (`--trace`: every record), `--only mermaid` its
 * calls as a sequence diagram; the summary is the rest.
 */
import { parseArgs } from './args.ts';
import { renderTable } from '../trace/index.ts';
import { focus } from '../testing/index.ts';
import type { Kernel, Sys } from '../index.ts';
import { netServer } from '../servers/net/index.ts';
import { pmapAt, pmapLoadAt, portmapper, udpConnect, udpRpcServer, type Balance, type PortmapperState } from '../servers/portmap/index.ts';
import { defineProgram, implement, IPPROTO_UDP, listOf, xdr, type Mapping } from '../servers/rpc/index.ts';

const args = parseArgs(`Three instances of one RPC service register with the port mapper on UDP 111; clients on other hosts
ask GETPORT and call over UDP: round robin, then an instance crashes and clients fail over (DUMP before and after).`);
const show = (part: 'summary' | 'table' | 'mermaid') => (args.only === null ? part === 'summary' : args.only === part);
const say = (...lines: string[]) => {
  if (show('summary')) for (const l of lines) console.log(l);
};

const A = '146.86.5.20';
const B = '161.25.19.8';
const C = '128.2.13.7';

/** The service: who answers a greeting. */
const HELLO = defineProgram({ name: 'HELLO', program: 0x2000_0042, version: 1, procedures: { hello: { proc: 1, args: xdr.string(64), result: xdr.string(128) } } });

/** One call as a client saw it. */
interface Call {
  t: number;
  who: string;
  /** GETPORT's answers, in order (a failover asks again). */
  ports: number[];
  outcome: string;
}

/**
 * Host B: its network server (pid 1), the port mapper (pid 2, privileged for port 111), and
 * instances 1-3 of HELLO on UDP 2001-2003; instance `crash` exits (139, a segfault) on its
 * third call, before answering. Hosts A and C: a network server each.
 */
function world(balance: Balance, crash: number) {
  const k = args.boot({ hosts: [A, B, C] });
  k.network.link(A, B, { latency: 2 });
  k.network.link(C, B, { latency: 5 });
  const state: { mapper?: PortmapperState } = {};
  k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
  k.host(B).spawn('portmapper', portmapper({ balance, onReady: (s) => (state.mapper = s) }), { daemon: true });
  for (const n of [1, 2, 3]) {
    let calls = 0;
    const hello = async (name: string, sys: Sys) => {
      if (n === crash && ++calls === 3) await sys.exit(139);
      return `hello ${name}, from instance ${n}`;
    };
    k.host(B).spawn(`hello-${n}`, (sys) => udpRpcServer(sys, [implement(HELLO, { hello: (s) => hello(s, sys) })], { port: 2000 + n }), { daemon: true });
  }
  k.spawn('netserver', netServer(), { daemon: true });
  k.host(C).spawn('netserver', netServer(), { daemon: true });
  return { k, state };
}

/**
 * A client program: `n` calls, `gap` ms apart, starting at `start`; before each call GETPORT
 * on B, then the call over UDP (30 ms, one try); a call that times out asks GETPORT again and
 * calls the next instance (failover), up to three instances.
 */
function caller(who: string, start: number, n: number, gap: number, calls: Call[]) {
  return async (sys: Sys) => {
    await sys.sleep(start);
    for (let i = 1; i <= n; i++) {
      const call: Call = { t: sys.now(), who, ports: [], outcome: '' };
      calls.push(call);
      for (let attempt = 0; attempt < 3 && call.outcome === '' ; attempt++) {
        const c = await udpConnect(sys, B, HELLO, { timeout: 30, tries: 1 });
        if (!c.ok) {
          call.ports.push(0);
          call.outcome = c.stat;
          break;
        }
        call.ports.push(c.port);
        const r = await c.client.hello(`${who} #${i}`);
        await c.client.$close();
        if (r.ok) call.outcome = r.value;
        else if (r.stat !== 'RPC_TIMEDOUT') call.outcome = r.stat;
      }
      await sys.sleep(gap);
    }
  };
}

/** DUMP over UDP from host A, as rows. */
function dumper(label: string, at: number, dumps: { label: string; t: number; maps: Mapping[] | string }[]) {
  return async (sys: Sys) => {
    await sys.sleep(at);
    const pm = pmapAt(sys, B);
    const d = await pm.dump();
    dumps.push({ label, t: sys.now(), maps: d.ok ? listOf(d.value) : d.stat });
    await pm.$close();
  };
}

const rowOf = (m: Mapping) => `    ${`0x${m.prog.toString(16)}`.padEnd(11)} ${String(m.vers).padEnd(4)} ${(m.prot === IPPROTO_UDP ? 'udp' : String(m.prot)).padEnd(5)} ${m.port}`;
function printDump(d: { label: string; t: number; maps: Mapping[] | string }) {
  say(`  DUMP ${d.label} (t=${d.t}, asked from ${A} over UDP):`);
  if (typeof d.maps === 'string') return say(`    ${d.maps}`);
  say('    program     vers prot  port', ...(d.maps.length ? d.maps.map(rowOf) : ['    (empty)']));
}
function printCalls(calls: Call[]) {
  say('  t     client              GETPORT       served by / outcome');
  for (const c of [...calls].sort((x, y) => x.t - y.t || x.who.localeCompare(y.who))) {
    const ports = c.ports.join(' → ');
    const by = /instance (\d)/.exec(c.outcome);
    const tag = c.ports.length > 1 ? `   (failover: ${c.ports[0]} did not answer in 30 ms)` : '';
    say(`  ${String(c.t).padEnd(5)} ${c.who.padEnd(19)} ${ports.padEnd(13)} ${by ? `instance ${by[1]}` : c.outcome}${tag}`);
  }
}
const mapperLog = (k: Kernel<Sys>, keep: (text: string) => boolean) =>
  k.trace.records.filter((r) => r.kind === 'log' && r.task === 'portmapper' && keep(r.detail ?? '')).map((r) => `  t=${String(r.t).padEnd(5)} portmapper@${B}: ${r.detail}`);

/** A Mermaid sequence diagram of part 1: each call's GETPORT and who served it. */
function diagram(calls: Call[]): string {
  const out = ['sequenceDiagram', `    participant CL as clients on ${A} and ${C}`, `    participant PM as portmapper ${B}:111`];
  for (const n of [1, 2, 3]) out.push(`    participant I${n} as instance ${n} ${B}:${2000 + n}`);
  for (const c of [...calls].sort((x, y) => x.t - y.t || x.who.localeCompare(y.who))) {
    for (const [i, port] of c.ports.entries()) {
      out.push(`    CL->>PM: t=${c.t} ${c.who}: GETPORT HELLO v1 udp`, `    PM-->>CL: ${port}`);
      if (port === 0) continue;
      const last = i === c.ports.length - 1;
      out.push(last ? `    CL->>I${port - 2000}: hello` : `    CL-xI${port - 2000}: hello (no answer: crashed)`);
      if (last) out.push(`    I${port - 2000}-->>CL: ${c.outcome.replace(/;/g, ',').replace(/#/g, '#35;')}`);
    }
  }
  return out.join('\n');
}

// 1. Round robin, then instance 2 crashes.
{
  const { k, state } = world('round-robin', 2);
  const calls: Call[] = [];
  const dumps: { label: string; t: number; maps: Mapping[] | string }[] = [];
  k.spawn('dump', dumper('before', 5, dumps));
  k.spawn('alice', caller(`alice@${A}`, 10, 5, 12, calls));
  k.spawn('bob', caller(`bob@${A}`, 14, 5, 12, calls));
  k.host(C).spawn('carol', caller(`carol@${C}`, 12, 4, 14, calls));
  k.spawn('dump', dumper('after', 200, dumps));
  const r = await k.run({ until: 10_000 });
  say(`1. Round robin (seed ${args.seed}): three instances of HELLO (0x20000042 v1) on ${B}, UDP 2001-2003,`);
  say(`   registered with ${B}'s port mapper over Mach, each SET carrying a send right it watches;`);
  say(`   clients on ${A} and ${C} ask GETPORT on ${B}:111 before each call. Run ${r.status} at t=${r.time}.\n`);
  printDump(dumps.find((d) => d.label === 'before')!);
  say('');
  printCalls(calls);
  const answers = mapperLog(k, (t) => t.startsWith('GETPORT')).map((l) => /udp (\d+)/.exec(l)?.[1]);
  say('', `  GETPORT answers in the order the mapper gave them: ${answers.join(' ')}`);
  say('', '  What the port mapper saw of the crash:', ...mapperLog(k, (t) => t.includes('died') || (t.startsWith('SET') && !t.includes('refused'))));
  say('');
  printDump(dumps.find((d) => d.label === 'after')!);
  const served = (n: number) => calls.filter((c) => c.outcome.endsWith(`instance ${n}`)).length;
  say(`\n  calls served: instance 1 ${served(1)}, instance 2 ${served(2)}, instance 3 ${served(3)}; failed ${calls.filter((c) => !/instance/.test(c.outcome)).length}`);
  const m = state.mapper!;
  say(`  the mapper answered ${m.udp?.stats.received ?? 0} calls over UDP and ${m.mach.stats.received} over Mach; ps on ${B}: ${k.host(B).ps().map((p) => `${p.pid} ${p.name}`).join(', ')}`);
  if (show('table')) console.log(renderTable(args.fullTrace ? k.trace.records : focus(k.trace.records)));
  if (show('mermaid')) console.log(diagram(calls));
}

// 2. Least loaded: instance 1 reports itself busy.
{
  const { k } = world('least-loaded', 0);
  const calls: Call[] = [];
  let loads = '';
  k.host(B).spawn('hello-1.load', async (sys) => {
    await sys.sleep(4);
    const pm = pmapLoadAt(sys, '127.0.0.1');
    await pm.report({ map: { prog: HELLO.program, vers: 1, prot: IPPROTO_UDP, port: 2001 }, load: 3 });
    await pm.$close();
  });
  k.spawn('alice', caller(`alice@${A}`, 10, 8, 10, calls));
  k.spawn('loads', async (sys) => {
    await sys.sleep(150);
    const pm = pmapLoadAt(sys, B);
    const l = await pm.loads();
    if (l.ok) loads = l.value.map((e) => `    ${e.map.port}  reported ${e.reported}, handed out ${e.handed_out}, load now ${e.reported + e.given}`).join('\n');
    await pm.$close();
  });
  const r = await k.run({ until: 10_000 });
  say(`\n2. Least loaded (seed ${args.seed}): the same three instances; instance 1 reports load 3 (PMAPLOAD.report, over`);
  say(`   loopback UDP); load = reported + GETPORTs handed out since, the earliest among equals. Run ${r.status} at t=${r.time}.\n`);
  printCalls(calls);
  say('', `  PMAPLOAD.loads at the end:`, loads);
}
