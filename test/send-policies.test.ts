import { describe, expect, it } from 'vitest';
import {
  boot,
  codeName,
  MACH_MSG_SUCCESS,
  MACH_NOTIFY_MSG_ACCEPTED,
  MACH_SEND_NOTIFY_IN_PROGRESS,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_WILL_NOTIFY,
  simulate,
  type SendOptions,
  type Sys,
} from '../index.ts';

/** A receiver that owns a port of the given qlimit, checks it in as 'box', then sleeps `delay` ms before draining `n` messages. */
function slowReceiver(qlimit: number, delay: number, n: number, got: unknown[]) {
  return async (sys: Sys) => {
    const { name } = await sys.port_allocate('receive', 'box');
    await sys.port_set_qlimit(name!, qlimit);
    await sys.netname_check_in('box', name!);
    await sys.sleep(delay);
    for (let i = 0; i < n; i++) {
      const r = await sys.msg_receive(name!);
      got.push(r.ok ? r.msg.body : codeName(r.code));
    }
  };
}

async function lookUp(sys: Sys, name = 'box'): Promise<number> {
  const r = await sys.netname_look_up(name, { wait: true });
  return r.port!;
}

describe('mailbox full: the four policies', () => {
  it('wait (default): the sender blocks until the receiver makes room, then its send succeeds', async () => {
    const got: unknown[] = [];
    const codes: [number, number][] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(1, 100, 3, got));
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        for (let i = 1; i <= 3; i++) {
          const code = await sys.msg_send(box, { body: i });
          codes.push([sys.now(), code]);
        }
      });
    });
    expect(sim.report.status).toBe('done');
    expect(got).toEqual([1, 2, 3]);
    // The first fits at t=0; the second waits for the receiver, which wakes at t=100.
    expect(codes).toEqual([[0, MACH_MSG_SUCCESS], [100, MACH_MSG_SUCCESS], [100, MACH_MSG_SUCCESS]]);
    expect(sim.report.counters.blocks).toBe(3);
  });

  it('timeout: the sender waits at most n ms, then gets MACH_SEND_TIMED_OUT and nothing is queued', async () => {
    const got: unknown[] = [];
    const codes: [number, string][] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(1, 100, 2, got));
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        const send = async (body: string, opts: SendOptions) => {
          const code = await sys.msg_send(box, { body }, opts);
          codes.push([sys.now(), codeName(code)]);
        };
        await send('a', { timeout: 30 });
        await send('b', { timeout: 30 });
        await send('c', { policy: 'timeout', timeout: 500 });
      });
    });
    expect(codes).toEqual([
      [0, 'SUCCESS'],
      [30, 'MACH_SEND_TIMED_OUT'],
      [100, 'SUCCESS'],
    ]);
    expect(got).toEqual(['a', 'c']);
    // The sender's one timed-out send is the only time-out: the receiver's sleep is a sleep.
    expect(sim.lines(['timeout'])).toEqual(['t=30 sender timeout port 8 (box) MACH_SEND_TIMED_OUT']);
    expect(sim.report.counters).toMatchObject({ timeouts: 1, sleeps: 1 });
  });

  it('return: a full queue gives MACH_SEND_TIMED_OUT at once, with no wait', async () => {
    const got: unknown[] = [];
    const codes: [number, number][] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(2, 50, 2, got));
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        for (const body of ['a', 'b', 'c']) {
          const code = await sys.msg_send(box, { body }, { policy: 'return' });
          codes.push([sys.now(), code]);
        }
        const code = await sys.msg_send(box, { body: 'd' }, { timeout: 0 });
        codes.push([sys.now(), code]);
      });
    });
    expect(codes).toEqual([
      [0, MACH_MSG_SUCCESS],
      [0, MACH_MSG_SUCCESS],
      [0, MACH_SEND_TIMED_OUT],
      [0, MACH_SEND_TIMED_OUT],
    ]);
    expect(got).toEqual(['a', 'b']);
  });

  it('cache: one message goes past the limit with MACH_SEND_WILL_NOTIFY; a second gets NOTIFY_IN_PROGRESS; msg-accepted follows when it is dequeued', async () => {
    const got: unknown[] = [];
    const codes: string[] = [];
    let accepted: { t: number; id: number; body: unknown } | null = null;
    let boxName = 0;
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(1, 100, 2, got));
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        boxName = box;
        codes.push(codeName(await sys.msg_send(box, { body: 'fits' })));
        codes.push(codeName(await sys.msg_send(box, { body: 'cached' }, { policy: 'cache' })));
        codes.push(codeName(await sys.msg_send(box, { body: 'refused' }, { policy: 'cache' })));
        const n = await sys.msg_receive(sys.notifyPort);
        if (n.ok) accepted = { t: sys.now(), id: n.msg.id, body: n.msg.body };
      });
    });
    expect(codes).toEqual(['SUCCESS', 'MACH_SEND_WILL_NOTIFY', 'MACH_SEND_NOTIFY_IN_PROGRESS']);
    expect(got).toEqual(['fits', 'cached']);
    // The cached message is the second in the queue: it leaves at t=100, and the notification names the send right.
    expect(accepted).toEqual({ t: 100, id: MACH_NOTIFY_MSG_ACCEPTED, body: { name: boxName } });
    expect(sim.lines(['cache'])).toEqual(['t=0 sender cache port 8 (box) id 0']);
  });

  it('cache after a timeout: the message waits the timeout, then is cached', async () => {
    const got: unknown[] = [];
    const codes: [number, number][] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(1, 100, 2, got));
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        await sys.msg_send(box, { body: 1 });
        const code = await sys.msg_send(box, { body: 2 }, { policy: 'cache', timeout: 40 });
        codes.push([sys.now(), code]);
      });
    });
    expect(codes).toEqual([[40, MACH_SEND_WILL_NOTIFY]]);
    expect(got).toEqual([1, 2]);
  });

  it('a cached message still counts: after msg-accepted the task may cache again', async () => {
    const codes: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(1, 10, 4, []));
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        await sys.msg_send(box, { body: 1 });
        codes.push(await sys.msg_send(box, { body: 2 }, { policy: 'cache' }));
        await sys.msg_receive(sys.notifyPort); // msg-accepted
        codes.push(await sys.msg_send(box, { body: 3 }, { policy: 'cache' }));
      });
    });
    expect(codes[0]).toBe(MACH_SEND_WILL_NOTIFY);
    // After the notification the queue has room again or the right is free to cache: never NOTIFY_IN_PROGRESS.
    expect(codes[1]).not.toBe(MACH_SEND_NOTIFY_IN_PROGRESS);
  });
});

