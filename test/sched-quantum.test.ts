import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, cpuTimeline, simulate, type BootOptions, type Sys } from '../index.ts';

/**
 * Round robin's quantum counts CPU time since the task was dispatched, not per
 * `compute` call (OSTEP ch. 7, Silberschatz ch. 5): consecutive computes with no
 * blocking trap between them are one CPU burst, and a slice that runs out
 * exactly where a compute ends is still used up.
 */

/** A program computing the given pieces one after another, with nothing between them. */
const pieces = (list: readonly number[]) => async (sys: Sys) => {
  for (const ms of list) await sys.compute(ms);
};

async function run(sched: BootOptions['sched'], procs: [name: string, program: (sys: Sys) => Promise<void>, priority?: number][]) {
  const sim = await simulate(boot({ seed: 1, sched }), (k) => {
    for (const [name, program, priority] of procs) k.spawn(name, program, priority !== undefined ? { priority } : {});
  });
  expect(sim.kernel.bugs).toEqual([]);
  return sim;
}

/** The quantum-expiry records, as "t task". */
const expiries = (records: readonly { kind: string; t: number; task?: string }[]) =>
  records.filter((r) => r.kind === 'quantum').map((r) => `${r.t} ${r.task}`);

describe('round robin: a quantum that ends exactly where a compute ends', () => {
  it('quantum 1, two tasks looping compute(1): they alternate every ms', async () => {
    const sim = await run({ policy: 'rr', quantum: 1 }, [
      ['A', pieces([1, 1, 1])],
      ['B', pieces([1, 1, 1])],
    ]);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-1 | B 1-2 | A 2-3 | B 3-4 | A 4-5 | B 5-6']);
    // Each task but the last to run is sent to the back when its slice runs out and the other waits.
    expect(expiries(sim.records)).toEqual(['1 A', '2 B', '3 A', '4 B']);
  });

  it('quantum 2, two tasks looping compute(1): two computes make one slice', async () => {
    const sim = await run({ policy: 'rr', quantum: 2 }, [
      ['A', pieces([1, 1, 1, 1])],
      ['B', pieces([1, 1, 1, 1])],
    ]);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-2 | B 2-4 | A 4-6 | B 6-8']);
  });

  it('bursts that each end on the quantum boundary yield as one long burst would', async () => {
    const split = await run({ policy: 'rr', quantum: 4 }, [
      ['A', pieces([4, 4])],
      ['B', pieces([4, 4])],
    ]);
    const whole = await run({ policy: 'rr', quantum: 4 }, [
      ['A', pieces([8])],
      ['B', pieces([8])],
    ]);
    expect(cpuTimeline(split.records)).toEqual(['cpu0: A 0-4 | B 4-8 | A 8-12 | B 12-16']);
    expect(cpuTimeline(whole.records)).toEqual(cpuTimeline(split.records));
  });

  it('computes that add up past the quantum through an exact boundary are one burst', async () => {
    // quantum 10: 5 + 5 ends the slice exactly; the third 5 must wait for B's turn.
    const sim = await run({ policy: 'rr', quantum: 10 }, [
      ['A', pieces([5, 5, 5])],
      ['B', pieces([5, 5, 5])],
    ]);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-10 | B 10-20 | A 20-25 | B 25-30']);
  });

  it('a kernel-served call that does not block leaves the quantum running', async () => {
    // A stays on its CPU in port_allocate (served in its trap): the 2 ms before and the 2 ms
    // after are one slice of 4, so its third compute waits behind B.
    const sim = await run({ policy: 'rr', quantum: 4 }, [
      [
        'A',
        async (sys) => {
          await sys.compute(2);
          const r = await sys.port_allocate('receive', 'a.port');
          sys.log(`port ${r.code}`);
          await sys.compute(2);
          await sys.compute(2);
        },
      ],
      ['B', pieces([4])],
    ]);
    expect(sim.records.filter((r) => r.kind === 'log').map((r) => r.detail)).toEqual(['port 0']);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-4 | B 4-8 | A 8-10']);
    expect(sim.records.filter((r) => r.task === 'A' && r.kind === 'block')).toEqual([]);
  });

  it('a burst equal to the quantum followed by a blocking call: the task blocks, it is not preempted', async () => {
    const sim = await run({ policy: 'rr', quantum: 4 }, [
      [
        'A',
        async (sys) => {
          await sys.compute(4);
          await sys.sleep(10);
          await sys.compute(1);
        },
      ],
      ['B', pieces([8])],
    ]);
    // A leaves at 4 by blocking; B's own expiry at 8 finds nobody ready, so B goes on.
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-4 | B 4-12 | A 14-15']);
    expect(expiries(sim.records)).toEqual([]);
    const a = sim.records.filter((r) => r.task === 'A' && r.t === 4 && (r.kind === 'block' || r.kind === 'quantum'));
    expect(a.map((r) => r.kind)).toEqual(['block']);
  });

  it('a slice used up with nobody else ready: a fresh one, no yield', async () => {
    const sim = await run({ policy: 'rr', quantum: 1 }, [['A', pieces([1, 1, 1])]]);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-3']);
    expect(expiries(sim.records)).toEqual([]);
  });

  it('a task that ends exactly as its slice ends gives up the CPU itself', async () => {
    const sim = await run({ policy: 'rr', quantum: 2 }, [
      ['A', pieces([1, 1])],
      ['B', pieces([1, 1])],
    ]);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-2 | B 2-4']);
    expect(expiries(sim.records)).toEqual([]);
  });

  it('FCFS and priority: compute(1) loops still run to completion', async () => {
    for (const policy of ['fcfs', 'priority'] as const) {
      const sim = await run({ policy, quantum: 1 }, [
        ['A', pieces([1, 1, 1])],
        ['B', pieces([1, 1, 1])],
      ]);
      expect(cpuTimeline(sim.records)).toEqual(['cpu0: A 0-3 | B 3-6']);
      expect(expiries(sim.records)).toEqual([]);
    }
  });

  it('property: splitting each burst into computes never changes the round-robin timeline', async () => {
    // Tasks all arrive at 0 on one CPU; each task's burst is cut into random pieces.
    const piecesOf = (total: number) =>
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }).map((cuts) => {
        const out: number[] = [];
        let left = total;
        for (const c of cuts) {
          if (left <= 0) break;
          const p = Math.min(c, left);
          out.push(p);
          left -= p;
        }
        if (left > 0) out.push(left);
        return out;
      });
    const task = fc.integer({ min: 1, max: 20 }).chain((total) => fc.tuple(fc.constant(total), piecesOf(total)));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(task, { minLength: 1, maxLength: 4 }), async (quantum, tasks) => {
        const sched = { policy: 'rr' as const, quantum };
        const whole = await run(sched, tasks.map(([total], i) => [`T${i}`, pieces([total])]));
        const split = await run(sched, tasks.map(([, list], i) => [`T${i}`, pieces(list)]));
        expect(cpuTimeline(split.records)).toEqual(cpuTimeline(whole.records));
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
