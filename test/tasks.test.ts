import { assign, getNextSnapshot, setup } from 'xstate';
import { newPcb } from '../tasks/pcb.ts';
import { processLogic, taskMachine } from '../tasks/task-machine.ts';
import { describe, expect, it } from 'vitest';
import { boot, callSys, codeName, machActors, MACH_RCV_TIMED_OUT, simulate, type SysDoneEvent, type TaskInput } from '../index.ts';

describe('tasks are XState actors in the process states', () => {
  it('a task goes new → ready → running → waiting → ready → running → terminated', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        await sys.sleep(10);
      });
    });
    const states = sim.records.filter((r) => r.kind === 'state' && r.task === 't').map((r) => `${r.from}->${r.op}`);
    expect(states[0]).toBe('new->ready');
    expect(states.at(-1)).toBe('running->terminated');
    // Every arrow is one of the diagram's.
    const legal = new Set(['new->ready', 'ready->running', 'running->waiting', 'waiting->ready', 'running->ready', 'running->terminated']);
    for (const s of states) expect(legal.has(s)).toBe(true);
    // The actor itself ends in its final state with the PCB as context.
    const actor = sim.task('t').actor;
    expect(actor.getSnapshot().value).toBe('terminated');
    expect(actor.getSnapshot().context.exit).toEqual({ code: 0, reason: 'exit' });
    expect(sim.kernel.bugs).toEqual([]);
  });

  it('each task actor is an actor of its own to a subscriber, though the tasks share one actor system', async () => {
    const seen: Record<string, string[]> = { a: [], b: [] };
    let completed = 0;
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      for (const name of ['a', 'b'] as const) {
        const t = k.spawn(name, async (sys) => {
          await sys.sleep(name === 'a' ? 10 : 20);
        });
        t.actor.subscribe({ next: (s) => seen[name]!.push(s.value), complete: () => completed++ });
      }
    });
    // Each subscriber sees its own task's arrows only, in order, and the end.
    expect(seen.a).toEqual(['running', 'waiting', 'ready', 'running', 'terminated']);
    expect(seen.b).toEqual(['running', 'waiting', 'ready', 'running', 'terminated']);
    expect(completed).toBe(2);
    const [a, b] = [sim.task('a').actor, sim.task('b').actor];
    expect([a.id, b.id]).toEqual(['task-1', 'task-2']);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.getSnapshot().status).toBe('done');
    expect(a.system).toBe(b.system);
  });

  it('an inspected task keeps an actor system of its own: its inspection records are its own', async () => {
    const sim = await simulate(boot({ seed: 1, trace: { inspect: true } }), (k) => {
      k.spawn('a', async (sys) => {
        await sys.sleep(5);
      });
      k.spawn('b', async (sys) => {
        await sys.sleep(5);
      });
    });
    const xs = sim.records.filter((r) => r.kind === 'xstate');
    expect(xs.length).toBeGreaterThan(0);
    for (const r of xs) expect(r.op).toBe(`task-${r.pid}`);
    expect(sim.task('a').actor.system).not.toBe(sim.task('b').actor.system);
  });

  it('the task actor refuses an arrow the diagram does not have', () => {
    const k = boot({ seed: 1 });
    const t = k.spawn('t', async () => {});
    expect(t.state).toBe('ready');
    expect(() => t.transition('wake')).toThrow(/no 'wake' arrow from 'ready'/);
  });

  it('each task gets a kernel port (send) and a notify port (receive) at creation', async () => {
    const rights: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        rights.push((await sys.port_type(sys.kernelPort)).rights, (await sys.port_type(sys.notifyPort)).rights);
        rights.push((await sys.task_self()).name === sys.kernelPort);
      });
    });
    expect(rights).toEqual([['send'], ['receive'], true]);
  });

  it('task_info returns the PCB', async () => {
    let pcb: Record<string, unknown> | undefined;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('worker', async (sys) => {
        sys.setRegisters({ acc: 42 });
        await sys.sleep(7);
        pcb = (await sys.task_info()).pcb as never;
      }, { priority: 3 });
    });
    // The kernel reads the PCB while serving the task's own task_info call: the task is running, in its trap.
    expect(pcb).toMatchObject({ pid: 1, name: 'worker', state: 'running', pc: 'msg_rpc', registers: { acc: 42 }, priority: 3 });
    expect(pcb!.waitTime).toBe(7);
    expect(pcb!.rights).toBe(5);
  });

  it('a deadlock is reported naming who waits on what', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('a', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'a-inbox');
        await sys.msg_receive(name!);
      });
      k.spawn('b', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'b-inbox');
        await sys.msg_receive(name!);
      });
    });
    expect(sim.report.status).toBe('deadlock');
    expect(sim.report.deadlock).toEqual([
      { pid: 1, name: 'a', waitsOn: 'receive on port 8 (a-inbox)' },
      { pid: 2, name: 'b', waitsOn: 'receive on port 9 (b-inbox)' },
    ]);
  });

  it('daemons do not keep the run going; run({ until }) stops endless ones', async () => {
    const k = boot({ seed: 1 });
    k.spawn('server', async (sys) => {
      const { name } = await sys.port_allocate();
      for (;;) await sys.msg_receive(name!);
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      await sys.sleep(5);
    });
    expect((await k.run()).status).toBe('done');
    const k2 = boot({ seed: 1 });
    k2.spawn('ticker', async (sys) => {
      for (;;) await sys.sleep(10);
    });
    const r2 = await k2.run({ until: 95 });
    expect(r2.status).toBe('time-limit');
    expect(r2.time).toBe(95); // the time it stopped at, not the last event before it
  });
});

