import { assign, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  audit,
  boot,
  cpuTimeline,
  KERN_NOT_FOUND,
  KERN_SUCCESS,
  KERN_TERMINATED,
  machActors,
  renderTree,
  simulate,
  XMACH_NOTIFY_SIGNAL,
  type ProcRow,
} from '../index.ts';

describe('fork, exit and wait', () => {
  it('the child runs with a copy of the parent data; its changes do not reach the parent', async () => {
    const seen: string[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('parent', async (sys) => {
        const data = { list: [1, 2] };
        const { code, pid } = await sys.fork(
          async (child, copy: { list: number[] }) => {
            copy.list.push(99);
            child.log(`child sees ${copy.list.join(',')}`);
            return 7;
          },
          { data },
        );
        expect(code).toBe(KERN_SUCCESS);
        const w = await sys.wait(pid);
        seen.push(`parent sees ${data.list.join(',')}`, `child ${w.pid} exited ${w.status!.code}`);
      });
    });
    expect(sim.logs('parent')).toEqual(['child sees 1,2,99']); // the child has the parent's name
    expect(seen).toEqual(['parent sees 1,2', 'child 2 exited 7']);
    expect(sim.kernel.ps()).toEqual([]); // everything reaped
  });

  it('a child that ends before its parent waits is a zombie until then', async () => {
    let during: ProcRow[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('parent', async (sys) => {
        const { pid } = await sys.fork(async () => 3, { name: 'kid' });
        await sys.sleep(10);
        during = (await sys.ps()).procs!;
        const w = await sys.wait();
        expect(w).toMatchObject({ code: KERN_SUCCESS, pid, status: { code: 3, reason: 'exit' } });
        expect((await sys.wait()).code).toBe(KERN_NOT_FOUND); // no children left
      });
    });
    // The parent is waiting for the kernel's answer to its own ps call.
    expect(during.map((r) => `${r.pid} ${r.name} ${r.stat} ppid ${r.ppid}`)).toEqual(['1 parent R ppid 0', '2 kid Z ppid 1']);
    // The parent's own parent is the kernel, which reaps it as soon as it ends.
    expect(sim.lines(['zombie', 'reap'])).toEqual(['t=0 kid zombie', 't=10 kid reap', 't=10 parent reap']);
  });

  it('wait blocks until a child ends; the parent can also wait at fork (execution option)', async () => {
    const times: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('parent', async (sys) => {
        await sys.fork(async (c) => c.sleep(25));
        await sys.wait();
        times.push(sys.now());
        const r = await sys.fork(async (c) => {
          await c.sleep(5);
          return 4;
        }, { wait: true });
        times.push(sys.now(), r.status!.code);
      });
    });
    expect(times).toEqual([25, 30, 4]);
  });

  it('orphans are given to init (pid 1), which reaps them', async () => {
    let tree = '';
    const sim = await simulate(boot({ seed: 1, process: { init: true } }), (k) => {
      k.spawn('parent', async (sys) => {
        await sys.fork(async (c) => {
          await c.sleep(20); // outlives its parent
          return 0;
        }, { name: 'orphan' });
        await sys.sleep(5);
        tree = renderTree((await sys.ps()).procs!);
      });
    });
    // Tasks spawned by the kernel have ppid 0: two roots, init and parent.
    expect(tree).toBe(['1 init (waiting)', '2 parent (running)', '└─ 3 orphan (waiting)'].join('\n'));
    expect(sim.lines(['orphan', 'zombie', 'reap'])).toEqual([
      't=5 orphan orphan',
      't=5 parent reap',
      't=20 orphan zombie',
      't=20 orphan reap',
    ]);
    expect(sim.kernel.ps().map((r) => r.name)).toEqual(['init']);
  });

  it('cascading termination: when a process ends, the kernel ends all its descendants', async () => {
    const sim = await simulate(boot({ seed: 1, process: { cascade: true } }), (k) => {
      k.spawn('root', async (sys) => {
        await sys.fork(async (c) => {
          await c.fork(async (g) => g.sleep(1000), { name: 'grandchild' });
          await c.sleep(1000);
        }, { name: 'child' });
        await sys.sleep(10);
      });
    });
    expect(sim.report.time).toBe(10);
    expect(sim.exit('child')).toEqual({ code: 137, reason: 'killed' });
    expect(sim.exit('grandchild')).toEqual({ code: 137, reason: 'killed' });
    expect(sim.lines(['kill'])).toEqual(['t=10 child kill', 't=10 grandchild kill']);
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('share: the child gets all of the parent’s send rights under the same names, a subset, or none', async () => {
    const rights: Record<string, string[]> = {};
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('parent', async (sys) => {
        const a = (await sys.port_allocate()).name!;
        const b = (await sys.port_allocate()).name!;
        await sys.msg_send(a, { body: 0 }); // (just to use it)
        // Make send rights the parent holds: insert via a message to itself.
        await sys.msg_send(b, { rights: [{ name: a, disposition: 'make-send' }, { name: b, disposition: 'make-send' }] });
        await sys.msg_receive(b);
        for (const share of ['all', 'none', [a]] as const) {
          await sys.fork(
            async (c, label: string) => {
              const names = (await c.port_names()).names!.filter((n) => n.name > 4 && n.rights.includes('send')).map((n) => n.name);
              c.setRegisters({ names });
              rights[label] = names.map((n) => (n === a ? 'a' : n === b ? 'b' : `?${n}`));
            },
            { share: share as never, data: JSON.stringify(share) },
          );
          await sys.wait();
        }
      });
    });
    expect(rights).toEqual({ '"all"': ['a', 'b'], '"none"': [], '[5]': ['a'] });
  });
});

