import { describe, expect, it } from 'vitest';
import {
  boot,
  codeName,
  MACH_RCV_IN_SET,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_TIMED_OUT,
  simulate,
} from '../index.ts';

describe('msg_receive', () => {
  it('blocks until a message arrives, and the message is a copy (the sender cannot change it afterwards)', async () => {
    const seen: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('receiver', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.netname_check_in('box', name!);
        const r = await sys.msg_receive<{ items: number[] }>(name!);
        seen.push(sys.now(), r.ok && r.msg.body);
      });
      k.spawn('sender', async (sys) => {
        const { port } = await sys.netname_look_up('box', { wait: true });
        await sys.sleep(25);
        const body = { items: [1, 2] };
        await sys.msg_send(port!, { id: 9, body });
        body.items.push(3);
      });
    });
    expect(seen).toEqual([25, { items: [1, 2] }]);
  });

  it('with a timeout gives MACH_RCV_TIMED_OUT after that long; timeout 0 polls', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        const poll = await sys.msg_receive(name!, { timeout: 0 });
        out.push(`t=${sys.now()} ${codeName(poll.code)}`);
        const wait = await sys.msg_receive(name!, { timeout: 3_600_000 });
        out.push(`t=${sys.now()} ${codeName(wait.code)}`);
        await sys.msg_send(name!, { body: 'x' });
        const got = await sys.msg_receive(name!, { timeout: 0 });
        out.push(`t=${sys.now()} ${codeName(got.code)} ${got.msg?.body}`);
      });
    });
    // An hour of virtual time costs nothing.
    expect(out).toEqual(['t=0 MACH_RCV_TIMED_OUT', 't=3600000 MACH_RCV_TIMED_OUT', 't=3600000 SUCCESS x']);
  });

  it('stamps increasing sequence numbers and keeps FIFO order', async () => {
    const got: [number, unknown][] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        for (const b of ['a', 'b', 'c']) await sys.msg_send(name!, { body: b });
        for (let i = 0; i < 3; i++) {
          const r = await sys.msg_receive(name!);
          if (r.ok) got.push([r.msg.seqno, r.msg.body]);
        }
      });
    });
    expect(got).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
  });

  it('a port set delivers from any member, in arrival order, and names the member', async () => {
    const got: string[] = [];
    let codeDirect = 0;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const set = (await sys.port_allocate('port-set')).name!;
        const a = (await sys.port_allocate('receive', 'a')).name!;
        const b = (await sys.port_allocate('receive', 'b')).name!;
        await sys.port_move_member(a, set);
        await sys.port_move_member(b, set);
        await sys.msg_send(b, { body: 'b1' });
        await sys.msg_send(a, { body: 'a1' });
        await sys.msg_send(b, { body: 'b2' });
        codeDirect = (await sys.msg_receive(a, { timeout: 0 })).code;
        for (let i = 0; i < 3; i++) {
          const r = await sys.msg_receive(set);
          if (r.ok) got.push(`${r.msg.port === a ? 'a' : 'b'}:${r.msg.body}`);
        }
        const empty = await sys.msg_receive(set, { timeout: 0 });
        got.push(codeName(empty.code));
      });
    });
    expect(codeDirect).toBe(MACH_RCV_IN_SET);
    expect(got).toEqual(['b:b1', 'a:a1', 'b:b2', 'MACH_RCV_TIMED_OUT']);
  });

  it('a receiver waiting on a port set wakes when any member gets a message', async () => {
    const got: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', async (sys) => {
        const set = (await sys.port_allocate('port-set')).name!;
        for (const svc of ['alpha', 'beta']) {
          const p = (await sys.port_allocate('receive', svc)).name!;
          await sys.port_move_member(p, set);
          await sys.netname_check_in(svc, p);
        }
        for (let i = 0; i < 2; i++) {
          const r = await sys.msg_receive<string>(set);
          got.push(`t=${sys.now()} ${r.ok ? r.msg.body : r.code}`);
        }
      });
      k.spawn('client', async (sys) => {
        const beta = (await sys.netname_look_up('beta', { wait: true })).port!;
        const alpha = (await sys.netname_look_up('alpha', { wait: true })).port!;
        await sys.sleep(5);
        await sys.msg_send(beta, { body: 'to beta' });
        await sys.sleep(5);
        await sys.msg_send(alpha, { body: 'to alpha' });
      });
    });
    expect(got).toEqual(['t=5 to beta', 't=10 to alpha']);
  });

  it('refuses a name that is not a receive right or set', async () => {
    const codes: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        codes.push((await sys.msg_receive(999)).code);
        codes.push((await sys.msg_receive(sys.kernelPort)).code); // a send right only
      });
    });
    expect(codes).toEqual([MACH_RCV_INVALID_NAME, MACH_RCV_INVALID_NAME]);
  });

  it('a timed-out receive leaves no waiter behind: a later message is not lost', async () => {
    const got: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        expect((await sys.msg_receive(name!, { timeout: 10 })).code).toBe(MACH_RCV_TIMED_OUT);
        await sys.msg_send(name!, { body: 'later' });
        const r = await sys.msg_receive(name!);
        got.push(r.ok && r.msg.body);
      });
    });
    expect(got).toEqual(['later']);
  });
});
