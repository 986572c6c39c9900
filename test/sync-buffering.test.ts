import { beforeAll, describe, expect, it } from 'vitest';
import { audit, codeName } from '../index.ts';
import {
  arrivalDelay,
  BOUNDED,
  chart,
  producerConsumer,
  rendezvous,
  renderSyncTable,
  resultText,
  sameCell,
  syncTable,
  tableSection,
  type Call,
  type Cell,
  type PcFigures,
} from '../scenarios/sync-buffering.ts';

/** A side's calls as `start→end CODE` (`start→… still blocked` when it never returned). */
const calls = (xs: readonly Call[]) => xs.map((c) => (c.end === null ? `${c.start}→… still blocked` : `${c.start}→${c.end} ${codeName(c.code!)}`));

let cells: Cell[];
const cell = (model: Cell['model'], capacity: number, send: Cell['send'], receive: Cell['receive'], first: Cell['first']) =>
  cells.find((c) => c.model === model && c.capacity === capacity && c.send === send && c.receive === receive && c.first === first)!;

beforeAll(async () => {
  cells = await syncTable(1);
});

describe('the synchronisation × buffering table, seed 1 (the second side arrives at t=9)', () => {
  it('has every cell: 3 capacities × 2 sends × 2 receives × who comes first × 2 models, each run to its end', () => {
    expect(arrivalDelay(1)).toBe(9);
    expect(cells).toHaveLength(48);
    for (const c of cells) {
      expect(c.kernel.trace.records.some((r) => r.kind === 'error')).toBe(false);
      expect(audit(c.kernel).problems).toEqual([]);
    }
  });

  it('capacity 0, both blocking, sender first: a rendezvous — S waits 9 ms, and each send returns at the virtual time of its receive', () => {
    for (const model of ['mach', 'direct'] as const) {
      const c = cell(model, 0, 'blocking', 'blocking', 'sender');
      expect(calls(c.sender)).toEqual(['0→9 SUCCESS', '9→9 SUCCESS', '9→9 SUCCESS']);
      expect(calls(c.receiver)).toEqual(['9→9 SUCCESS', '9→9 SUCCESS', '9→9 SUCCESS']);
      expect(c.sender.map((s) => s.end)).toEqual(c.receiver.map((r) => r.end));
      expect({ delivered: c.delivered, handed: c.handed, rendezvous: rendezvous(c) }).toEqual({ delivered: 3, handed: 3, rendezvous: true });
    }
  });

  it('capacity 0, both blocking, receiver first: a rendezvous too — now R waits 9 ms', () => {
    const c = cell('mach', 0, 'blocking', 'blocking', 'receiver');
    expect(calls(c.receiver)).toEqual(['0→9 SUCCESS', '9→9 SUCCESS', '9→9 SUCCESS']);
    expect(calls(c.sender)).toEqual(['9→9 SUCCESS', '9→9 SUCCESS', '9→9 SUCCESS']);
    expect(rendezvous(c)).toBe(true);
  });

  it('capacity 0, non-blocking send with nobody waiting: refused at once, and the blocking receiver waits for good', () => {
    const c = cell('direct', 0, 'non-blocking', 'blocking', 'sender');
    expect(calls(c.sender)).toEqual(['0→0 MACH_SEND_TIMED_OUT', '0→0 MACH_SEND_TIMED_OUT', '0→0 MACH_SEND_TIMED_OUT']);
    expect(calls(c.receiver)).toEqual(['9→… still blocked']);
    expect(resultText(c)).toBe('none delivered');
  });

  it('capacity 0, blocking send and non-blocking receive, sender first: a poll takes the waiting message, the next send waits for good', () => {
    const c = cell('mach', 0, 'blocking', 'non-blocking', 'sender');
    expect(calls(c.sender)).toEqual(['0→9 SUCCESS', '9→… still blocked']);
    expect(calls(c.receiver)).toEqual(['9→9 SUCCESS', '9→9 MACH_RCV_TIMED_OUT', '9→9 MACH_RCV_TIMED_OUT']);
    expect(resultText(c)).toBe('1 handed');
  });

  it('capacity 2, both blocking, sender first: two sends fit at once, the third waits 9 ms; all three go through the buffer', () => {
    const c = cell('mach', 2, 'blocking', 'blocking', 'sender');
    expect(calls(c.sender)).toEqual(['0→0 SUCCESS', '0→0 SUCCESS', '0→9 SUCCESS']);
    expect(calls(c.receiver)).toEqual(['9→9 SUCCESS', '9→9 SUCCESS', '9→9 SUCCESS']);
    expect(resultText(c)).toBe('3 buffered');
    expect(rendezvous(c)).toBe(false);
  });

  it('capacity 2, both non-blocking, sender first: the third send is refused, the third poll finds nothing; nobody blocks', () => {
    const c = cell('direct', 2, 'non-blocking', 'non-blocking', 'sender');
    expect(calls(c.sender)).toEqual(['0→0 SUCCESS', '0→0 SUCCESS', '0→0 MACH_SEND_TIMED_OUT']);
    expect(calls(c.receiver)).toEqual(['9→9 SUCCESS', '9→9 SUCCESS', '9→9 MACH_RCV_TIMED_OUT']);
    expect(resultText(c)).toBe('2 buffered');
  });

  it('capacity 2, both blocking, receiver first: R waits 9 ms, the first message is handed over, the other two buffered', () => {
    const c = cell('mach', 2, 'blocking', 'blocking', 'receiver');
    expect(calls(c.receiver)).toEqual(['0→9 SUCCESS', '9→9 SUCCESS', '9→9 SUCCESS']);
    expect(resultText(c)).toBe('1 handed, 2 buffered');
  });

  it('unbounded: no send is ever refused or blocked, in any cell', () => {
    for (const c of cells.filter((x) => x.capacity === Infinity)) {
      expect(c.sender.map((s) => `${s.end! - s.start} ${codeName(s.code!)}`)).toEqual(['0 SUCCESS', '0 SUCCESS', '0 SUCCESS']);
    }
  });

  it('a rendezvous happens exactly in the capacity-0, both-blocking cells, in both models', () => {
    expect(cells.filter(rendezvous).map((c) => `${c.model} ${c.capacity} ${c.send} ${c.receive} ${c.first}`)).toEqual([
      'mach 0 blocking blocking sender',
      'direct 0 blocking blocking sender',
      'mach 0 blocking blocking receiver',
      'direct 0 blocking blocking receiver',
    ]);
  });

  it('direct links measure the same as Mach ports in every cell', () => {
    const mach = cells.filter((c) => c.model === 'mach');
    const direct = cells.filter((c) => c.model === 'direct');
    expect(mach.filter((c, i) => !sameCell(c, direct[i]!))).toEqual([]);
    expect(tableSection(cells, 1)).toContain(
      '  Direct links measured the same as Mach ports in 24 of 24 cells: a link is a pair of ports, so the models differ in naming only.',
    );
  });

  it('renders one row per cell, with who blocked, for how long, and what was returned', () => {
    const rows = renderSyncTable(cells);
    expect(rows).toHaveLength(2 + 24 + 2); // head, rule, cells, a blank line between capacities
    expect(rows[2]).toBe('0          blocking      blocking      S      9 ms       ✓✓✓    0 ms       ✓✓✓    rendezvous            same');
    expect(rows[4]).toBe('           blocking      non-blocking  S      9 ms + ∞   ✓∞     0 ms       ✓··    1 handed              same');
    expect(rows[16]).toBe('           non-blocking  blocking      R      0 ms       ✓✓✓    9 ms       ✓✓✓    1 handed, 2 buffered  same');
  });

  it('the same seed gives the same cells; another seed moves the second arrival', async () => {
    const again = await syncTable(1);
    expect(again.map((c, i) => sameCell(c, cells[i]!))).toEqual(cells.map(() => true));
    expect(arrivalDelay(2)).not.toBe(arrivalDelay(1));
    const two = await syncTable(2);
    const c = two.find((x) => x.model === 'mach' && x.capacity === 0 && x.send === 'blocking' && x.receive === 'blocking' && x.first === 'sender')!;
    expect(calls(c.sender)[0]).toBe(`0→${arrivalDelay(2)} SUCCESS`);
  });
});