describe('buffering', () => {
  it('zero capacity (qlimit 0): every send is a rendezvous with a receive', async () => {
    const events: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.port_set_qlimit(name!, 0);
        await sys.netname_check_in('box', name!);
        await sys.sleep(50);
        for (let i = 0; i < 2; i++) {
          const r = await sys.msg_receive(name!);
          events.push(`t=${sys.now()} got ${r.ok ? r.msg.body : r.code}`);
          await sys.sleep(10);
        }
      });
      k.spawn('sender', async (sys) => {
        const box = await lookUp(sys);
        for (const body of ['x', 'y']) {
          const code = await sys.msg_send(box, { body });
          events.push(`t=${sys.now()} sent ${body} ${codeName(code)}`);
        }
      });
    });
    expect(events).toEqual(['t=50 got x', 't=50 sent x SUCCESS', 't=60 got y', 't=60 sent y SUCCESS']);
  });

  it('zero capacity with policy return: no receiver waiting means MACH_SEND_TIMED_OUT', async () => {
    let code = -1;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.port_set_qlimit(name!, 0);
        code = await sys.msg_send(name!, { body: 1 }, { policy: 'return' });
      });
    });
    expect(code).toBe(MACH_SEND_TIMED_OUT);
  });

  it('unbounded (qlimit Infinity): the sender never waits', async () => {
    let queued = 0;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        expect(await sys.port_set_qlimit(name!, Infinity)).toBe(0);
        for (let i = 0; i < 1000; i++) expect(await sys.msg_send(name!, { body: i }, { policy: 'return' })).toBe(0);
        queued = (await sys.port_get_attributes(name!)).msgcount!;
      });
    });
    expect(queued).toBe(1000);
  });

  it('a send to a send-once right ignores the queue limit', async () => {
    const codes: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.port_set_qlimit(name!, 1);
        codes.push(await sys.msg_send(name!, { body: 'fills' }, { policy: 'return' }));
        codes.push(await sys.msg_send(name!, { body: 'once', destDisposition: 'make-send-once' }, { policy: 'return' }));
        codes.push(await sys.msg_send(name!, { body: 'full' }, { policy: 'return' }));
      });
    });
    expect(codes).toEqual([MACH_MSG_SUCCESS, MACH_MSG_SUCCESS, MACH_SEND_TIMED_OUT]);
  });

  it('blocked senders enter the queue in the order they blocked (no starvation)', async () => {
    const got: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', slowReceiver(1, 100, 4, got));
      for (const who of ['a', 'b', 'c']) {
        k.spawn(who, async (sys) => {
          const box = await lookUp(sys);
          await sys.msg_send(box, { body: `${who}1` });
        });
      }
      k.spawn('late', async (sys) => {
        const box = await lookUp(sys);
        await sys.sleep(50);
        await sys.msg_send(box, { body: 'late' });
      });
    });
    expect(got).toEqual(['a1', 'b1', 'c1', 'late']);
  });
});
