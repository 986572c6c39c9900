/**
 * 5. System calls as messages: one task calling port_allocate then
 * port_deallocate in a loop; each call is a request to the task's kernel port
 * and a reply on its reply port (a round trip through the syscall server).
 * Counted per system call. Baseline: raw XState ping-pong round trips. Aim: ratio ≥ 0.7.
 */
import { xstatePingPong } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machSyscalls } from './workloads.ts';

export default function syscalls({ quick }: BenchContext): Benchmark {
  const pairs = quick ? 5_000 : 20_000;
  const nBase = quick ? 20_000 : 100_000;
  return {
    name: 'syscalls: port_allocate + port_deallocate as messages, system calls/s (higher is better)',
    item: 5,
    unit: 'ops/s',
    aim: { min: 0.7 },
    run: async () => ((2 * pairs) / (await machSyscalls(pairs))) * 1000,
    baseline: { name: 'raw XState ping-pong (round trips/s)', run: async () => (nBase / xstatePingPong(nBase)) * 1000 },
  };
}
