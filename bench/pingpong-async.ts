/**
 * 1. Mach ping-pong: two async-program tasks, each with its own port, send
 * rights exchanged through the name service, then round trips of msg_send +
 * msg_receive; virtual time, one CPU, task states and counters kept, trace
 * records off. Baseline: two raw XState root actors ping-ponging. Aim: ratio ≥ 1.0.
 */
import { xstatePingPong } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machPingPong } from './workloads.ts';

export default function pingPongAsync({ quick }: BenchContext): Benchmark {
  const n = quick ? 10_000 : 50_000;
  const nBase = quick ? 20_000 : 100_000;
  return {
    name: 'pingpong-async: Mach ping-pong, async programs, round trips/s (higher is better)',
    item: 1,
    unit: 'ops/s',
    aim: { min: 3 }, // issue 14, aim 6 (was ≥ 1, met)
    run: async () => (n / (await machPingPong(1, n))) * 1000,
    baseline: { name: 'raw XState ping-pong', run: async () => (nBase / xstatePingPong(nBase)) * 1000 },
  };
}
