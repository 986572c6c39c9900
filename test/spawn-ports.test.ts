import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { audit, boot, callSys, codeName, machActors, simulate, type TaskInput } from '../index.ts';

describe('spawn(…, { ports }): rights to ports made before the tasks run', () => {
  it('one task gets the receive right, others send rights, with no set-up messages', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      const echo = k.port('echo', { qlimit: 2 });
      k.spawn('server', async (sys) => {
        for (let i = 0; i < 2; i++) {
          const r = await sys.msg_receive<string>(sys.ports.inbox!);
          if (r.ok) await sys.msg_send(r.msg.reply, { id: 101, body: r.msg.body.toUpperCase() });
        }
      }, { ports: { inbox: { port: echo, right: 'receive' } } });
      for (const who of ['a', 'b']) {
        k.spawn(who, async (sys) => {
          const r = await sys.msg_rpc<string>(sys.ports.echo!, { id: 1, body: who });
          sys.log(r.ok ? r.msg.body : r.code);
        }, { ports: { echo } });
      }
    });
    expect(sim.report.status).toBe('done');
    expect(sim.logs()).toEqual(['a: A', 'b: B']);
    expect(sim.report.counters.syscallMessages).toBe(0); // no look-ups, no check-ins
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('a machine program finds its granted names in input.ports', async () => {
    const echo = (k: ReturnType<typeof boot>) => k.port('box');
    let got: unknown = null;
    await simulate(boot({ seed: 1 }), (k) => {
      const box = echo(k);
      k.spawn('sender', async (sys) => { await sys.msg_send(sys.ports.out!, { body: 'hi' }); }, { ports: { out: box } });
      const m = setup({ types: { input: {} as TaskInput, context: {} as { port: number } }, actors: machActors }).createMachine({
        context: ({ input }) => ({ port: input.ports.in! }),
        initial: 'receiving',
        states: {
          receiving: {
            entry: callSys('msg_receive', ({ context }: { context: { port: number } }) => ({ name: context.port })),
            on: { 'sys.msg_receive': { target: 'done', actions: assign(({ event }) => { got = (event as unknown as { output: { msg: { body: unknown } } }).output.msg.body; return {}; }) } },
          },
          done: { type: 'final' },
        },
      });
      k.spawn('receiver', m, { ports: { in: { port: box, right: 'receive' } } });
    });
    expect(got).toBe('hi');
  });

  it('refuses a receive right given twice, a send-once right works once, and a bad grant is a clear error', async () => {
    const k = boot({ seed: 1 });
    const p = k.port('p');
    k.spawn('owner', async () => {}, { ports: { mine: { port: p, right: 'receive' } } });
    expect(() => k.spawn('thief', async () => {}, { ports: { mine: { port: p, right: 'receive' } } })).toThrow(
      'spawn("thief"): ports.mine: the receive right of port 2 (p) was already given to another task',
    );
    expect(() => k.spawn('x', async () => {}, { ports: { q: { id: 1, label: 'p' } } })).toThrow('spawn("x"): ports.q is not a port made with kernel.port()');
    expect(() => k.port('big', { qlimit: 5000 })).toThrow(/qlimit must be an integer from 0 to 1024, or Infinity/);
    const once = k.port('once');
    const codes: number[] = [];
    k.spawn('answerer', async (sys) => {
      codes.push(await sys.msg_send(sys.ports.reply!, { body: 1 }));
      codes.push(await sys.msg_send(sys.ports.reply!, { body: 2 })); // the right was used up
    }, { ports: { reply: { port: once, right: 'send-once' } } });
    k.spawn('asker', async (sys) => { await sys.msg_receive(sys.ports.r!); }, { ports: { r: { port: once, right: 'receive' } } });
    const report = await k.run();
    expect(report.status).toBe('done');
    expect(codes.map(codeName)).toEqual(['SUCCESS', 'MACH_SEND_INVALID_DEST']);
    expect(audit(k).problems).toEqual([]);
  });
});
