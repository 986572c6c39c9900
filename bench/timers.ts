/**
 * 7. Timers: receives with timeouts, all pending at once, firing in time order.
 * n tasks each block in one msg_receive(notifyPort, { timeout }) with distinct
 * timeouts 1..n ms, armed in shuffled order; every task checks it woke at its
 * own time, after the one before. Cost per timer = the CPU time of the
 * kernel run (`process.cpuUsage`, user + system, GC threads included) / n
 * (each task's start, trap, block, timer, wake and exit; spawning is not
 * counted). CPU time, not wall time: on the shared 2-core machines a 1 k run
 * (tens of ms) lands in whatever load burst there is, and its wall time moved
 * 13–139 µs/timer between runs. Ours: n = 1 M pending (the figure); baseline: n = 1 k
 * pending. Aim: ratio ≤ 2.
 *
 * What is pending at the peak: 1 M tasks blocked in msg_receive, each with one
 * timer in the clock's queue (1 M timers). One run takes a minute or two and a
 * heap of ~4.5 GB, so ours runs once (1 round); the heap and RSS at the peak
 * go to stderr with the phases (start + block, fire + exit) of the run.
 * `--quick` measures 100 k.
 *
 * Each side runs in a fresh node process (this file with `--child`), after a
 * warm-up run of its own: a 1 k run made in a process that has just held a
 * 4 GB heap is several times slower than in a fresh one, which is not what
 * either side is about.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boot, MACH_RCV_TIMED_OUT, type Sys } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { shuffled } from './workloads.ts';

/** What one run of the timers workload measured. */
export interface TimersRun {
  /** CPU ms (user + system) of `k.run()`. */
  ms: number;
  /** CPU ms from the run's start until the first timer fired (every task started and blocked). */
  blockMs: number;
  /** Wall ms of `k.run()`. */
  wallMs: number;
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
  let cFirst = 0;
  let heap = 0;
  let rss = 0;
  const prog = async (sys: Sys): Promise<number> => {
    const timeout = sys.args as number;
    const r = await sys.msg_receive(sys.notifyPort, { timeout });
    if (fired === 0) {
      cFirst = cpuMs();
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
  const c0 = cpuMs();
  const t0 = performance.now();
  const report = await k.run();
  const wallMs = performance.now() - t0;
  const ms = cpuMs() - c0;
  if (report.status !== 'done' || fired !== n || wrong !== 0 || report.counters.timeouts !== n) {
    throw new Error(`timers: run ${report.status}, ${fired} of ${n} fired, ${wrong} out of order or late, ${report.counters.timeouts} timeouts counted`);
  }
  return { ms, blockMs: cFirst - c0, wallMs, heap, rss };
}

/** CPU time of this process so far, in ms (user + system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
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

/**
 * µs per timer at n pending, measured in a fresh node process (this file run
 * with `--child n minMs`); its stderr (the heap line) passes through.
 */
function inChild(n: number, minMs: number): number {
  const flags = process.execArgv.some((a) => a.includes('max-old-space-size')) ? [] : ['--max-old-space-size=12288'];
  const out = execFileSync(process.execPath, [...process.execArgv, '--expose-gc', ...flags, fileURLToPath(import.meta.url), '--child', String(n), String(minMs)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const us = Number(out.trim().split('\n').pop());
  if (!(us > 0)) throw new Error(`timers: the child measuring ${n} pending printed ${JSON.stringify(out)}`);
  return us;
}

export default function timers({ quick }: BenchContext): Benchmark {
  const large = quick ? 100_000 : TIMERS_LARGE;
  const label = large >= 1_000_000 ? `${large / 1_000_000} M` : `${large / 1000} k`;
  return {
    name: `timers: receive timeouts, ${label} pending vs 1 k pending, CPU µs/timer (lower is better)`,
    item: 7,
    unit: 'µs/timer',
    aim: { max: 2 },
    rounds: 1,
    // Warm-ups happen inside each child; the harness's warm-up runs are the small size, in this process.
    run: async (info) => (info?.warmup ? usPerTimer(5_000, 0) : inChild(large, 0)),
    baseline: { name: `${TIMERS_SMALL / 1000} k pending`, run: async (info) => (info?.warmup ? usPerTimer(TIMERS_SMALL, 0) : inChild(TIMERS_SMALL, 500)) },
  };
}

// The child: `--child n minMs` prints µs per timer, after warm-up runs (of 5 k, or of n when smaller) for 2 s:
// the JIT takes about that long to settle on this workload (a 1 k run is ~5× slower in the first second).
if (process.argv[2] === '--child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[3]);
  const minMs = Number(process.argv[4] ?? 0);
  const label = n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`;
  for (const t0 = performance.now(); performance.now() - t0 < 2000; ) await timersRun(Math.min(n, 5_000));
  globalThis.gc?.();
  const us = await usPerTimer(n, minMs, minMs > 0 ? undefined : (r) => {
    process.stderr.write(
      `  timers ${label} pending: heap ${gb(r.heap)}, RSS ${gb(r.rss)}; CPU µs/timer: start + block ${((r.blockMs / n) * 1000).toFixed(1)}, ` +
        `fire + exit ${(((r.ms - r.blockMs) / n) * 1000).toFixed(1)}; wall ${((r.wallMs / n) * 1000).toFixed(1)} µs/timer\n`,
    );
  });
  process.stdout.write(`${us}\n`);
}
