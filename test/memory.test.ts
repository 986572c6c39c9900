import { describe, expect, it } from 'vitest';
import { audit, boot, codeName, KERN_INVALID_VALUE, simulate } from '../index.ts';

describe('memory regions: shared memory with no system call and no copy', () => {
  it('two tasks that map one region see each other\'s writes; the trace shows the maps and no messages for the writes', async () => {
    const seen: number[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const box = k.port('box');
      k.spawn('writer', async (sys) => {
        const { region } = await sys.region_create(16, true, 'shared');
        const { view } = await sys.region_map(region!);
        await sys.msg_send(sys.ports.box!, { rights: [{ name: region!, disposition: 'copy-send' }] });
        await sys.sleep(5);
        const before = sys.now();
        view![0] = 7;
        view![1] = 9;
        seen.push(sys.now() - before);
        await sys.sleep(5);
      }, { ports: { box } });
      k.spawn('reader', async (sys) => {
        const r = await sys.msg_receive(sys.ports.box!);
        const { view } = await sys.region_map(r.ok ? r.msg.rights[0]!.name : 0);
        await sys.sleep(7);
        seen.push(view![0]!, view![1]!, view!.length);
      }, { ports: { box: { port: box, right: 'receive' } } });
    });
    expect(seen).toEqual([0, 7, 9, 16]);
    // Between t=5 (the writes) and t=7 (the read) no message moved.
    expect(sim.records.filter((r) => (r.kind === 'send' || r.kind === 'receive') && r.t > 5 && r.t < 7)).toEqual([]);
    expect(sim.report.counters.regionsCreated).toBe(1);
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('fork shares a MAP_SHARED region and copies a MAP_PRIVATE one', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('parent', async (sys) => {
        const shared = (await sys.region_create(4, true)).region!;
        const priv = (await sys.region_create(4, false)).region!;
        const s = (await sys.region_map(shared)).view!;
        const p = (await sys.region_map(priv)).view!;
        p[0] = 1;
        const { pid } = await sys.fork(async (c) => {
          (await c.region_map(shared)).view![0] = 5; // already mapped: the same view
          const mine = (await c.region_map(priv)).view!;
          out.push(`child sees private ${mine[0]}`);
          mine[0] = 2;
        });
        await sys.wait(pid);
        out.push(`parent sees shared ${s[0]}, private ${p[0]}`);
      });
    });
    expect(out).toEqual(['child sees private 1', 'parent sees shared 5, private 1']);
  });

  it('resize keeps the bytes and zero-fills; bad sizes and names get clear codes', async () => {
    const out: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { region } = await sys.region_create(2);
        const { view } = await sys.region_map(region!);
        view![1] = 3;
        await sys.region_resize(region!, 4);
        out.push([...view!]);
        out.push(codeName(await sys.region_resize(region!, -1)), codeName((await sys.region_create(2 ** 30)).code), codeName((await sys.region_map(99)).code));
        out.push(codeName(await sys.region_unmap(region!)), codeName(await sys.region_unmap(region!)));
      });
    });
    expect(out).toEqual([[0, 3, 0, 0], codeName(KERN_INVALID_VALUE), 'KERN_INVALID_VALUE', 'KERN_INVALID_NAME', 'SUCCESS', 'KERN_NOT_FOUND']);
  });
});

describe('semaphores and mutexes', () => {
  it('a lost-update race by seed, and none with a mutex; a blocked waiter is waiting', async () => {
    const run = async (seed: number, locked: boolean) => {
      let final = 0;
      const sim = await simulate(boot({ seed, sched: { policy: 'rr', quantum: 2 } }), (k) => {
        k.spawn('main', async (sys) => {
          const { region } = await sys.region_create(4);
          const dv = new DataView((await sys.region_map(region!)).view!.buffer);
          const m = (await sys.mutex_create('/m')).semaphore!;
          for (const who of ['A', 'B']) {
            await sys.fork(async (c) => {
              const mine = new DataView((await c.region_map(region!)).view!.buffer);
              for (let i = 0; i < 5; i++) {
                if (locked) await c.mutex_lock(m);
                const v = mine.getInt32(0);
                await c.compute(1 + Math.floor(c.random() * 3)); // preempted between load and store
                mine.setInt32(0, v + 1);
                if (locked) await c.mutex_unlock(m);
              }
            }, { name: who });
          }
          await sys.wait();
          await sys.wait();
          final = dv.getInt32(0);
        });
      });
      return { final, sim };
    };
    const racy = await Promise.all([1, 2, 3, 4, 5].map(async (s) => (await run(s, false)).final));
    expect(racy).toEqual([6, 5, 5, 6, 6]); // the same seed always loses the same updates
    const locked = await run(3, true);
    expect(locked.final).toBe(10);
    expect(locked.sim.records.some((r) => r.kind === 'block' && r.task === 'B')).toBe(true);
  });

  it('the deadlock report names the semaphore and who holds a mutex', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('holder', async (sys) => {
        const m = (await sys.mutex_create('/lock')).semaphore!;
        await sys.mutex_lock(m);
        await sys.netname_check_in('lock', m);
        await sys.msg_receive(sys.notifyPort); // never lets go
      });
      k.spawn('waiter', async (sys) => {
        const m = (await sys.netname_look_up('lock', { wait: true })).port!;
        await sys.mutex_lock(m);
      });
    });
    expect(sim.report.deadlock.map((d) => d.waitsOn)).toEqual([
      'receive on port 3 (holder.notify)',
      'semaphore_wait(semaphore 5): waits on mutex /lock (value 0) held by holder(1)',
    ]);
  });

  it('POSIX named semaphores: sem_open creates, finds, refuses exclusive; trywait; unlink', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const a = await sys.sem_open('/s', true, 1);
        out.push(codeName((await sys.sem_open('/s', true, 1, true)).code));
        const b = await sys.sem_open('/s');
        out.push(codeName(await sys.sem_trywait(a.semaphore!)), codeName(await sys.sem_trywait(b.semaphore!)));
        await sys.sem_post(b.semaphore!);
        out.push(codeName(await sys.sem_wait(a.semaphore!)));
        out.push(codeName(await sys.sem_unlink('/s')), codeName((await sys.sem_open('/s')).code), codeName((await sys.sem_open('bad', true)).code));
      });
    });
    expect(out).toEqual(['KERN_NAME_EXISTS', 'SUCCESS', 'KERN_OPERATION_TIMED_OUT', 'SUCCESS', 'SUCCESS', 'KERN_NOT_FOUND', 'KERN_INVALID_VALUE']);
  });
});
