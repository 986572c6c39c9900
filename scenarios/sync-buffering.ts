/**
 * The course's synchronisation × buffering table as a run. Every cell is
 * measured: blocking or non-blocking send × blocking or non-blocking receive,
 * under zero, bounded and unbounded capacity, who comes first, on Mach ports and
 * on direct links: who blocked, for how long, what each call returned, and
 * whether the messages met in a rendezvous or went through the buffer. Then
 * producer–consumer with a bounded and an unbounded buffer in both models:
 * throughput, time blocked, and the queue length over time as an ASCII chart.
 *
 *   npx tsx scenarios/sync-buffering.ts [--seed N] [--only table|summary|mermaid] [--trace]
 *
 * --only table: the table; summary: producer–consumer; mermaid: the rendezvous
 * (capacity 0, both blocking) as sequence diagrams. --trace adds the full trace
 * of the rendezvous; --html and --trace-file write the rendezvous runs and the
 * four producer–consumer runs. Same seed, same output: the seed sets when the
 * second side arrives and how long each item takes to make and to use.
 */
import { pathToFileURL } from 'node:url';
import { focus, renderMermaid, renderTable } from '../index.ts';
import { parseArgs } from './args.ts';
import { arrivalDelay, rendezvous, runCell, syncTable, type Cell, type Model } from './sync-buffering/cells.ts';
import { chart } from './sync-buffering/chart.ts';
import { BOUNDED, CONSUME, ITEMS, PRODUCE, producerConsumer, type PcFigures } from './sync-buffering/producer-consumer.ts';
import { legend, renderSyncTable, sameCell } from './sync-buffering/table.ts';

export { runCell, syncTable, rendezvous, handovers, blockedMs, arrivalDelay, HORIZON, MESSAGES } from './sync-buffering/cells.ts';
export type { Call, Cell, First, Mode, Model } from './sync-buffering/cells.ts';
export { producerConsumer, queueOverTime, workTimes, BOUNDED, ITEMS } from './sync-buffering/producer-consumer.ts';
export type { PcFigures } from './sync-buffering/producer-consumer.ts';
export { renderSyncTable, resultText, blockedText, sameCell } from './sync-buffering/table.ts';
export { chart } from './sync-buffering/chart.ts';

const MODEL_NAME: Record<Model, string> = { mach: 'Mach ports', direct: 'direct' };
const bufferName = (capacity: number) => (capacity === Infinity ? 'unbounded' : `bounded (${capacity})`);

/** The table section: legend, rows, and what the rows say. */
export function tableSection(cells: readonly Cell[], seed: number): string[] {
  const mach = cells.filter((c) => c.model === 'mach');
  const direct = cells.filter((c) => c.model === 'direct');
  const same = mach.filter((c, i) => sameCell(c, direct[i]!)).length;
  const kind = (c: Cell) => `capacity ${c.capacity} with ${c.send} send and ${c.receive} receive`;
  const meet = [...new Set(mach.filter(rendezvous).map(kind))].map((k) => {
    const firsts = mach.filter((c) => kind(c) === k && rendezvous(c)).map((c) => c.first);
    return firsts.length === mach.filter((c) => kind(c) === k).length ? `${k}, whoever comes first` : `${k}, ${firsts.join(' or ')} first`;
  });
  return [
    `Synchronisation × buffering, run — seed ${seed}`,
    '',
    ...legend(arrivalDelay(seed)).map((l) => `  ${l}`),
    '',
    ...renderSyncTable(cells).map((l) => (l === '' ? '' : `  ${l}`)),
    '',
    `  A rendezvous: ${meet.length === 0 ? 'in no cell' : meet.join('; ')}.`,
    `  Direct links measured the same as Mach ports in ${same} of ${mach.length} cells${same === mach.length ? ': a link is a pair of ports, so the models differ in naming only' : ''}.`,
  ];
}

/** The producer–consumer section: figures side by side, then the queue charts. */
export function summarySection(runs: readonly PcFigures[], seed: number): string[] {
  const head = ['buffer', 'model', 'consumed', 'time', 'items/s', 'producer done', 'producer blocked', 'consumer blocked', 'most queued'];
  const rows = runs.map((f) => [
    bufferName(f.capacity), MODEL_NAME[f.model], `${f.consumed}${f.inOrder ? ', in order' : ', OUT OF ORDER'}`, `${f.time} ms`, String(f.throughput),
    `t=${f.producerDone}`, `${f.producerBlocked} ms`, `${f.consumerBlocked} ms`, String(f.maxQueue),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `  ${r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd()}`;
  const out = [
    `Producer–consumer — seed ${seed}: ${ITEMS} items, producing takes ${PRODUCE.join('–')} ms and consuming ${CONSUME.join('–')} ms (seeded), two CPUs`,
    '',
    line(head),
    ...rows.map(line),
  ];
  const [bm, , um] = runs;
  if (bm && um) {
    out.push(
      '',
      `  The consumer is the slower side, so it sets the pace: ${bm.throughput} items/s with a bounded buffer, ${um.throughput} with an unbounded one.`,
      `  The bounded buffer holds at most ${bm.maxQueue} and makes the producer wait ${bm.producerBlocked} ms (done at t=${bm.producerDone});`,
      `  the unbounded one never blocks it (done at t=${um.producerDone}) but holds up to ${um.maxQueue} items.`,
    );
  }
  out.push('', 'Queue length over time (sends minus receives on the buffer, from the trace):');
  for (const f of runs) {
    const twin = runs.find((g) => g !== f && g.capacity === f.capacity && g.model === 'mach');
    out.push('', `  ${bufferName(f.capacity)}, ${MODEL_NAME[f.model]}:`);
    if (f.model === 'direct' && twin && JSON.stringify(twin.queue) === JSON.stringify(f.queue)) out.push('    the same as Mach ports');
    else out.push(...chart(f.queue, f.time).map((l) => `    ${l}`));
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(`The course's synchronisation x buffering table as a run: blocking/non-blocking send x receive under capacity 0, n
and unbounded, on Mach ports and direct links (who blocked, how long, what returned); then producer-consumer, bounded and unbounded.`);
  const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
  const make = (o: Parameters<typeof args.boot>[0]) => args.boot(o);
  if (show('table')) {
    console.log(tableSection(await syncTable(args.seed), args.seed).join('\n'));
  }
  if (show('summary')) {
    const runs: PcFigures[] = [];
    for (const capacity of [BOUNDED, Infinity]) for (const model of ['mach', 'direct'] as const) runs.push(await producerConsumer(model, capacity, args.seed, make));
    if (args.only === null) console.log('');
    console.log(summarySection(runs, args.seed).join('\n'));
  }
  if (show('mermaid') || args.fullTrace) {
    for (const model of ['mach', 'direct'] as const) {
      const cell = await runCell(model, 0, 'blocking', 'blocking', 'sender', args.seed, make);
      const records = cell.kernel.trace.records;
      if (args.fullTrace) console.log(`\nTrace of the rendezvous (capacity 0, both blocking, sender first), ${MODEL_NAME[model]}:\n${renderTable(records)}`);
      if (show('mermaid')) {
        console.log(`\nThe rendezvous on ${MODEL_NAME[model]} (capacity 0, both blocking, S first; paste into any Mermaid viewer):\n`);
        console.log(renderMermaid(focus(records), { title: `rendezvous, ${MODEL_NAME[model]}, seed ${args.seed}` }));
      }
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
