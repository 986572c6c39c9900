/**
 * 4. msg_rpc round trips between a client and a server task (the server
 * receives and replies with msg_send on the send-once reply right).
 * Baseline: two raw XState root actors ping-ponging. Aim: ratio ≥ 0.7.
 */
import { xstatePingPong } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machRpc } from './workloads.ts';

export default function rpc({ quick }: BenchContext): Benchmark {
  const n = quick ? 10_000 : 50_000;
  const nBase = quick ? 20_000 : 100_000;
  return {
    name: 'rpc: msg_rpc client/server, round trips/s (higher is better)',
    item: 4,
    unit: 'ops/s',
    aim: { min: 0.7 },
    run: async () => (n / (await machRpc(n))) * 1000,
    baseline: { name: 'raw XState ping-pong', run: async () => (nBase / xstatePingPong(nBase)) * 1000 },
  };
}
