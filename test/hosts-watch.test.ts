import { describe, expect, it } from 'vitest';
import { boot, type Sys } from '../index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';
const C = '10.0.0.3';

describe('every run ends with a report, on whichever host the trouble is', () => {
  it('a task on host B that awaits a promise outside xmach is reported stuck, with its host', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.spawn('bystander', async (sys) => sys.sleep(5));
    k.host(B).spawn('sleeper', async (sys) => sys.sleep(1));
    k.host(B).spawn('waiter', async (sys) => {
      await sys.sleep(2);
      await new Promise(() => {}); // never settles, and xmach cannot see it
    });
    const t0 = performance.now();
    const r = await k.run({ outsideGrace: 50 });
    expect(r.status).toBe('stuck');
    expect(r.culprit).toMatchObject({ pid: 2, name: 'waiter', host: B });
    expect(r.culprit!.why).toContain('awaits something outside xmach');
    expect(r.time).toBe(2);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(k.trace.records.at(-1)).toMatchObject({ kind: 'stuck', task: 'waiter', pid: 2, host: B });
  });

  it('a task on the default host that is stuck is named without a host', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.host(B).spawn('other', async (sys) => sys.sleep(5));
    k.spawn('waiter', async () => new Promise(() => {}));
    const r = await k.run({ outsideGrace: 50 });
    expect(r.status).toBe('stuck');
    expect(r.culprit).toEqual({ pid: 1, name: 'waiter', why: expect.stringContaining('outside xmach') });
    expect(k.trace.records.at(-1)!.host).toBeUndefined();
  });

  it('a busy loop of polls on host C is a livelock caught by the one watch (its spinLimit), naming the host', async () => {
    const k = boot({ hosts: [A, B, C], seed: 1 });
    k.spawn('bystander', async (sys) => sys.sleep(10));
    k.host(C).spawn('poller', async (sys) => {
      const { name } = await sys.port_allocate();
      await sys.netname_check_in('inbox', name!);
      for (;;) await sys.msg_receive(name!, { timeout: 0 });
    });
    const r = await k.run({ until: 1000, spinLimit: 3000 });
    expect(r.status).toBe('livelock');
    expect(r.time).toBe(0);
    expect(r.culprit).toMatchObject({ pid: 1, name: 'poller', host: C });
    expect(r.culprit!.why).toContain('3000 traps in a row at t=0');
    expect(r.counters.timeouts).toBe(3000);
    expect(k.trace.records.at(-1)).toMatchObject({ kind: 'livelock', task: 'poller', host: C });
  });

  it('a deadlock names each blocked task with its host; the default host\'s without one', async () => {
    const k = boot({ hosts: [A, B, C], seed: 2 });
    const block = async (sys: Sys): Promise<void> => {
      const { name } = await sys.port_allocate('receive', 'never');
      await sys.msg_receive(name!);
    };
    k.spawn('a', block);
    k.host(C).spawn('c', block);
    k.host(B).spawn('done', async (sys) => sys.sleep(3));
    k.host(B).spawn('b', block);
    const r = await k.run();
    expect(r.status).toBe('deadlock');
    expect(r.time).toBe(3);
    expect(r.deadlock.map((d) => [d.name, d.pid, d.host])).toEqual([
      ['a', 1, undefined],
      ['b', 2, B],
      ['c', 1, C],
    ]);
    expect(r.tasks.map((t) => [t.host, t.pid, t.name, t.state])).toEqual([
      [undefined, 1, 'a', 'waiting'],
      [B, 1, 'done', 'terminated'],
      [B, 2, 'b', 'waiting'],
      [C, 1, 'c', 'waiting'],
    ]);
    const note = k.trace.records.at(-1)!;
    expect(note.kind).toBe('deadlock');
    expect(note.detail).toBe(`a(1) waits: receive on port 5 (never); b(2@${B}) waits: receive on port 9 (never); c(1@${C}) waits: receive on port 5 (never)`);
  });
});

describe('hosts made during a run', () => {
  it('a host made by a running program joins the run; the default host goes on too', async () => {
    const k = boot({ seed: 1 });
    const said: string[] = [];
    k.spawn('maker', async (sys) => {
      await sys.sleep(2);
      k.host(B).spawn('late', async (s2) => {
        await s2.sleep(3);
        said.push(`late at ${s2.now()}`);
      });
      await sys.sleep(1);
      said.push(`maker at ${sys.now()}`);
    });
    k.spawn('other', async (sys) => {
      await sys.sleep(4);
      said.push(`other at ${sys.now()}`);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(said).toEqual(['maker at 3', 'other at 4', 'late at 5']);
  });
});
