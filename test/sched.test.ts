import { describe, expect, it } from 'vitest';
import { boot, cpuTimeline, renderGantt, schedStats, simulate, type BootOptions, type Sys } from '../index.ts';

/** A CPU-bound process: one burst of `ms`. */
const burst = (ms: number) => async (sys: Sys) => {
  await sys.compute(ms);
};

/** Runs processes (name, burst, arrival) under a scheduler and returns the CPU timeline. */
async function schedule(sched: BootOptions['sched'], procs: [name: string, ms: number, at?: number, priority?: number][]) {
  const sim = await simulate(boot({ seed: 1, sched }), (k) => {
    for (const [name, ms, at, priority] of procs) {
      k.spawn(name, burst(ms), { ...(at !== undefined ? { at } : {}), ...(priority !== undefined ? { priority } : {}) });
    }
  });
  expect(sim.kernel.bugs).toEqual([]);
  return sim;
}

describe('CPU scheduling on known workloads', () => {
  // The textbook's three processes, all arriving at 0: P1 24 ms, P2 3 ms, P3 3 ms.
  const textbook: [string, number][] = [['P1', 24], ['P2', 3], ['P3', 3]];

  it('FCFS runs each to completion in arrival order', async () => {
    const sim = await schedule({ policy: 'fcfs' }, textbook);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: P1 0-24 | P2 24-27 | P3 27-30']);
    // Textbook average waiting time (time ready): (0 + 24 + 27) / 3 = 17.
    const ready = schedStats(sim.records).map((s) => s.readyTime);
    expect(ready).toEqual([0, 24, 27]);
  });

  it('round robin with quantum 4 interleaves, then lets P1 run alone', async () => {
    const sim = await schedule({ policy: 'rr', quantum: 4 }, textbook);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: P1 0-4 | P2 4-7 | P3 7-10 | P1 10-30']);
    expect(schedStats(sim.records).map((s) => s.readyTime)).toEqual([6, 4, 7]); // average 17/3 ≈ 5.66
    expect(sim.records.filter((r) => r.kind === 'quantum').map((r) => `${r.t} ${r.task}`)).toEqual(['4 P1']);
  });

  it('preemptive priority: a more urgent arrival takes the CPU at once', async () => {
    // name, burst, arrival, priority (lower runs first)
    const sim = await schedule({ policy: 'priority' }, [
      ['low', 10, 0, 5],
      ['high', 3, 2, 1],
      ['mid', 4, 3, 3],
    ]);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: low 0-2 | high 2-5 | mid 5-9 | low 9-17']);
    const stats = schedStats(sim.records);
    expect(stats.map((s) => [s.task, s.turnaround])).toEqual([['low', 17], ['high', 3], ['mid', 6]]);
  });

  it('two CPUs run two tasks at the same virtual time', async () => {
    const sim = await schedule({ policy: 'fcfs', cpus: 2 }, textbook);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: P1 0-24', 'cpu1: P2 0-3 | P3 3-6']);
    expect(sim.report.time).toBe(24);
    expect(sim.report.cpus.map((c) => c.busyTime)).toEqual([24, 6]);
  });

  it('context switches cost time, counted as overhead; with more register sets, switching back is free', async () => {
    const costly = await schedule({ policy: 'rr', quantum: 2, switchCost: 1 }, [['A', 4], ['B', 4]]);
    // Each dispatch of a context not loaded costs 1 ms of CPU doing no useful work.
    expect(cpuTimeline(costly.records)).toEqual(['cpu0: A 1-3 | B 4-6 | A 7-9 | B 10-12']);
    expect(costly.report.counters.switchTime).toBe(4);
    const sets = await schedule({ policy: 'rr', quantum: 2, switchCost: 1, registerSets: 2 }, [['A', 4], ['B', 4]]);
    // Both contexts stay loaded after their first switch: only the first two loads cost.
    expect(cpuTimeline(sets.records)).toEqual(['cpu0: A 1-3 | B 4-6 | A 6-8 | B 8-10']);
    expect(sets.report.counters.switchTime).toBe(2);
  });

  it('an I/O-bound task waiting on messages leaves the CPU to a CPU-bound one', async () => {
    const sim = await simulate(boot({ seed: 1, sched: { policy: 'fcfs' } }), (k) => {
      k.spawn('cpu', burst(20));
      k.spawn('io', async (sys) => {
        for (let i = 0; i < 3; i++) {
          await sys.sleep(5); // blocked: not on the CPU
          await sys.compute(1);
        }
      });
    });
    // FCFS: 'io' cannot even start its first sleep until 'cpu' gives up the CPU at 20.
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: cpu 0-20 | io 25-26 | io 31-32 | io 37-38']);
    const rr = await simulate(boot({ seed: 1, sched: { policy: 'rr', quantum: 2 } }), (k) => {
      k.spawn('cpu', burst(20));
      k.spawn('io', async (sys) => {
        for (let i = 0; i < 3; i++) {
          await sys.sleep(5);
          await sys.compute(1);
        }
      });
    });
    // Round robin: 'io' gets in at the first quantum boundary after it becomes ready
    // (its sleeps start at 2, 9 and 16 and end at 7, 14 and 21), and 'cpu' finishes before io's last burst.
    expect(cpuTimeline(rr.records)).toEqual(['cpu0: cpu 0-8 | io 8-9 | cpu 9-15 | io 15-16 | cpu 16-22 | io 22-23']);
  });

  it('draws a text Gantt chart', async () => {
    const sim = await schedule({ policy: 'rr', quantum: 4 }, textbook);
    expect(renderGantt(sim.records, { scale: 1 })).toBe(
      [
        't(ms) 0         10        20',
        'P1    ####......####################',
        'P2    ....###',
        'P3    .......###',
        '      # running  . ready  - waiting   (1 column = 1 ms)',
      ].join('\n'),
    );
  });

  it('refuses bad scheduler options and bad bursts', async () => {
    expect(() => boot({ sched: { policy: 'lottery' as never } })).toThrow(/sched.policy/);
    expect(() => boot({ sched: { quantum: 0 } })).toThrow(/quantum/);
    expect(() => boot({ sched: { cpus: 0 } })).toThrow(/cpus/);
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        await expect(sys.compute(-1)).rejects.toThrow(/compute\(-1\)/);
        await expect(sys.compute(NaN)).rejects.toThrow(/compute/);
        await sys.compute(0);
      });
    });
    expect(sim.exit('t')).toEqual({ code: 0, reason: 'exit' });
  });
});

describe('preemption at the end of a system call', () => {
  async function wakeUrgent(policy: 'fcfs' | 'priority') {
    return simulate(boot({ seed: 1, sched: { policy } }), (k) => {
      k.spawn('urgent', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.netname_check_in('urgent', name!);
        await sys.msg_receive(name!);
        sys.log('urgent runs');
      }, { priority: 0 });
      k.spawn('lazy', async (sys) => {
        const urgent = (await sys.netname_look_up('urgent', { wait: true })).port!;
        await sys.msg_send(urgent, { body: 'wake up' }); // wakes a more urgent task
        sys.log('lazy goes on');
      }, { priority: 5 });
    });
  }

  it('under priority, waking a more urgent task preempts the waker as its call returns', async () => {
    expect((await wakeUrgent('priority')).logs()).toEqual(['urgent: urgent runs', 'lazy: lazy goes on']);
  });

  it('under FCFS the waker keeps the CPU', async () => {
    expect((await wakeUrgent('fcfs')).logs()).toEqual(['lazy: lazy goes on', 'urgent: urgent runs']);
  });
});