describe('exec', () => {
  it('replaces the program, keeping pid and rights', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.install('/bin/echo', async (sys) => {
        sys.log(`echo pid ${sys.pid} args ${JSON.stringify(sys.args)} kernel ${(await sys.port_type(sys.kernelPort)).rights}`);
        return 5;
      });
      k.spawn('shell', async (sys) => {
        await sys.exec('/bin/echo', { args: ['hi'], name: 'echo' });
        sys.log('never printed');
      });
    });
    expect(sim.logs()).toEqual(['echo: echo pid 1 args ["hi"] kernel send']);
    expect(sim.exit('echo')).toEqual({ code: 5, reason: 'exit' });
  });

  it('refuses an unknown path', async () => {
    let code = 0;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('shell', async (sys) => {
        code = await sys.exec('/bin/nope');
      });
    });
    expect(code).not.toBe(KERN_SUCCESS);
  });

  it('exit() ends the task at once with its code', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        await sys.exit(42);
        sys.log('not reached');
      });
    });
    expect(sim.exit('t')).toEqual({ code: 42, reason: 'exit' });
    expect(sim.logs('t')).toEqual([]);
  });
});

describe('process handles', () => {
  it('a handle reads the child’s PCB, stops and continues it, kills it; after reaping it says KERN_TERMINATED', async () => {
    const out: unknown[] = [];
    // Two CPUs: the worker computes on one while the parent uses the other.
    const sim = await simulate(boot({ seed: 1, sched: { cpus: 2 } }), (k) => {
      k.spawn('parent', async (sys) => {
        const { handle, pid } = await sys.fork(async (c) => {
          for (;;) await c.compute(10);
        }, { name: 'worker' });
        await sys.sleep(25);
        const info = await sys.task_info(handle);
        out.push(`cpu ${info.pcb!.cpuTime}`);
        await sys.task_suspend(handle!);
        await sys.sleep(50);
        out.push(`stat ${(await sys.ps()).procs!.find((p) => p.pid === pid)!.stat}`);
        out.push(`cpu while stopped ${(await sys.task_info(handle)).pcb!.cpuTime}`);
        await sys.task_resume(handle!);
        await sys.sleep(10);
        await sys.kill(handle!);
        out.push(`zombie: ${(await sys.task_info(handle)).pcb!.state}`);
        const w = await sys.wait(pid);
        out.push(`status ${w.status!.code} ${w.status!.reason}`);
        out.push(`after reap: ${(await sys.task_info(handle)).code === KERN_TERMINATED}`);
      });
    });
    expect(out).toEqual(['cpu 25', 'stat T', 'cpu while stopped 25', 'zombie: terminated', 'status 137 killed', 'after reap: true']);
    expect(sim.exit('worker')).toEqual({ code: 137, reason: 'killed' });
    expect(sim.task('worker').pcb.cpuTime).toBe(35);
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('a handle passed in a message lets another task wait for the end; term is a notification', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('parent', async (sys) => {
        const { handle } = await sys.fork(async (c) => {
          const n = await c.msg_receive<{ signal: string }>(c.notifyPort);
          c.log(`got ${n.ok && n.msg.id === XMACH_NOTIFY_SIGNAL ? n.msg.body.signal : '?'}`);
          return 15;
        }, { name: 'child', share: 'none' });
        const watcher = (await sys.netname_look_up('watcher', { wait: true })).port!;
        await sys.msg_send(watcher, { rights: [{ name: handle!, disposition: 'copy-send' }] });
        await sys.sleep(5);
        await sys.kill(handle!, 'term');
        await sys.wait();
      });
      k.spawn('watcher', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.netname_check_in('watcher', name!);
        const r = await sys.msg_receive(name!);
        const h = r.ok ? r.msg.rights[0]!.name : 0;
        const w = await sys.task_wait(h);
        out.push(`t=${sys.now()} pid ${w.pid} ended ${w.status!.code}`);
      });
    });
    expect(out).toEqual(['t=5 pid 3 ended 15']);
  });
});

