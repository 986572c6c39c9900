/**
 * 8. Scale: Mach ping-pong among N pairs of tasks at once (N = 1, 100,
 * 10,000), the same number of messages in total. Per-message cost at N pairs
 * against 1 pair. Aim: ratio ≤ 1.5 at 10,000 pairs.
 *
 * Set-up (2N spawns, port_allocate, netname_check_in / look_up) is not
 * counted: every task waits at a barrier first (see workloads.ts).
 */
import type { BenchContext, Benchmark } from './harness.ts';
import { machPingPong } from './workloads.ts';

/** µs per message for `pairs` pairs doing `total` round trips between them. */
async function usPerMessage(pairs: number, total: number): Promise<number> {
  const each = Math.max(1, Math.round(total / pairs));
  const ms = await machPingPong(pairs, each);
  return (ms / (2 * pairs * each)) * 1000;
}

export default function scale({ quick }: BenchContext): Benchmark[] {
  const total = quick ? 20_000 : 100_000;
  const onePair = { name: '1 pair', run: () => usPerMessage(1, total) };
  const at = (pairs: number, aim: number | undefined, rounds: number): Benchmark => ({
    name: `scale-${pairs}: Mach ping-pong among ${pairs.toLocaleString('en-US')} pairs vs 1 pair, µs/msg (lower is better)`,
    item: 8,
    unit: 'µs/msg',
    ...(aim !== undefined ? { aim: { max: aim } } : {}),
    rounds,
    run: (info) => usPerMessage(info?.warmup ? Math.min(pairs, 100) : pairs, total),
    baseline: onePair,
  });
  // The aim is for 10,000 pairs; --quick measures 1,000 (set-up of 20,000 tasks takes ~8 s).
  return [at(100, undefined, 5), at(quick ? 1_000 : 10_000, 1.5, 3)];
}
