import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chaos } from './worlds/chaos.ts';

describe('chaos', () => {
  it('the books balance after every step, and the run ends cleanly, whatever the programs do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom('fcfs' as const, 'rr' as const, 'priority' as const),
        async (seed, tasks, steps, cpus, policy) => {
          const { k, report, problems } = await chaos(seed, tasks, steps, cpus, policy);
          expect(problems).toEqual([]);
          expect(k.bugs).toEqual([]);
          if (report.status === 'deadlock') expect(report.deadlock.length).toBeGreaterThan(0);
          // 'done' means every non-daemon task ended (init is a daemon).
          if (report.status === 'done') {
            for (const t of report.tasks) if (!k.tasks.get(t.pid)!.daemon) expect(t.state).toBe('terminated');
          }
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 80) },
    );
  });
});
