/**
 * What the IPC fast path buys (issue 4 asks to show it with 1, 4 and 8): the
 * same workload with the fast path on (ours) and off (baseline), in one
 * process, interleaved. A reference line: no aim.
 */
import type { BenchContext, Benchmark } from './harness.ts';
import { machPingPong, machRpc } from './workloads.ts';

export default function fastPath({ quick }: BenchContext): Benchmark[] {
  const n = quick ? 10_000 : 50_000;
  const pairs = 100;
  const perPair = quick ? 100 : 500;
  return [
    {
      name: 'fastpath-pingpong: Mach ping-pong, fast path on vs off, round trips/s (higher is better)',
      item: 1,
      unit: 'ops/s',
      run: async () => (n / (await machPingPong(1, n))) * 1000,
      baseline: { name: 'the same, fast path off', run: async () => (n / (await machPingPong(1, n, false, false))) * 1000 },
    },
    {
      name: 'fastpath-rpc: msg_rpc, fast path on vs off, round trips/s (higher is better)',
      item: 4,
      unit: 'ops/s',
      run: async () => (n / (await machRpc(n))) * 1000,
      baseline: { name: 'the same, fast path off', run: async () => (n / (await machRpc(n, false))) * 1000 },
    },
    {
      name: 'fastpath-scale-100: ping-pong among 100 pairs, fast path on vs off, round trips/s (higher is better)',
      item: 8,
      unit: 'ops/s',
      run: async () => ((pairs * perPair) / (await machPingPong(pairs, perPair))) * 1000,
      baseline: {
        name: 'the same, fast path off',
        run: async () => ((pairs * perPair) / (await machPingPong(pairs, perPair, false, false))) * 1000,
      },
    },
  ];
}
