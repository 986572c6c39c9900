import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, intervals, type SchedPolicy } from '../index.ts';

const workload = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  policy: fc.constantFrom<SchedPolicy>('fcfs', 'rr', 'priority'),
  cpus: fc.integer({ min: 1, max: 3 }),
  quantum: fc.integer({ min: 1, max: 8 }),
  switchCost: fc.constantFrom(0, 0, 1),
  tasks: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 20 }),
      priority: fc.integer({ min: 0, max: 3 }),
      // Each step: compute n ms (n > 0) or sleep n ms (n < 0).
      steps: fc.array(fc.integer({ min: -6, max: 9 }).filter((n) => n !== 0), { minLength: 1, maxLength: 5 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

describe('scheduler invariants over random workloads', () => {
  it('no task is in two states at once, no CPU runs two tasks, CPU time adds up, every task ends', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const k = boot({ seed: w.seed, sched: { policy: w.policy, cpus: w.cpus, quantum: w.quantum, switchCost: w.switchCost } });
        w.tasks.forEach((t, i) =>
          k.spawn(`t${i}`, async (sys) => {
            for (const n of t.steps) await (n > 0 ? sys.compute(n) : sys.sleep(-n));
          }, { at: t.at, priority: t.priority }),
        );
        const report = await k.run();
        expect(k.bugs).toEqual([]);
        expect(report.status).toBe('done');
        expect(report.tasks.every((t) => t.state === 'terminated')).toBe(true);

        const ivs = intervals(k.trace.records);
        // One state at a time per task: its intervals never overlap.
        const byPid = new Map<number, typeof ivs>();
        for (const iv of ivs) byPid.set(iv.pid, [...(byPid.get(iv.pid) ?? []), iv]);
        for (const list of byPid.values()) {
          for (let i = 1; i < list.length; i++) expect(list[i]!.from).toBeGreaterThanOrEqual(list[i - 1]!.to);
        }
        // One task at a time per CPU.
        for (let cpu = 0; cpu < w.cpus; cpu++) {
          const runs = ivs.filter((iv) => iv.state === 'running' && iv.cpu === cpu).sort((a, b) => a.from - b.from);
          for (let i = 1; i < runs.length; i++) expect(runs[i]!.from).toBeGreaterThanOrEqual(runs[i - 1]!.to);
        }
        // CPU time adds up: what each task asked for = what the CPUs spent = the counter.
        const asked = w.tasks.reduce((n, t) => n + t.steps.filter((s) => s > 0).reduce((a, b) => a + b, 0), 0);
        const perTask = [...k.tasks.values()].reduce((n, t) => n + t.pcb.cpuTime, 0);
        const perCpu = report.cpus.reduce((n, c) => n + c.busyTime, 0);
        expect(perTask).toBe(asked);
        expect(perCpu).toBe(asked);
        expect(report.counters.cpuTime).toBe(asked);
        // Running time seen in the timeline is the CPU time (a task runs only while computing takes time).
        const running = ivs.filter((iv) => iv.state === 'running').reduce((n, iv) => n + iv.to - iv.from, 0);
        expect(running).toBe(asked);
        expect(perCpu + report.counters.switchTime).toBeLessThanOrEqual(report.time * w.cpus);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });
});
