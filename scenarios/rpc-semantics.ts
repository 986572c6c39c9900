/**
 * RPC's failure semantics, watched: a bank server with a non-idempotent
 * deposit, reached through a link that loses and duplicates messages
 * (seeded), called by a teller with each of the three semantics. The teller
 * asks the matchmaker which port serves BANK version 1 (the bank registered
 * the link's front), then deposits 1 twenty times:
 *
 * - at-least-once (naive retry, anonymous calls): every copy that reaches the
 *   bank is executed, so some deposits happen twice or more;
 * - at-most-once (one try; the bank's history of (client, xid) answers
 *   duplicates): a deposit may be lost, never repeated;
 * - exactly-once (retransmit until a reply, then acknowledge it): each deposit
 *   happens once.
 *
 * Then, for each, the sequence diagram of one call that went wrong.
 *
 *   npx tsx scenarios/rpc-semantics.ts [--seed N] [--trace] [--only mermaid|table|summary]
 */
import { focus, renderMermaid, renderTable, type Kernel, type Sys } from '../index.ts';
import {
  defineProgram,
  implement,
  lossyLink,
  portmapDaemon,
  rpcConnect,
  RpcServer,
  SEMANTICS,
  xdr,
  type LinkStats,
  type RpcFailure,
  type Semantics,
} from '../servers/rpc/index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`RPC failure semantics: a non-idempotent deposit over a link that loses and duplicates messages;
naive retry deposits twice, at-most-once may lose a call but never repeats it, exactly-once deposits once.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;

const CALLS = 20;
const LINK = { loss: 0.25, duplicate: 0.2, delay: [1, 6] as const };
const TIMEOUT = 10;

/** The bank's interface, as rpcgen's .x would say it. */
const BANK = defineProgram({
  name: 'BANK',
  program: 0x2000_0001,
  version: 1,
  procedures: {
    deposit: { proc: 1, args: xdr.struct([['account', xdr.string(32)], ['amount', xdr.int]]), result: xdr.struct([['balance', xdr.hyper]]) },
  },
});

interface Call {
  xid: number;
  ok: boolean;
  stat: RpcFailure | 'SUCCESS';
  tries: number;
  /** Trace records of the call: [first, last) by index. */
  from: number;
  to: number;
}

interface Run {
  semantics: Semantics;
  k: Kernel<Sys>;
  calls: Call[];
  /** Executions of each xid at the bank. */
  executed: Map<number, number>;
  balance: bigint;
  fromHistory: number;
  retransmissions: number;
  link: LinkStats;
  connected: string;
}

async function run(semantics: Semantics): Promise<Run> {
  const k = args.boot();
  const out: Run = { semantics, k, calls: [], executed: new Map(), balance: 0n, fromHistory: 0, retransmissions: 0, link: { forwarded: 0, lost: 0, duplicated: 0 }, connected: '' };
  const bankPort = k.port('bank');
  const front = k.port('net');
  const balances = new Map<string, bigint>();
  let server: RpcServer | null = null;
  const bank = implement(BANK, {
    deposit: ({ account, amount }, ctx) => {
      out.executed.set(ctx.xid, (out.executed.get(ctx.xid) ?? 0) + 1);
      const balance = (balances.get(account) ?? 0n) + BigInt(amount);
      balances.set(account, balance);
      return { balance };
    },
  });

  k.spawn('portmap', (sys) => portmapDaemon(sys), { daemon: true });
  k.spawn('net', lossyLink(LINK, out.link), { daemon: true, ports: { front: { port: front, right: 'receive' }, server: bankPort } });
  k.spawn(
    'bank',
    (sys) => (server = new RpcServer(sys, [bank], { port: sys.ports.service!, advertise: sys.ports.front!, log: true })).serve(),
    { daemon: true, ports: { service: { port: bankPort, right: 'receive' }, front } },
  );
  k.spawn('teller', async (sys) => {
    const c = await rpcConnect(sys, BANK, { semantics, timeout: TIMEOUT, log: true, waitMs: 50 });
    if (!c.ok) {
      out.connected = `${c.stat}: ${c.detail}`;
      return 1;
    }
    out.connected = `port ${c.port}`;
    for (let i = 0; i < CALLS; i++) {
      const from = k.trace.records.length;
      const r = await c.client.deposit({ account: 'ada', amount: 1 });
      out.calls.push({ xid: r.xid, ok: r.ok, stat: r.ok ? 'SUCCESS' : r.stat, tries: r.tries, from, to: k.trace.records.length });
    }
    out.retransmissions = c.client.$stats.retransmissions;
    await sys.sleep(50); // late duplicates still on the link arrive, and are counted
    return 0;
  });
  const report = await k.run();
  if (report.status !== 'done') throw new Error(`${semantics}: the run ended ${report.status}`);
  out.balance = balances.get('ada') ?? 0n;
  out.fromHistory = server!.stats.answers.replayed ?? 0;
  return out;
}