describe('producer–consumer, seed 1', () => {
  let runs: PcFigures[];
  beforeAll(async () => {
    runs = [];
    for (const capacity of [BOUNDED, Infinity]) for (const model of ['mach', 'direct'] as const) runs.push(await producerConsumer(model, capacity, 1));
  });

  it('bounded (5): the producer blocks 15 ms and finishes at t=45; the queue never holds more than 5', () => {
    for (const f of runs.slice(0, 2)) {
      expect({ consumed: f.consumed, inOrder: f.inOrder, time: f.time, throughput: f.throughput, producerDone: f.producerDone, producerBlocked: f.producerBlocked, consumerBlocked: f.consumerBlocked, maxQueue: f.maxQueue }).toEqual({
        consumed: 20, inOrder: true, time: 59, throughput: 339, producerDone: 45, producerBlocked: 15, consumerBlocked: 1, maxQueue: 5,
      });
      expect(audit(f.kernel).problems).toEqual([]);
    }
  });

  it('unbounded: the producer never blocks and finishes at t=30; the queue grows to 11; the throughput is the same (the consumer sets it)', () => {
    for (const f of runs.slice(2)) {
      expect({ time: f.time, throughput: f.throughput, producerDone: f.producerDone, producerBlocked: f.producerBlocked, maxQueue: f.maxQueue }).toEqual({
        time: 59, throughput: 339, producerDone: 30, producerBlocked: 0, maxQueue: 11,
      });
      expect(audit(f.kernel).problems).toEqual([]);
    }
  });

  it('the two models give the same queue over time, sampled from the trace', () => {
    expect(runs[1]!.queue).toEqual(runs[0]!.queue);
    expect(runs[3]!.queue).toEqual(runs[2]!.queue);
    expect(runs[0]!.queue.slice(0, 6)).toEqual([[1, 0], [3, 1], [5, 1], [7, 2], [8, 2], [9, 3]]);
    expect(runs[0]!.queue.at(-1)).toEqual([55, 0]);
  });

  it('draws the queue as an ASCII chart', () => {
    expect(chart([[0, 1], [2, 0]], 4)).toEqual(['1 |##', '0 +────', '   0 4 ms']);
    const lines = chart(runs[0]!.queue, runs[0]!.time);
    expect(lines[0]).toBe('5 |               ################################');
    expect(lines.at(-2)).toBe(`0 +${'─'.repeat(59)}`);
    expect(lines).toHaveLength(7);
  });
});
