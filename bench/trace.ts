/**
 * 9. Trace records on versus off, on the Mach ping-pong of (1). Cost per round
 * trip with records kept (`boot({ trace: true })`) over the cost with records
 * off. Aim (issue 14): ratio ≤ 1.3 (at most 1.3× slower).
 */
import type { BenchContext, Benchmark } from './harness.ts';
import { machPingPong } from './workloads.ts';

export default function trace({ quick }: BenchContext): Benchmark {
  const n = quick ? 10_000 : 30_000;
  const usPerRoundTrip = async (on: boolean): Promise<number> => ((await machPingPong(1, n, on)) / n) * 1000;
  return {
    name: 'trace: Mach ping-pong with trace records on, µs/round trip (lower is better)',
    item: 9,
    unit: 'µs/round trip',
    aim: { max: 1.3 },
    run: () => usPerRoundTrip(true),
    baseline: { name: 'the same, trace records off', run: () => usPerRoundTrip(false) },
  };
}