/** The call whose diagram tells the semantics' story. */
function storyOf(r: Run): { call: Call; why: string } | null {
  const execs = (c: Call) => r.executed.get(c.xid) ?? 0;
  const pick = (why: string, f: (c: Call) => boolean) => {
    const call = r.calls.find(f);
    return call ? { call, why } : null;
  };
  if (r.semantics === 'at-least-once') return pick('retried, and executed more than once', (c) => c.tries > 1 && execs(c) > 1) ?? pick('retried', (c) => c.tries > 1);
  if (r.semantics === 'at-most-once') return pick('lost: no reply, and not tried again', (c) => !c.ok) ?? pick('duplicated by the link', (c) => execs(c) === 1);
  return pick('retried until answered, answered once', (c) => c.tries > 1);
}

const runs: Run[] = [];
for (const s of SEMANTICS) runs.push(await run(s));

if (show('summary') || show('table')) {
  console.log(`A deposit of 1, ${CALLS} times, through a link that loses ${LINK.loss * 100}% and duplicates ${LINK.duplicate * 100}% of messages`);
  console.log(`(each way, ${LINK.delay[0]}-${LINK.delay[1]} ms late), with a ${TIMEOUT} ms time-out. Seed ${args.seed}. The teller found BANK v1 at ${runs[0]!.connected} through the matchmaker.\n`);
  const rows = runs.map((r) => {
    const execs = r.calls.map((c) => r.executed.get(c.xid) ?? 0);
    return [
      r.semantics,
      String(r.calls.filter((c) => c.ok).length),
      String(execs.reduce((a, b) => a + b, 0)),
      String(execs.filter((n) => n > 1).length),
      String(execs.filter((n) => n === 0).length),
      String(r.retransmissions),
      String(r.fromHistory),
      `${r.link.lost}/${r.link.duplicated}`,
      String(r.balance),
    ];
  });
  const head = ['semantics', 'replies', 'deposits run', 'repeated', 'lost', 'retransmitted', 'from history', 'link lost/dup', 'balance'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  console.log(`\n(${CALLS} calls each. repeated: calls the bank ran more than once; lost: calls it never ran; balance: what ${CALLS} deposits of 1 left.)`);
}
if (show('summary')) {
  const [alo, amo, eo] = runs;
  const repeated = (r: Run) => r.calls.filter((c) => (r.executed.get(c.xid) ?? 0) > 1).length;
  const lost = (r: Run) => r.calls.filter((c) => (r.executed.get(c.xid) ?? 0) === 0).length;
  console.log(`\nat-least-once: ${repeated(alo!)} deposit(s) ran twice or more: the balance is ${alo!.balance}, not ${CALLS - lost(alo!)}.`);
  const unheard = amo!.calls.filter((c) => !c.ok && (amo!.executed.get(c.xid) ?? 0) > 0).length;
  console.log(`at-most-once: ${lost(amo!)} deposit(s) lost, ${unheard} ran but the teller never heard, ${repeated(amo!)} repeated: the history answered every duplicate.`);
  console.log(`exactly-once: ${eo!.calls.filter((c) => c.ok).length} replies, ${repeated(eo!)} repeated, ${lost(eo!)} lost: the balance is ${eo!.balance}.`);
}
if (show('mermaid')) {
  for (const r of runs) {
    const story = storyOf(r);
    if (!story) {
      console.log(`\n${r.semantics}: no call went wrong with this seed.`);
      continue;
    }
    const slice = r.k.trace.records.slice(story.call.from, story.call.to);
    // The link is the network: its own waits (a timed receive until the next message is due) are not part of the story.
    const records = args.fullTrace ? slice : focus(slice).filter((x) => x.task !== 'net' || (x.kind !== 'block' && x.kind !== 'wake' && x.kind !== 'timeout'));
    const title = `${r.semantics}: deposit xid ${story.call.xid.toString(16).padStart(8, '0')}, ${story.why}`;
    console.log(`\n${title}\n\n${renderMermaid(records, { title, showSyscalls: args.fullTrace })}`);
  }
}
if (args.fullTrace) for (const r of runs) console.log(`\nThe full trace (${r.semantics}):\n${renderTable(r.k.trace.records)}`);