describe('machine programs', () => {
  it('a machine program gets its ports as input and invokes system calls as actors', async () => {
    const pingPong = setup({
      types: { input: {} as TaskInput, context: {} as { port: number; got: unknown[]; io: TaskInput } },
      actors: machActors,
    }).createMachine({
      context: ({ input }) => ({ port: 0, got: [], io: input }),
      initial: 'allocating',
      states: {
        allocating: {
          invoke: {
            src: 'port_allocate',
            input: { right: 'receive' },
            onDone: { target: 'sending', actions: assign({ port: ({ event }) => event.output.name! }) },
          },
        },
        sending: {
          invoke: {
            src: 'msg_send',
            input: ({ context }) => ({ dest: context.port, msg: { id: 1, body: 'to myself' } }),
            onDone: 'receiving',
          },
        },
        receiving: {
          invoke: {
            src: 'msg_receive',
            input: ({ context }) => ({ name: context.port }),
            onDone: { target: 'done', actions: assign({ got: ({ event }) => [event.output.msg?.body] }) },
          },
        },
        done: { type: 'final' },
      },
      output: ({ context }) => (context.got[0] === 'to myself' && context.io.kernelPort > 0 ? 7 : 1),
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('machine', pingPong);
    });
    expect(sim.exit('machine')).toEqual({ code: 7, reason: 'exit' });
  });

  it("a machine's `after` delays run on the kernel's virtual clock, and interrupt a blocked call", async () => {
    const sleeper = setup({ types: { context: {} as { log: string[]; port: number } }, actors: machActors }).createMachine({
      context: { log: [], port: 0 },
      initial: 'napping',
      states: {
        napping: { after: { 1000: 'allocating' } },
        allocating: {
          invoke: { src: 'port_allocate', input: {}, onDone: { target: 'listening', actions: assign({ port: ({ event }) => event.output.name! }) } },
        },
        listening: {
          // A receive that would wait forever, cut short by a 250 ms `after`.
          invoke: { src: 'msg_receive', input: ({ context }) => ({ name: context.port }) },
          after: { 250: 'done' },
        },
        done: { type: 'final' },
      },
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('sleeper', sleeper);
    });
    expect(sim.report.status).toBe('done');
    expect(sim.report.time).toBe(1250);
    expect(sim.exit('sleeper')).toEqual({ code: 0, reason: 'exit' });
  });

  it('a machine that throws ends its task with an error status', async () => {
    const bad = setup({}).createMachine({
      initial: 'a',
      states: { a: { entry: () => { throw new Error('machine broke'); } } },
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('bad', bad);
      k.spawn('fine', async (sys) => {
        const { name } = await sys.port_allocate();
        return (await sys.msg_receive(name!, { timeout: 3 })).code === MACH_RCV_TIMED_OUT ? 0 : 9;
      });
    });
    expect(sim.exit('bad')).toMatchObject({ code: 1, reason: 'error', error: 'machine broke' });
    expect(sim.exit('fine')).toEqual({ code: 0, reason: 'exit' });
    void codeName;
  });

  it('an idle machine with nothing to wait for is named in the deadlock report', async () => {
    const idle = setup({}).createMachine({ initial: 'waitingForGodot', states: { waitingForGodot: {} } });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('vladimir', idle);
    });
    expect(sim.report.status).toBe('deadlock');
    expect(sim.report.deadlock).toEqual([{ pid: 1, name: 'vladimir', waitsOn: 'an event for its machine' }]);
  });
});

