import { describe, expect, it } from 'vitest';
import { boot, ids, KERN_SUCCESS, KERN_TERMINATED, MIG_BAD_ID, ROUTINES, simulate, SYSCALL_PARAMS, type Sys } from '../index.ts';

describe('one interface table', () => {
  it('every routine has a stub on sys, an id named after it, and its parameters in SYSCALL_PARAMS', async () => {
    let sys: Sys | null = null;
    await simulate(boot(), (k) => {
      k.spawn('t', async (s) => {
        sys = s;
      });
    });
    for (const def of Object.values(ROUTINES)) {
      expect(typeof (sys as unknown as Record<string, unknown>)[def.name], def.name).toBe('function');
      expect(ids[def.name.toUpperCase() as keyof typeof ids]).toBe(def.id);
      expect(SYSCALL_PARAMS[def.name]).toEqual(def.args.map((a) => a[0]));
    }
    expect(ids.WAIT).toBe(3405);
    expect(ids.TASK_WAIT).toBe(3411);
    expect(ids.KILL).toBe(3409);
  });

  it('the trace names a served routine as its stub is named', async () => {
    const sim = await simulate(boot(), (k) => {
      k.spawn('parent', async (sys) => {
        const { handle } = await sys.fork(async (c) => { await c.sleep(10); });
        await sys.kill(handle!, 'stop');
        await sys.task_terminate(handle!);
        await sys.wait();
      });
    });
    const ops = sim.records.filter((r) => r.kind === 'syscall' && r.pid === 1).map((r) => r.op);
    expect(ops).toEqual(['fork', 'kill', 'task_terminate', 'wait']);
  });

  it('task_terminate ends the process a handle names; a request on the wrong port is MIG_BAD_ID', async () => {
    const sim = await simulate(boot(), (k) => {
      k.spawn('parent', async (sys) => {
        const { handle, pid } = await sys.fork(async (c) => { await c.sleep(100); return 5; });
        sys.log(`terminate ${await sys.task_terminate(handle!)}`);
        const w = await sys.wait(pid);
        sys.log(`status ${w.status!.code} ${w.status!.reason}`);
        sys.log(`after reap ${(await sys.task_terminate(handle!)) === KERN_TERMINATED}`);
        // A name-service routine sent to the kernel port is not served there.
        const r = await sys.call(sys.kernelPort, ids.NETNAME_LOOK_UP, { name: 'x' });
        sys.log(`bad id ${r.code === MIG_BAD_ID}`);
      });
    });
    expect(sim.logs('parent')).toEqual([`terminate ${KERN_SUCCESS}`, 'status 137 killed', 'after reap true', 'bad id true']);
  });
});
