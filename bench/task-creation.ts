/**
 * 6. Task creation: spawn + start + exit of idle tasks (a program that returns
 * at once), n of them in one kernel run. Baseline: createActor().start().stop()
 * of a small raw XState machine. Aim: ratio ≥ 0.5.
 */
import { xstateCreateStop } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { machTaskCreation } from './workloads.ts';

export default function taskCreation({ quick }: BenchContext): Benchmark {
  const n = quick ? 5_000 : 10_000;
  const nBase = quick ? 20_000 : 50_000;
  return {
    name: 'task-create: spawn + start + exit of idle tasks, tasks/s (higher is better)',
    item: 6,
    unit: 'ops/s',
    aim: { min: 0.5 },
    run: async () => (n / (await machTaskCreation(n))) * 1000,
    baseline: { name: 'raw XState createActor().start().stop()', run: async () => (nBase / xstateCreateStop(nBase)) * 1000 },
  };
}