describe('the process logic the kernel runs is the task machine', () => {
  it('agrees with taskMachine on every state and event', () => {
    const states = ['new', 'ready', 'running', 'waiting', 'terminated'] as const;
    const events = ['admit', 'dispatch', 'preempt', 'block', 'wake', 'exit'] as const;
    const outcome = (f: () => { value: unknown; status: string }): string => {
      try {
        const snap = f();
        return snap.status === 'error' ? 'illegal' : String(snap.value);
      } catch {
        return 'illegal';
      }
    };
    for (const from of states) {
      for (const type of events) {
        const pcb = newPcb(1, 't', 0, 0);
        const machine = outcome(() => getNextSnapshot(taskMachine, taskMachine.resolveState({ value: from, context: pcb }), { type }));
        const logic = outcome(() =>
          getNextSnapshot(processLogic, { ...processLogic.getInitialSnapshot({} as never, { pcb }), value: from } as never, { type }),
        );
        // In the machine an event without an arrow is caught by the wildcard (whose action throws
        // when run; a pure transition leaves the state as it was). No arrow of the diagram is a loop.
        const expected = machine === from ? 'illegal' : machine;
        expect(`${from} + ${type} → ${logic}`).toBe(`${from} + ${type} → ${expected}`);
      }
    }
  });
});

describe('callSys: system calls from actions, results as events', () => {
  it('a machine ping-pongs with callSys, the same as with invoke', async () => {
    type Ctx = { port: number; peer: number; i: number; got: number[]; io: TaskInput };
    const ping = setup({
      types: { context: {} as Ctx, input: {} as TaskInput, events: {} as SysDoneEvent },
    }).createMachine({
      context: ({ input }) => ({ port: 0, peer: 0, i: 0, got: [], io: input }),
      initial: 'allocating',
      states: {
        allocating: {
          entry: callSys('port_allocate'),
          on: { 'sys.port_allocate': { target: 'checkingIn', actions: assign({ port: ({ event }) => (event as SysDoneEvent<'port_allocate'>).output.name! }) } },
        },
        checkingIn: {
          entry: callSys('netname_check_in', ({ context }: { context: Ctx }) => ({ name: `m${context.io.args}`, port: context.port })),
          on: { 'sys.netname_check_in': 'lookingUp' },
        },
        lookingUp: {
          entry: callSys('netname_look_up', ({ context }: { context: Ctx }) => ({ name: `m${1 - (context.io.args as number)}`, opts: { wait: true } })),
          on: { 'sys.netname_look_up': { target: 'turn', actions: assign({ peer: ({ event }) => (event as SysDoneEvent<'netname_look_up'>).output.port! }) } },
        },
        turn: {
          always: [
            { guard: ({ context }) => context.i >= 3, target: 'done' },
            { guard: ({ context }) => context.io.args === 0, target: 'sending' },
            { target: 'receiving' },
          ],
        },
        sending: {
          entry: callSys('msg_send', ({ context }: { context: Ctx }) => ({ dest: context.peer, msg: { body: context.i } })),
          on: { 'sys.msg_send': { target: 'receiving', guard: ({ context }) => context.io.args === 0 || true } },
        },
        receiving: {
          entry: callSys('msg_receive', ({ context }: { context: Ctx }) => ({ name: context.port })),
          on: {
            'sys.msg_receive': [
              {
                guard: ({ context }) => context.io.args === 0,
                target: 'turn',
                actions: assign({ got: ({ context, event }) => [...context.got, (event as SysDoneEvent<'msg_receive'>).output.msg!.body as number], i: ({ context }) => context.i + 1 }),
              },
              {
                target: 'echoing',
                actions: assign({ got: ({ context, event }) => [...context.got, (event as SysDoneEvent<'msg_receive'>).output.msg!.body as number] }),
              },
            ],
          },
        },
        echoing: {
          entry: callSys('msg_send', ({ context }: { context: Ctx }) => ({ dest: context.peer, msg: { body: context.got.at(-1)! * 10 } })),
          on: { 'sys.msg_send': { target: 'turn', actions: assign({ i: ({ context }) => context.i + 1 }) } },
        },
        done: { type: 'final' },
      },
      output: ({ context }) => context.got.reduce((a, b) => a + b, 0),
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('pinger', ping, { args: 0 });
      k.spawn('ponger', ping, { args: 1 });
    });
    // The ponger receives 0, 1, 2; the pinger gets back 0, 10, 20.
    expect(sim.exit('ponger')).toEqual({ code: 3, reason: 'exit' });
    expect(sim.exit('pinger')).toEqual({ code: 30, reason: 'exit' });
    expect(sim.kernel.bugs).toEqual([]);
  });

  it('outside a kernel it says so', () => {
    const action = callSys('task_self');
    expect(() => action({ context: {}, event: {}, self: { system: {} } } as never)).toThrow(/must run as an xmach task/);
  });
});
