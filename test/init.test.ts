import { describe, expect, it } from 'vitest';
import { boot, renderTree, simulate, type Sys } from '../index.ts';

describe('init is a program, and subreapers', () => {
  it('a program of yours runs as pid 1: it adopts orphans and reaps them with wait (waiting even with no child yet)', async () => {
    const reaped: string[] = [];
    const init = async (sys: Sys) => {
      for (;;) {
        const w = await sys.wait(-1);
        if (w.code !== 0) return;
        reaped.push(`pid ${w.pid} at t=${sys.now()}`);
      }
    };
    const sim = await simulate(boot({ seed: 1, process: { init } }), (k) => {
      k.spawn('parent', async (sys) => {
        await sys.fork(async (c) => { await c.sleep(10); }, { name: 'orphan' });
      });
    });
    expect(sim.kernel.tasks.get(1)!.name).toBe('init');
    expect(sim.lines(['orphan'])).toEqual(['t=0 orphan orphan']);
    expect(sim.records.find((r) => r.kind === 'orphan')).toMatchObject({ peer: 1, peerTask: 'init' });
    // init's wait was answered when the orphan ended: the kernel reaped it for init.
    expect(sim.records.filter((r) => r.kind === 'reap' && r.task === 'orphan').map((r) => [r.t, r.peer])).toEqual([[10, 1]]);
    expect(reaped).toEqual([]); // the run ended with the last non-daemon task, before init ran again
  });

  it('zombies pile up under an init that never waits, as on Unix', async () => {
    const sim = await simulate(boot({ seed: 1, process: { init: async (sys: Sys) => { await sys.msg_receive(sys.notifyPort); } } }), (k) => {
      k.spawn('parent', async (sys) => {
        for (let i = 0; i < 2; i++) await sys.fork(async (c) => { await c.sleep(5); }, { name: `kid${i}` });
      });
      k.spawn('watcher', async (sys) => {
        await sys.sleep(20);
        sys.log(renderTree((await sys.ps()).procs!));
      });
    });
    expect(sim.logs('watcher')).toEqual([['1 init (waiting)', '├─ 4 kid0 (zombie)', '└─ 5 kid1 (zombie)', '3 watcher (running)'].join('\n')]);
  });

  it('a subreaper adopts its orphaned descendants instead of init', async () => {
    const sim = await simulate(boot({ seed: 1, process: { init: true } }), (k) => {
      k.spawn('shell', async (sys) => {
        await sys.set_child_subreaper();
        await sys.fork(async (mid) => { await mid.fork(async (leaf) => { await leaf.sleep(10); }, { name: 'leaf' }); }, { name: 'mid' });
        await sys.sleep(5);
        sys.log(renderTree((await sys.ps()).procs!));
        const a = await sys.wait();
        const b = await sys.wait();
        sys.log(`reaped ${a.pid} and ${b.pid}`);
      });
    });
    expect(sim.logs('shell')).toEqual([['1 init (waiting)', '2 shell (running)', '├─ 3 mid (zombie)', '└─ 4 leaf (waiting)'].join('\n'), 'reaped 3 and 4']);
    expect(sim.records.find((r) => r.kind === 'orphan')).toMatchObject({ task: 'leaf', peer: 2, peerTask: 'shell' });
  });

  it('when init itself ends, xmach does not panic: later orphans go to the kernel', async () => {
    const sim = await simulate(boot({ seed: 1, process: { init: async () => 3 } }), (k) => {
      k.spawn('parent', async (sys) => {
        await sys.sleep(1);
        await sys.fork(async (c) => { await c.sleep(5); }, { name: 'late' });
      });
    });
    expect(sim.exit('init')).toEqual({ code: 3, reason: 'exit' });
    expect(sim.records.find((r) => r.kind === 'orphan')).toMatchObject({ task: 'late', peer: 0, peerTask: 'kernel' });
    expect(sim.report.status).toBe('done');
  });
});
