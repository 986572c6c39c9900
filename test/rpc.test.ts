import { describe, expect, it } from 'vitest';
import {
  boot,
  ids,
  KERN_SUCCESS,
  MACH_NOTIFY_SEND_ONCE,
  MACH_SEND_INVALID_DEST,
  MIG_BAD_ID,
  MIG_SERVER_DIED,
  simulate,
  type Sys,
} from '../index.ts';

/** A doubling server: answers `n` with `2n`, replying to the request's reply right with id + 100. */
async function doubler(sys: Sys, count: number): Promise<void> {
  const { name } = await sys.port_allocate('receive', 'doubler');
  await sys.netname_check_in('doubler', name!);
  for (let i = 0; i < count; i++) {
    const r = await sys.msg_receive<number>(name!);
    if (!r.ok) return;
    await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: { code: KERN_SUCCESS, value: r.msg.body * 2 } });
  }
}

describe('msg_rpc and MIG-style calls', () => {
  it('msg_rpc sends and receives the reply in one trap, on the task reply port', async () => {
    const answers: unknown[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', (sys) => doubler(sys, 2));
      k.spawn('client', async (sys) => {
        const srv = (await sys.netname_look_up('doubler', { wait: true })).port!;
        for (const n of [4, 21]) {
          const r = await sys.msg_rpc<{ value: number }>(srv, { id: 500, body: n });
          answers.push(r.ok ? [r.msg.id, r.msg.body.value, r.msg.port === sys.replyPort] : r.code);
        }
      });
    });
    expect(answers).toEqual([[600, 8, true], [600, 42, true]]);
    const clientTraps = sim.records.filter((r) => r.kind === 'trap' && r.task === 'client').map((r) => r.op);
    expect(clientTraps).toEqual(['msg_rpc', 'msg_rpc', 'msg_rpc']); // the look-up stub, then two calls
  });

  it('call() checks the reply id and returns the reply fields', async () => {
    let result: unknown;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', (sys) => doubler(sys, 1));
      k.spawn('client', async (sys) => {
        const srv = (await sys.netname_look_up('doubler', { wait: true })).port!;
        const { ports: _ports, ...rest } = await sys.call(srv, 700, 5 as unknown as object);
        result = rest;
      });
    });
    expect(result).toEqual({ code: KERN_SUCCESS, value: 10 });
  });

  /** A server that takes one request (and its reply right), then crashes without answering. */
  const flaky = async (sys: Sys) => {
    const { name } = await sys.port_allocate('receive', 'flaky');
    await sys.netname_check_in('flaky', name!);
    await sys.msg_receive(name!);
    throw new Error('segfault');
  };

  it('a server that dies holding the reply right gives the client MIG_SERVER_DIED, not a hang', async () => {
    let code = 0;
    let after = 0;
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', flaky);
      k.spawn('client', async (sys) => {
        const srv = (await sys.netname_look_up('flaky', { wait: true })).port!;
        code = (await sys.call(srv, 1, {})).code;
        after = (await sys.call(srv, 1, {})).code;
      });
    });
    expect(code).toBe(MIG_SERVER_DIED);
    expect(after).toBe(MACH_SEND_INVALID_DEST); // the service port died with its task
    expect(sim.exit('server')).toEqual({ code: 1, reason: 'error', error: 'segfault' });
    expect(sim.exit('client')).toEqual({ code: 0, reason: 'exit' });
    expect(sim.report.status).toBe('done');
  });

  it('with raw msg_rpc the client sees the send-once notification itself', async () => {
    let raw: unknown = null;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', flaky);
      k.spawn('client', async (sys) => {
        const srv = (await sys.netname_look_up('flaky', { wait: true })).port!;
        const r = await sys.msg_rpc(srv, { id: 2, body: {} });
        raw = r.ok ? [r.msg.id, r.msg.sender, r.msg.port === sys.replyPort] : r.code;
      });
    });
    expect(raw).toEqual([MACH_NOTIFY_SEND_ONCE, 0, true]);
  });

  it('the kernel answers an unknown request id with MIG_BAD_ID, at id + 100', async () => {
    let reply: unknown;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const r = await sys.msg_rpc(sys.kernelPort, { id: 9999, body: {} });
        reply = r.ok ? [r.msg.id, r.msg.body] : r.code;
      });
    });
    expect(reply).toEqual([10099, { code: MIG_BAD_ID }]);
  });

  it('system calls are messages: port_allocate is a request to the kernel port served by the syscall server', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        await sys.port_allocate();
      });
    });
    const kinds = sim.records.filter((r) => r.task === 't' || r.kind === 'syscall').map((r) => `${r.kind}${r.op ? ` ${r.op}` : ''}`);
    expect(kinds).toEqual(expect.arrayContaining(['trap msg_rpc', 'syscall port_allocate']));
    const syscall = sim.records.find((r) => r.kind === 'syscall')!;
    expect(syscall.msgId).toBe(ids.PORT_ALLOCATE);
    // The reply comes from the kernel with id + 100.
    expect(sim.records.some((r) => r.kind === 'receive' && r.task === 't' && r.msgId === ids.PORT_ALLOCATE + 100)).toBe(true);
  });

  it('netname_look_up without wait says NETNAME_NOT_CHECKED_IN; check_out by another task is refused', async () => {
    const out: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('a', async (sys) => {
        out.push((await sys.netname_look_up('svc')).code);
        const { name } = await sys.port_allocate();
        out.push(await sys.netname_check_in('svc', name!));
        await sys.sleep(10);
      });
      k.spawn('b', async (sys) => {
        await sys.sleep(5);
        out.push((await sys.netname_look_up('svc')).code);
        out.push(await sys.netname_check_out('svc'));
      });
    });
    expect(out).toEqual([1001, 0, 0, 1000]); // NOT_CHECKED_IN, SUCCESS, SUCCESS, NOT_YOURS
  });

  it('the name service forgets a name whose port died; a new server can check in under it', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('old', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.netname_check_in('svc', name!);
        await sys.sleep(10); // then ends: its port dies
      });
      k.spawn('new', async (sys) => {
        await sys.sleep(20);
        out.push(`look-up after the death: ${(await sys.netname_look_up('svc')).code}`);
        const { name } = await sys.port_allocate();
        out.push(`check-in by another task: ${await sys.netname_check_in('svc', name!)}`);
      });
    });
    expect(out).toEqual(['look-up after the death: 1001', 'check-in by another task: 0']); // NOT_CHECKED_IN, SUCCESS
  });
});
