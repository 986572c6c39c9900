/**
 * A lost update, by seed. Two processes increment one counter in a shared
 * memory region: load it, compute a little (the preemption point: under round
 * robin the other process may run here), store the value loaded plus one. Some
 * seeds lose updates, and the same seed always loses the same ones; with a
 * semaphore around load-compute-store none are lost. The run that lost updates
 * is drawn as a timeline: who loaded what when, who stored what, and which
 * store overwrote which.
 *
 *   npx tsx scenarios/race.ts [--seed N] [--only summary|table|mermaid]
 */
import { pathToFileURL } from 'node:url';
import { boot, renderGantt, renderMermaidGantt, renderTable, type Kernel, type RunReport, type Sys } from '../index.ts';
import { parseArgs } from './args.ts';

/** Increments per process. */
export const INCREMENTS = 5;

/** One load or store of the counter, as it happened. */
export interface Access {
  t: number;
  who: string;
  op: 'load' | 'store';
  /** The value loaded, or stored. */
  value: number;
}

/** An update lost: `who`'s store at `t` was overwritten by `by`'s store at `at`, which wrote a value loaded before it. */
export interface Lost {
  who: string;
  t: number;
  value: number;
  by: string;
  at: number;
}

/** What one run of the race gives. */
export interface RaceRun {
  final: number;
  accesses: Access[];
  lost: Lost[];
  report: RunReport;
  kernel: Kernel<Sys>;
}

/**
 * Runs the race once: `main` makes a 4-byte region and a binary semaphore, forks A
 * and B, each increments the counter INCREMENTS times with `compute(1..3 ms)`
 * between its load and its store (round robin, quantum 2 ms); with `synced`, each
 * increment is between semaphore_wait and semaphore_signal. Same seed, same run.
 *
 * @example
 * const { final, lost } = await race(3, false); // final 5: five of B's updates lost
 */
export async function race(seed: number, synced: boolean, make: (o: Parameters<typeof boot>[0]) => Kernel<Sys> = boot): Promise<RaceRun> {
  const accesses: Access[] = [];
  let final = 0;
  const k = make({ seed, console: false, sched: { policy: 'rr', quantum: 2 } });
  k.spawn('main', async (sys) => {
    const { region } = await sys.region_create(4, true, 'counter');
    const counter = new DataView((await sys.region_map(region!)).view!.buffer);
    const sem = (await sys.semaphore_create(1, '/counter')).semaphore!;
    for (const who of ['A', 'B']) {
      await sys.fork(async (c: Sys) => {
        const mine = new DataView((await c.region_map(region!)).view!.buffer);
        for (let i = 0; i < INCREMENTS; i++) {
          if (synced) await c.semaphore_wait(sem);
          const v = mine.getInt32(0); // load
          accesses.push({ t: c.now(), who, op: 'load', value: v });
          await c.compute(1 + Math.floor(c.random() * 3)); // the preemption point
          mine.setInt32(0, v + 1); // store
          accesses.push({ t: c.now(), who, op: 'store', value: v + 1 });
          if (synced) await c.semaphore_signal(sem);
        }
      }, { name: who });
    }
    await sys.wait();
    await sys.wait();
    final = counter.getInt32(0);
  });
  const report = await k.run();
  return { final, accesses, lost: lostUpdates(accesses), report, kernel: k };
}

/**
 * The updates a run lost. A store of v + 1 (v loaded earlier) into a counter that
 * holds m wipes out the m − v increments made since the load: the stores that
 * wrote v + 1 … m and still stand. Each lost update is named by the store that
 * made it and the store that wiped it out; there are exactly 2·INCREMENTS − final.
 *
 * @example
 * lostUpdates([{ t: 0, who: 'A', op: 'load', value: 0 }, { t: 0, who: 'B', op: 'load', value: 0 },
 *   { t: 1, who: 'B', op: 'store', value: 1 }, { t: 2, who: 'A', op: 'store', value: 1 }]);
 * // [{ who: 'B', t: 1, value: 1, by: 'A', at: 2 }]
 */
