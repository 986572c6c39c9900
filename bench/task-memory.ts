/**
 * 6 (memory). Heap per live idle task: n daemons, each blocked forever in
 * msg_receive on a port it allocated; heap delta / n after a full GC.
 * Baseline: n started raw XState root actors (a small machine with a counter),
 * heap delta / n. Aim: ratio ≤ 1.5 (lower is better; issue 14).
 */
import { xstateLiveActors } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machIdleTasks } from './workloads.ts';

function heapUsed(): number {
  if (typeof globalThis.gc !== 'function') throw new Error('memory benchmarks need node --expose-gc (npm run bench re-spawns itself with it)');
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per item that `make` keeps alive. */
async function perItem(n: number, make: (n: number) => Promise<unknown> | unknown): Promise<number> {
  const before = heapUsed();
  let held: unknown = await make(n);
  const after = heapUsed();
  if (held === null) throw new Error('unreachable'); // keeps `held` alive across the measurement
  held = null;
  return (after - before) / n;
}

export default function taskMemory({ quick }: BenchContext): Benchmark {
  const n = quick ? 10_000 : 100_000;
  return {
    name: `task-memory: heap per live idle task at ${n / 1000} k tasks, bytes/task (lower is better)`,
    item: 6,
    unit: 'bytes/task',
    aim: { max: 1.5 },
    // One round: 100 k tasks take ~30 s to spawn and settle, and the figure moves by < 0.1 % between rounds.
    rounds: 1,
    warmup: 0,
    run: () => perItem(n, machIdleTasks),
    baseline: { name: 'raw XState root actor (bytes/actor)', run: () => perItem(n, xstateLiveActors) },
  };
}
