import { describe, expect, it } from 'vitest';
import {
  audit,
  boot,
  codeName,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_PORT_DEAD,
  MACH_SEND_INVALID_DEST,
  simulate,
} from '../index.ts';

describe('port death, the Mach way', () => {
  it('when a task ends, queued messages are destroyed and counted, blocked senders get MACH_SEND_INVALID_DEST, and the rest keep running', async () => {
    const codes: string[] = [];
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'svc');
        await sys.port_set_qlimit(name!, 2);
        await sys.netname_check_in('svc', name!);
        await sys.sleep(50);
        throw new Error('crash'); // never receives
      });
      for (const who of ['c1', 'c2', 'c3']) {
        k.spawn(who, async (sys) => {
          const svc = (await sys.netname_look_up('svc', { wait: true })).port!;
          const code = await sys.msg_send(svc, { body: who });
          codes.push(`${who} t=${sys.now()} ${codeName(code)}`);
        });
      }
    });
    expect(codes).toEqual(['c1 t=0 SUCCESS', 'c2 t=0 SUCCESS', `c3 t=50 ${codeName(MACH_SEND_INVALID_DEST)}`]);
    expect(sim.report.counters.messagesDestroyed).toBe(2);
    expect(sim.lines(['destroy'])).toEqual([
      't=50 c1 destroy port 14 (svc) id 0',
      't=50 c2 destroy port 14 (svc) id 0',
    ]);
    expect(sim.exit('server')).toMatchObject({ code: 1, reason: 'error' });
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('dead-name notification: a client that asked is told when the server port dies, and its name turns dead', async () => {
    const seen: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('server', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'svc');
        await sys.netname_check_in('svc', name!);
        await sys.sleep(30);
      });
      k.spawn('client', async (sys) => {
        const svc = (await sys.netname_look_up('svc', { wait: true })).port!;
        expect(await sys.port_request_notification(svc, 'dead-name')).toBe(0);
        const n = await sys.msg_receive(sys.notifyPort);
        seen.push(sys.now(), n.ok && n.msg.id, n.ok && n.msg.body, n.ok && n.msg.sender);
        seen.push((await sys.port_type(svc)).rights);
        seen.push((await sys.port_get_refs(svc, 'dead-name')).refs);
      });
    });
    // One dead-name uref from the send right, one more from the notification (as Mach does).
    expect(seen).toEqual([30, MACH_NOTIFY_DEAD_NAME, { name: expect.any(Number) }, 0, ['dead-name'], 2]);
  });

  it('no-senders notification when the last send right goes away', async () => {
    const seen: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      // The client asks first and waits for the name: it holds a send right before the check-out.
      k.spawn('client', async (sys) => {
        const svc = (await sys.netname_look_up('svc', { wait: true })).port!;
        await sys.sleep(20);
        await sys.port_deallocate(svc);
      });
      k.spawn('server', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'svc');
        await sys.netname_check_in('svc', name!);
        await sys.port_request_notification(name!, 'no-senders');
        await sys.netname_check_out('svc'); // the kernel's own send right goes
        const n = await sys.msg_receive(sys.notifyPort);
        seen.push(sys.now(), n.ok && n.msg.id);
      });
    });
    expect(seen).toEqual([20, MACH_NOTIFY_NO_SENDERS]);
  });

  it('a receive right moved in a message keeps its queue; the old owner loses it, the new one receives', async () => {
    const got: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('giver', async (sys) => {
        const { name: gift } = await sys.port_allocate('receive', 'gift');
        await sys.msg_send(gift!, { body: 'inside' });
        const taker = (await sys.netname_look_up('taker', { wait: true })).port!;
        await sys.msg_send(taker, { rights: [{ name: gift!, disposition: 'move-receive' }] });
        got.push(`giver: ${(await sys.port_type(gift!)).code !== 0 ? 'gone' : 'still here'}`);
      });
      k.spawn('taker', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.netname_check_in('taker', name!);
        const r = await sys.msg_receive(name!);
        if (!r.ok) return;
        const right = r.msg.rights[0]!;
        const inner = await sys.msg_receive(right.name);
        got.push(`taker: ${right.right} ${inner.ok && inner.msg.body} seqno ${inner.ok && inner.msg.seqno}`);
      });
    });
    expect(got.sort()).toEqual(['giver: gone', 'taker: receive inside seqno 0']);
  });

  it('a dead right in a message arrives as MACH_PORT_DEAD', async () => {
    let arrived: unknown;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name: a } = await sys.port_allocate();
        const { name: b } = await sys.port_allocate();
        await sys.msg_send(a!, { body: 0 }); // (keeps a's queue non-empty; irrelevant)
        const { name: dead } = await sys.port_allocate('dead-name');
        await sys.msg_send(b!, { rights: [{ name: dead!, disposition: 'move-send' }] });
        const r = await sys.msg_receive(b!);
        arrived = r.ok && r.msg.rights;
      });
    });
    expect(arrived).toEqual([{ name: MACH_PORT_DEAD, right: 'dead' }]);
  });

});

describe('port death seen by another thread of the same task', () => {
  it('a thread waiting on a port that another thread destroys wakes with MACH_RCV_PORT_DIED', async () => {
    const codes: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'doomed');
        await sys.thread_create(async (t) => {
          const r = await t.msg_receive(name!);
          codes.push(`${t.now()} ${codeName(r.code)}`);
        });
        await sys.sleep(10);
        await sys.port_destroy(name!);
      });
    });
    expect(codes).toEqual(['10 MACH_RCV_PORT_DIED']);
  });

  it('a port moved into a port set under a waiting thread wakes it with MACH_RCV_PORT_CHANGED', async () => {
    const codes: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        const set = (await sys.port_allocate('port-set')).name!;
        await sys.thread_create(async (t) => {
          const r = await t.msg_receive(name!);
          codes.push(codeName(r.code));
        });
        await sys.sleep(1);
        await sys.port_move_member(name!, set);
      });
    });
    expect(codes).toEqual(['MACH_RCV_PORT_CHANGED']);
  });
});
