import { filter, map, toArray } from 'rxjs';
import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { boot, simulate, traceLines, type TraceRecord } from '../index.ts';

const pingSelf = async (sys: import('../index.ts').Sys) => {
  const { name } = await sys.port_allocate('receive', 'me');
  await sys.msg_send(name!, { id: 5, body: 'hi' });
  await sys.msg_receive(name!);
};

describe('the trace', () => {
  it('is an RxJS Observable as well as an array', async () => {
    const k = boot({ seed: 1 });
    const sends: Promise<number[]> = new Promise((resolve) =>
      k.trace.records$
        .pipe(
          filter((r: TraceRecord) => r.kind === 'send' && r.task === 't'),
          map((r) => r.msgId!),
          toArray(),
        )
        .subscribe(resolve),
    );
    k.spawn('t', pingSelf);
    await k.run();
    k.trace.complete();
    expect(await sends).toEqual([3204, 5]); // the port_allocate request, then the message
  });

  it('records every kind of kernel event with virtual time and task', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', pingSelf);
      k.spawn('u', async (sys) => sys.sleep(1)); // a task that blocks and wakes
    });
    const kinds = new Set(sim.records.map((r) => r.kind));
    for (const kind of ['spawn', 'state', 'trap', 'send', 'receive', 'block', 'wake', 'syscall', 'exit', 'port-death'] as const) {
      expect(kinds.has(kind)).toBe(true);
    }
    expect(sim.records.map((r) => r.seq)).toEqual(sim.records.map((_, i) => i));
    expect(traceLines(sim.records, ['send', 'receive']).filter((l) => l.includes('id 5'))).toEqual([
      't=0 t send port 8 (me) id 5',
      't=0 t receive port 8 (me) id 5 from t',
    ]);
  });

  it('with records off keeps the counters only', async () => {
    const k = boot({ seed: 1, trace: false });
    k.spawn('t', pingSelf);
    const report = await k.run();
    expect(k.trace.records).toEqual([]);
    expect(report.counters).toMatchObject({ messagesSent: 3, messagesReceived: 3, traps: 3, syscalls: 1, bytesCopied: expect.any(Number) });
  });

  it('carries XState inspection events of task and program actors when asked', async () => {
    const m = setup({}).createMachine({ initial: 'a', states: { a: { after: { 5: 'b' } }, b: { type: 'final' } } });
    const sim = await simulate(boot({ seed: 1, trace: { inspect: true } }), (k) => {
      k.spawn('machine', m);
    });
    const xs = sim.records.filter((r) => r.kind === 'xstate');
    expect(xs.some((r) => r.op === 'task-1' && r.detail === 'event dispatch')).toBe(true);
    expect(xs.some((r) => r.op === 'program-1' && r.detail === 'snapshot "b"')).toBe(true);
  });

  it('counts blocked time and context switches', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('a', async (sys) => {
        await sys.sleep(30);
      });
      k.spawn('b', async (sys) => {
        await sys.sleep(10);
      });
    });
    const c = sim.report.counters;
    expect(c.blockedTime).toBe(40);
    expect(c.contextSwitches).toBe(3);
  });

  it('real-time mode follows the wall clock', async () => {
    const k = boot({ seed: 1, clock: 'real' });
    k.spawn('t', async (sys) => {
      await sys.sleep(30);
    });
    const t0 = performance.now();
    const report = await k.run();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(report.time).toBeGreaterThanOrEqual(30);
  });
});

describe('JSON lines', () => {
  it('one parseable record a line, with a run id that the seed decides', async () => {
    const { renderJsonLines } = await import('../index.ts');
    const a = boot({ seed: 9 });
    a.spawn('t', pingSelf);
    await a.run();
    const lines = renderJsonLines(a.trace.records, { runId: a.runId }).split('\n');
    expect(lines).toHaveLength(a.trace.records.length);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ run: a.runId, seq: 0, kind: 'spawn', task: 't' });
    expect(a.runId).toMatch(/^[\w-]{12}$/);
    expect(boot({ seed: 9 }).runId).toBe(a.runId);
    expect(boot({ seed: 10 }).runId).not.toBe(a.runId);
  });
});