export function lostUpdates(accesses: readonly Access[]): Lost[] {
  /** standing[k]: the store that wrote k and still counts (the counter's history below it). */
  const standing: (Access | undefined)[] = [];
  let lost: Lost[] = [];
  let memory = 0;
  for (const a of accesses) {
    if (a.op !== 'store') continue;
    const w = a.value;
    for (let k = w; k <= memory; k++) {
      const s = standing[k];
      if (s) lost.push({ who: s.who, t: s.t, value: s.value, by: a.who, at: a.t });
    }
    // A store above memory + 1 (rare: its load saw a value a stale store later wiped out) restores the updates it saw.
    for (let k = memory + 1; k < w; k++) {
      const back = lost.findLast((l) => l.value === k);
      if (back) {
        lost = lost.filter((l) => l !== back);
        standing[k] = { t: back.t, who: back.who, op: 'store', value: k };
      }
    }
    standing.length = w;
    standing[w] = a;
    memory = w;
  }
  return lost;
}

/**
 * The interleaving as a text timeline: one row per access, a column per process,
 * the counter in memory after it, and the lost stores marked.
 *
 * @example
 * timeline(run.accesses, run.lost)
 * // t(ms)  A          B          counter
 * //     0  load 0                      0
 */
export function timeline(accesses: readonly Access[], lost: readonly Lost[]): string[] {
  const who = [...new Set(accesses.map((a) => a.who))].sort();
  const rows = [['t(ms)', ...who, 'counter', '']];
  let memory = 0;
  const loadedAt = new Map<string, number>();
  for (const a of accesses) {
    if (a.op === 'store') memory = a.value;
    else loadedAt.set(a.who, a.t);
    const gone = a.op === 'store' ? lost.find((l) => l.who === a.who && l.t === a.t && l.value === a.value) : undefined;
    const over = a.op === 'store' ? lost.filter((l) => l.by === a.who && l.at === a.t) : [];
    let note = '';
    if (over.length > 0) note = `← ${a.who} loaded ${a.value - 1} at t=${loadedAt.get(a.who)}, before ${over.map((l) => `${l.who}'s store of ${l.value} (t=${l.t})`).join(', ')}: ${over.length} update${over.length > 1 ? 's' : ''} lost`;
    const cell = `${a.op} ${a.value}${gone ? ' ✗' : ''}`;
    rows.push([String(a.t), ...who.map((w) => (w === a.who ? cell : '')), String(memory), note]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 || i === r.length - 2 ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

async function main(): Promise<void> {
  const args = parseArgs(`Two processes increment a counter in shared memory, preemptible between load and
store: some seeds lose updates (drawn as a timeline), and a semaphore loses none.`);
  const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
  const racy = await race(args.seed, false, (o) => args.boot(o));
  const synced = await race(args.seed, true, (o) => args.boot(o));
  if (show('summary')) {
    const want = 2 * INCREMENTS;
    console.log(`A lost-update race — seed ${args.seed}: two processes add 1 to a shared counter ${INCREMENTS} times each (round robin, 2 ms quantum)\n`);
    console.log(`  without a semaphore: counter = ${racy.final} (expected ${want}): ${racy.lost.length} update(s) lost`);
    console.log(`  with a semaphore:    counter = ${synced.final}: ${synced.lost.length} lost; time blocked on it ${synced.report.counters.blockedTime} ms, done at t=${synced.report.time} ms (racy: t=${racy.report.time} ms)`);
    console.log('\nThe interleaving without a semaphore (✗: a store that a later store overwrote):\n');
    for (const line of timeline(racy.accesses, racy.lost)) console.log(`  ${line}`);
    if (racy.lost.length === 0) console.log('\n  This seed loses nothing: the preemptions fell outside load–store. Try --seed 3.');
    console.log('\nThe same race on other seeds (each seed always gives the same answer):\n');
    const survey: string[] = [];
    for (let s = 1; s <= 10; s++) {
      const r = await race(s, false);
      survey.push(`seed ${String(s).padStart(2)}: counter ${String(r.final).padStart(2)}, ${r.lost.length} lost: ${r.lost.map((l) => `${l.who}'s store at t=${l.t}`).join(', ') || '—'}`);
    }
    for (const line of survey) console.log(`  ${line}`);
  }
  if (show('table')) {
    console.log(`\nWho ran when, without the semaphore:\n${renderGantt(racy.kernel.trace.records, { scale: 1 })}`);
    console.log(`\nWho ran when, with the semaphore (a waiter blocks instead):\n${renderGantt(synced.kernel.trace.records, { scale: 1 })}`);
  }
  if (show('mermaid')) console.log(`\n${renderMermaidGantt(racy.kernel.trace.records, { title: `lost-update race, seed ${args.seed}` })}`);
  if (args.fullTrace) console.log(`\nThe full trace of the race without a semaphore:\n${renderTable(racy.kernel.trace.records)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