describe('machine fork', () => {
  it('the child starts from the parent’s snapshot and learns it is the child', async () => {
    const forker = setup({
      types: { context: {} as { counter: number; role: string } },
      actors: machActors,
    }).createMachine({
      context: { counter: 41, role: '' },
      initial: 'forking',
      states: {
        forking: {
          entry: assign({ counter: ({ context }) => context.counter + 1 }),
          invoke: {
            src: 'fork',
            input: {},
            onDone: {
              target: 'done',
              actions: assign({ role: ({ event }) => (event.output.child ? 'child' : `parent of ${event.output.pid}`) }),
            },
          },
        },
        done: { type: 'final' },
      },
      output: ({ context }) => (context.role === 'child' ? context.counter : 0),
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('forker', forker);
    });
    // Both copies saw the counter incremented before the fork; the child exits with it, the parent with 0.
    expect(sim.report.tasks.map((t) => [t.pid, t.exit])).toEqual([
      [1, { code: 0, reason: 'exit' }],
      [2, { code: 42, reason: 'exit' }],
    ]);
  });
});

describe('threads', () => {
  it('threads share the task’s name space and memory, are scheduled on their own, and the task ends with its last thread', async () => {
    const shared = { hits: [] as string[] };
    const sim = await simulate(boot({ seed: 1, sched: { policy: 'rr', quantum: 5 } }), (k) => {
      k.spawn('proc', async (sys) => {
        const { name: port } = await sys.port_allocate('receive', 'shared-port');
        for (const who of ['A', 'B']) {
          await sys.thread_create(async (t, mem: { hits: string[] }) => {
            await t.compute(10);
            mem.hits.push(`${who}@${t.now()}`);
            // The same port name works in every thread: one name space.
            await t.msg_send(port!, { body: who });
          }, shared);
        }
        for (let i = 0; i < 2; i++) {
          const r = await sys.msg_receive<string>(port!);
          shared.hits.push(`main got ${r.ok ? r.msg.body : r.code}`);
        }
      });
    });
    // The first thread creates A and B without leaving the CPU (thread_create runs in its trap),
    // then waits. Round robin at 5 ms: A 0-5, B 5-10, A 10-15 (A sends), B 15-20; the first
    // thread, ready at 15, gets the CPU at B's quantum boundary and takes both messages.
    expect(shared.hits).toEqual(['A@15', 'B@20', 'main got A', 'main got B']);
    expect(cpuTimeline(sim.records)).toEqual(['cpu0: proc[2] 0-5 | proc[3] 5-10 | proc[2] 10-15 | proc[3] 15-20']);
    expect(sim.lines(['quantum'])).toEqual(['t=5 proc[2] quantum', 't=10 proc[3] quantum']);
    expect(sim.kernel.ps()).toEqual([]);
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('the task lives on after its first thread returns, while another thread runs', async () => {
    let during: ProcRow[] = [];
    let after: ProcRow[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('watcher', async (sys) => {
        await sys.sleep(5);
        during = (await sys.ps()).procs!;
        await sys.sleep(20);
        after = (await sys.ps()).procs!;
      });
      k.spawn('proc', async (sys) => {
        await sys.thread_create(async (t) => t.sleep(10));
      });
    });
    expect(during.find((r) => r.name === 'proc')).toMatchObject({ stat: 'S', threads: 1 });
    expect(after.find((r) => r.name === 'proc')).toBeUndefined();
    expect(sim.exit('proc')).toEqual({ code: 0, reason: 'exit' });
  });
});

describe('the PCB', () => {
  it('keeps memory held in queued messages, handles held, and enforces a CPU-time limit', async () => {
    let pcb: Record<string, unknown> = {};
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('holder', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.msg_send(name!, { body: 'x'.repeat(50) }); // 100 bytes queued
        await sys.fork(async (c) => c.sleep(5)); // fork hands the parent a handle to the child
        pcb = (await sys.task_info()).pcb as never;
        await sys.wait();
      });
      k.spawn('spinner', async (sys) => {
        for (;;) await sys.compute(10);
      }, { cpuLimit: 25 });
    });
    expect(pcb).toMatchObject({ memory: 100, handles: 1 });
    expect(sim.exit('spinner')).toEqual({ code: 152, reason: 'killed', error: 'CPU time limit of 25 ms exceeded' });
    expect(sim.task('spinner').pcb.cpuTime).toBe(25);
  });
});
