/**
 * 3. One-way stream: 1 M messages into an unbounded port (qlimit Infinity),
 * the receiver draining them. Baseline: raw actor.send one way into one root
 * actor. Aim: ratio ≥ 4.
 */
import { xstateOneWay } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machStream } from './workloads.ts';

export default function stream({ quick }: BenchContext): Benchmark {
  const n = quick ? 100_000 : 1_000_000;
  return {
    name: `stream: one-way ${n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`} messages into an unbounded port, messages/s (higher is better)`,
    item: 3,
    unit: 'ops/s',
    aim: { min: 4 },
    rounds: 3,
    // Warm-up runs use 100 k; the baseline's rate does not depend on n (one actor, no queue), so it sends 300 k.
    run: async (info) => {
      const size = info?.warmup ? Math.min(n, 100_000) : n;
      return (size / (await machStream(size))) * 1000;
    },
    baseline: {
      name: 'raw XState actor.send one way',
      run: async (info) => {
        const size = info?.warmup ? 100_000 : Math.min(n, 300_000);
        return (size / xstateOneWay(size)) * 1000;
      },
    },
  };
}
