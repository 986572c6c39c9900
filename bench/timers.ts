/**
 * 7. Timers: receives with timeouts, all pending at once, firing in time order.
 * n tasks each block in one msg_receive(notifyPort, { timeout }) with distinct
 * timeouts 1..n ms, armed in shuffled order; every task checks it woke at its
 * own time, after the one before. Cost per timer = the kernel run's wall time
 * / n (each task's start, trap, block, timer, wake and exit; spawning is not
 * counted). Ours: n = 1 M pending (the figure); baseline: n = 1 k
 * pending. Aim: ratio ≤ 2.
 *
 * What is pending at the peak: 1 M tasks blocked in msg_receive, each with one
 * timer in the clock's queue (1 M timers). One run takes a few minutes and a
 * heap of ~3–5 GB, so ours runs once (1 round); the heap and RSS at the peak
 * go to stderr with the phases (start + block, fire + exit) of the run.
 * `--quick` measures 100 k.
 */
import { boot, MACH_RCV_TIMED_OUT, type Sys } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { shuffled } from './workloads.ts';

/** What one run of the timers workload measured. */
export interface TimersRun {
  /** Wall ms of `k.run()`. */
  ms: number;
  /** Wall ms from the run's start until the first timer fired (every task started and blocked). */
  blockMs: number;
  /** Heap used and RSS (bytes) with every timer pending, sampled when the first one fires. */
  heap: number;
  rss: number;
}

/**
 * n tasks blocked in msg_receive with distinct timeouts 1..n (armed in shuffled
 * order); checks they fire in time order, each at its own time. Throws when
 * anything is off.
 */
export async function timersRun(n: number): Promise<TimersRun> {
  const k = boot({ seed: 1, trace: false });
  const timeouts = shuffled(n, n);
  let last = 0;
  let fired = 0;
  let wrong = 0;
  let tFirst = 0;
  let heap = 0;
  let rss = 0;
  const prog = async (sys: Sys): Promise<number> => {
    const timeout = sys.args as number;
    const r = await sys.msg_receive(sys.notifyPort, { timeout });
    if (fired === 0) {
      tFirst = performance.now();
      const mu = process.memoryUsage();
      heap = mu.heapUsed;
      rss = mu.rss;
    }
    const now = sys.now();
    if (r.code !== MACH_RCV_TIMED_OUT || now !== timeout || now <= last) wrong++;
    last = now;
    fired++;
    return 0;
  };
  for (let i = 0; i < n; i++) k.spawn('timer', prog, { args: timeouts[i] });
  const t0 = performance.now();
  const report = await k.run();
  const ms = performance.now() - t0;
  if (report.status !== 'done' || fired !== n || wrong !== 0 || report.counters.timeouts !== n) {
    throw new Error(`timers: run ${report.status}, ${fired} of ${n} fired, ${wrong} out of order or late, ${report.counters.timeouts} timeouts counted`);
  }
  return { ms, blockMs: tFirst - t0, heap, rss };
}

/**
 * µs per timer at n pending. Small sizes repeat whole runs (after one
 * discarded run) until at least minMs of measured time, so that a run's fixed
 * costs (the first allocations after the harness's full GC) are spread as
 * they are over one large run.
 */
async function usPerTimer(n: number, minMs: number, say?: (r: TimersRun) => void): Promise<number> {
  if (minMs > 0) await timersRun(n);
  let ms = 0;
  let timers = 0;
  do {
    const r = await timersRun(n);
    say?.(r);
    ms += r.ms;
    timers += n;
  } while (ms < minMs);
  return (ms / timers) * 1000;
}

export const TIMERS_LARGE = 1_000_000;
export const TIMERS_SMALL = 1_000;

const gb = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GB`;

export default function timers({ quick }: BenchContext): Benchmark {
  const large = quick ? 100_000 : TIMERS_LARGE;
  const label = large >= 1_000_000 ? `${large / 1_000_000} M` : `${large / 1000} k`;
  const say = (r: TimersRun): void => {
    process.stderr.write(
      `  timers ${label} pending: heap ${gb(r.heap)}, RSS ${gb(r.rss)}; start + block ${((r.blockMs / large) * 1000).toFixed(1)} µs/timer, ` +
        `fire + exit ${(((r.ms - r.blockMs) / large) * 1000).toFixed(1)} µs/timer\n`,
    );
  };
  return {
    name: `timers: receive timeouts, ${label} pending vs 1 k pending, µs/timer (lower is better)`,
    item: 7,
    unit: 'µs/timer',
    aim: { max: 2 },
    rounds: 1,
    run: (info) => (info?.warmup ? usPerTimer(5_000, 0) : usPerTimer(large, 0, say)),
    baseline: { name: `${TIMERS_SMALL / 1000} k pending`, run: () => usPerTimer(TIMERS_SMALL, 500) },
  };
}
