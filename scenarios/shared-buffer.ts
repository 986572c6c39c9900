/**
 * The course's bounded buffer in shared memory. A producer and a consumer map
 * one region that holds `in`, `out` and BUFFER_SIZE slots:
 *
 *   producer: while (((in + 1) % BUFFER_SIZE) == out) ;  buffer[in] = item; in = (in + 1) % BUFFER_SIZE;
 *   consumer: while (in == out) ;  item = buffer[out]; out = (out + 1) % BUFFER_SIZE;
 *
 * With busy waiting only BUFFER_SIZE − 1 slots can be used (a full buffer and an
 * empty one would otherwise both read in == out), and the waiting burns CPU
 * time; polling with short sleeps burns less CPU but answers late. With
 * counting semaphores (empty, full) and a mutex, the waiter blocks (the waiting
 * state: no CPU), and all BUFFER_SIZE slots are used (the semaphores count).
 * Producer and consumer run on two CPUs, so a busy waiter burns its own CPU.
 *
 *   npx tsx scenarios/shared-buffer.ts [--seed N] [--only summary|table|mermaid]
 */
import { pathToFileURL } from 'node:url';
import { boot, renderGantt, renderMermaidGantt, renderTable, type Kernel, type Sys } from '../index.ts';
import { parseArgs } from './args.ts';

export const BUFFER_SIZE = 5;
/** Items the producer makes. */
export const ITEMS = 20;
/** ms to produce an item (1 or 2, drawn from the seeded generator), and to consume one (2 to 4): the consumer is the slower. */
export const PRODUCE = [1, 2] as const;
export const CONSUME = [2, 4] as const;

/** A whole number of ms in [lo, hi], from the task's seeded generator. */
const draw = (c: Sys, [lo, hi]: readonly [number, number]): number => lo + Math.floor(c.random() * (hi - lo + 1));

/** How a side waits while the buffer is full (producer) or empty (consumer). */
export type WaitMode = 'spin' | 'sleep' | 'semaphores';

/** The figures of one run. */
export interface BufferFigures {
  mode: WaitMode;
  /** Items consumed, and whether they came out in the order made, none lost. */
  consumed: number;
  inOrder: boolean;
  /** Most items ever in the buffer at once. */
  maxInBuffer: number;
  /** Virtual ms until the consumer took the last item; items per second of virtual time. */
  time: number;
  itemsPerSecond: number;
  /** CPU ms spent busy-waiting (spins × 1 ms), and spent in all, producer and consumer together. */
  busyWait: number;
  cpuTime: number;
  /** ms spent blocked (the waiting state: sleeps, semaphores), producer and consumer together. */
  blocked: number;
  /** Times a side found the buffer full (producer) or empty (consumer) and waited. */
  waits: { producer: number; consumer: number };
  kernel: Kernel<Sys>;
}

// The region's layout, in 32-bit words.
const IN = 0;
const OUT = 1;
const COUNT = 2; // items in the buffer (statistics only: the busy-waiting code never reads it)
const SLOTS = 3;

/**
 * Runs producer and consumer over one shared region, each on a CPU of its own
 * (two CPUs, round robin, 2 ms quantum: a busy waiter burns its own CPU, as a
 * spinning thread on a multiprocessor does), waiting the given way. Same seed,
 * same figures.
 *
 * @example
 * const f = await sharedBuffer(1, 'spin');
 * f.maxInBuffer; // BUFFER_SIZE − 1
 */
