import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { boot, callSys, machActors, simulate, type SyscallName, type TaskInput } from '../index.ts';

type Ctx = { error: string };

describe('machine programs: a wrong system-call input names the field, before any message is sent', () => {
  it('invoke: the actor fails with the field named, and no trap is made', async () => {
    const m = setup({ types: { input: {} as TaskInput, context: {} as Ctx }, actors: machActors }).createMachine({
      context: { error: '' },
      initial: 'receiving',
      states: {
        receiving: {
          invoke: {
            src: 'msg_receive',
            input: { name: 'inbox' } as never, // a string where a port name goes
            onError: { target: 'done', actions: assign({ error: ({ event }) => (event.error as Error).message }) },
          },
        },
        done: { type: 'final' },
      },
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('m', m);
    });
    expect(sim.report.status).toBe('done');
    const error = (sim.task('m').program?.getSnapshot().context as Ctx | undefined)?.error;
    expect(error).toBe('msg_receive: input.name must be a port name (an integer), got "inbox"');
    expect(sim.records.filter((r) => r.kind === 'trap' && r.task === 'm')).toEqual([]);
  });

  it('callSys: the machine gets sys.<name>.error with the field named; a misspelt field and a missing one too', async () => {
    const errors: string[] = [];
    const m = setup({ types: { input: {} as TaskInput, context: {} as { step: number } }, actors: machActors }).createMachine({
      context: { step: 0 },
      initial: 'a',
      states: {
        a: {
          entry: callSys('msg_send', { dest: 1, msg: { id: 1 }, optz: {} } as never),
          on: { 'sys.msg_send.error': { target: 'b', actions: ({ event }) => errors.push(((event as unknown as { error: Error }).error).message) } },
        },
        b: {
          entry: callSys('port_set_qlimit', { name: 3 } as never),
          on: { 'sys.port_set_qlimit.error': { target: 'done', actions: ({ event }) => errors.push(((event as unknown as { error: Error }).error).message) } },
        },
        done: { type: 'final' },
      },
    });
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('m', m);
    });
    expect(sim.report.status).toBe('done');
    expect(errors).toEqual([
      'msg_send: input.optz is not a parameter (msg_send takes dest, msg, opts)',
      'port_set_qlimit: input.qlimit is missing (a number)',
    ]);
    expect(sim.report.counters.traps).toBe(0);
  });

  it('callSys with an unknown call is refused where it is written', () => {
    expect(() => callSys('msg_recieve' as SyscallName)).toThrow(/^msg_recieve: no such system call \(the calls are msg_send, msg_receive, /);
  });
});
