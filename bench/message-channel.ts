/**
 * 11. Reference line: the Mach ping-pong of (1) against Node's MessageChannel
 * ping-pong between the main thread and a worker_threads Worker (real thread
 * IPC, structured clone, the other CPU core). No aim: it is there so users see
 * emulated IPC against real thread IPC.
 */
import { WorkerEcho } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machPingPong } from './workloads.ts';

export default function messageChannel({ quick }: BenchContext): Benchmark {
  const n = quick ? 10_000 : 50_000;
  const nBase = quick ? 5_000 : 20_000;
  const echo = new WorkerEcho();
  return {
    name: 'message-channel: Mach ping-pong vs MessageChannel main <-> worker thread, round trips/s (higher is better)',
    item: 11,
    unit: 'ops/s',
    run: async () => (n / (await machPingPong(1, n))) * 1000,
    baseline: { name: 'Node MessageChannel main <-> worker', run: async () => (nBase / (await echo.pingPong(nBase))) * 1000 },
    teardown: () => echo.close(),
  };
}