export async function sharedBuffer(seed: number, mode: WaitMode, make: (o: Parameters<typeof boot>[0]) => Kernel<Sys> = boot): Promise<BufferFigures> {
  const k = make({ seed, console: false, sched: { policy: 'rr', quantum: 2, cpus: 2 } });
  const got: number[] = [];
  const stats = { maxInBuffer: 0, spins: 0, cpu: 0, blocked: 0, end: 0, waits: { producer: 0, consumer: 0 } };
  k.spawn('main', async (sys) => {
    const r = (await sys.region_create(4 * (SLOTS + BUFFER_SIZE), true, 'buffer')).region!;
    const empty = (await sys.semaphore_create(BUFFER_SIZE, 'empty')).semaphore!;
    const full = (await sys.semaphore_create(0, 'full')).semaphore!;
    const mutex = (await sys.mutex_create('mutex')).semaphore!;
    /** Waits while `blocked()` holds, the way the mode says; counts the waits. */
    const waitWhile = async (c: Sys, blocked: () => boolean, side: 'producer' | 'consumer'): Promise<void> => {
      if (blocked()) stats.waits[side]++;
      while (blocked()) {
        if (mode === 'spin') {
          await c.compute(1); // do nothing, on the CPU
          stats.spins++;
        } else await c.sleep(1);
      }
    };
    const account = async (c: Sys): Promise<void> => {
      const { pcb } = await c.task_info();
      stats.cpu += pcb!.cpuTime;
      stats.blocked += pcb!.waitTime;
    };
    await sys.fork(async (c: Sys) => {
      const b = new Int32Array((await c.region_map(r)).view!.buffer);
      for (let item = 0; item < ITEMS; item++) {
        await c.compute(draw(c, PRODUCE));
        if (mode === 'semaphores') {
          if ((await c.semaphore_wait(empty, 0)) !== 0) {
            stats.waits.producer++;
            await c.semaphore_wait(empty);
          }
          await c.mutex_lock(mutex);
        } else await waitWhile(c, () => (b[IN]! + 1) % BUFFER_SIZE === b[OUT], 'producer');
        b[SLOTS + b[IN]!] = item;
        b[IN] = (b[IN]! + 1) % BUFFER_SIZE;
        stats.maxInBuffer = Math.max(stats.maxInBuffer, ++b[COUNT]!);
        if (mode === 'semaphores') {
          await c.mutex_unlock(mutex);
          await c.semaphore_signal(full);
        }
      }
      await account(c);
    }, { name: 'producer' });
    await sys.fork(async (c: Sys) => {
      const b = new Int32Array((await c.region_map(r)).view!.buffer);
      for (let n = 0; n < ITEMS; n++) {
        if (mode === 'semaphores') {
          if ((await c.semaphore_wait(full, 0)) !== 0) {
            stats.waits.consumer++;
            await c.semaphore_wait(full);
          }
          await c.mutex_lock(mutex);
        } else await waitWhile(c, () => b[IN] === b[OUT], 'consumer');
        got.push(b[SLOTS + b[OUT]!]!);
        b[OUT] = (b[OUT]! + 1) % BUFFER_SIZE;
        b[COUNT]!--;
        if (mode === 'semaphores') {
          await c.mutex_unlock(mutex);
          await c.semaphore_signal(empty);
        }
        await c.compute(draw(c, CONSUME));
      }
      stats.end = c.now();
      await account(c);
    }, { name: 'consumer' });
    await sys.wait();
    await sys.wait();
  });
  await k.run();
  return {
    mode, consumed: got.length, inOrder: got.every((v, i) => v === i), maxInBuffer: stats.maxInBuffer,
    time: stats.end, itemsPerSecond: Math.round((got.length / stats.end) * 1000), busyWait: stats.spins, cpuTime: stats.cpu,
    blocked: stats.blocked, waits: stats.waits, kernel: k,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(`The course's shared-buffer producer-consumer (in/out indices, BUFFER_SIZE - 1 usable slots)
with busy waiting, with polling sleeps, and with counting semaphores and a mutex: items/s, CPU burnt waiting, time blocked.`);
  const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
  const runs: BufferFigures[] = [];
  for (const mode of ['spin', 'sleep', 'semaphores'] as const) runs.push(await sharedBuffer(args.seed, mode, (o) => args.boot(o)));
  if (show('summary')) {
    console.log(`A bounded buffer in shared memory — seed ${args.seed}: BUFFER_SIZE ${BUFFER_SIZE}, ${ITEMS} items, produce ${PRODUCE.join('–')} ms, consume ${CONSUME.join('–')} ms, two CPUs\n`);
    const head = ['', 'busy waiting', 'polling (sleep 1)', 'semaphores'];
    const rows: string[][] = [
      ['items consumed, in order', ...runs.map((f) => `${f.consumed}, ${f.inOrder ? 'yes' : 'NO'}`)],
      ['most items in the buffer', ...runs.map((f) => `${f.maxInBuffer} of ${BUFFER_SIZE}`)],
      ['virtual time (ms)', ...runs.map((f) => String(f.time))],
      ['items/s (virtual time)', ...runs.map((f) => String(f.itemsPerSecond))],
      ['CPU ms, both tasks', ...runs.map((f) => String(f.cpuTime))],
      ['  of which busy-waiting', ...runs.map((f) => String(f.busyWait))],
      ['ms blocked, both tasks', ...runs.map((f) => String(f.blocked))],
      ['waits: producer (full)', ...runs.map((f) => String(f.waits.producer))],
      ['waits: consumer (empty)', ...runs.map((f) => String(f.waits.consumer))],
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
    console.log(`  ${line(head)}`);
    for (const r of rows) console.log(`  ${line(r)}`);
    console.log(`\n  With in and out alone, a full buffer would look like an empty one (in == out), so the`);
    console.log(`  producer waits at ${BUFFER_SIZE - 1} items; the semaphores count, so all ${BUFFER_SIZE} slots are used.`);
  }
  if (show('table')) {
    for (const f of runs) console.log(`\n${f.mode}:\n${renderGantt(f.kernel.trace.records, { scale: 1 })}`);
  }
  if (show('mermaid')) console.log(`\n${renderMermaidGantt(runs[0]!.kernel.trace.records, { title: 'bounded buffer, busy waiting' })}`);
  if (args.fullTrace) console.log(`\nThe full trace of busy waiting:\n${renderTable(runs[0]!.kernel.trace.records)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
