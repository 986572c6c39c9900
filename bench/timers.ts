/**
 * 7. Timers: receives with timeouts, all pending at once, firing in time order.
 * n tasks each block in one msg_receive(notifyPort, { timeout }) with distinct
 * timeouts 1..n ms, armed in shuffled order; every task checks it woke at its
 * own time, after the one before. Cost per timer = the kernel run's wall time
 * / n (each task's start, trap, block, timer, wake and exit; spawning is not
 * counted). Ours: n = 50 k pending; baseline: n = 1 k pending. Aim: ratio ≤ 2.
 *
 * The issue asks for 1 M pending. A task costs ~45 KB of heap today (see
 * task-memory), so 1 M tasks would need ~45 GB; 100 k takes ~40 s to spawn
 * and run (4 GB heap). 50 k is the largest that keeps a run near 10 s.
 */
import type { BenchContext, Benchmark } from './harness.ts';
import { machTimers } from './workloads.ts';

/**
 * µs per timer at n pending. Small sizes repeat whole runs (after one
 * discarded run) until at least minMs of measured time, so that a run's fixed
 * costs (the first allocations after the harness's full GC) are spread as
 * they are over one large run.
 */
async function usPerTimer(n: number, minMs: number): Promise<number> {
  if (minMs > 0) await machTimers(n);
  let ms = 0;
  let timers = 0;
  do {
    ms += await machTimers(n);
    timers += n;
  } while (ms < minMs);
  return (ms / timers) * 1000;
}

export const TIMERS_LARGE = 50_000;
export const TIMERS_SMALL = 1_000;

export default function timers({ quick }: BenchContext): Benchmark {
  const large = quick ? 10_000 : TIMERS_LARGE;
  return {
    name: `timers: receive timeouts, ${large / 1000} k pending vs 1 k pending, µs/timer (lower is better)`,
    item: 7,
    unit: 'µs/timer',
    aim: { max: 2 },
    rounds: 3,
    run: (info) => usPerTimer(info?.warmup ? 5_000 : large, 0),
    baseline: { name: `${TIMERS_SMALL / 1000} k pending`, run: () => usPerTimer(TIMERS_SMALL, 500) },
  };
}
