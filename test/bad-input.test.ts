import { describe, expect, it } from 'vitest';
import {
  boot,
  codeName,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_REPLY,
  MACH_SEND_INVALID_RIGHT,
  audit,
  simulate,
  type OutMessage,
} from '../index.ts';

describe('bad input gets a clear code, never a crash', () => {
  it('msg_send: bad name, missing right, dead port, uncloneable body, bad header', async () => {
    const out: Record<string, string> = {};
    let queuedAfter = -1;
    let why = '';
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name: port } = await sys.port_allocate();
        const { name: other } = await sys.port_allocate();
        const send = async (label: string, dest: number, msg: OutMessage) => {
          out[label] = codeName(await sys.msg_send(dest, msg, { policy: 'return' }));
        };
        await send('bad name', 4242, { body: 1 });
        await send('notify port as dest is fine', sys.notifyPort, { body: 1 });
        await send('move-receive of a send right', port!, { rights: [{ name: sys.kernelPort, disposition: 'move-receive' }] });
        await send('right not held', port!, { rights: [{ name: 777, disposition: 'copy-send' }] });
        await send('bad disposition', port!, { rights: [{ name: other!, disposition: 'steal' as never }] });
        await send('bad reply', port!, { reply: 999 });
        await send('function body', port!, { body: { f: () => 1 } });
        why = sys.lastError();
        await send('symbol body', port!, { body: Symbol('s') });
        await send('null message', port!, null as never);
        await send('fractional id', port!, { id: 1.5 });
        queuedAfter = (await sys.port_get_attributes(port!)).msgcount!;
        // A dead port: destroy the receive right, keep a send right to it in another task's view.
        const { name: doomed } = await sys.port_allocate();
        await sys.msg_send(doomed!, { body: 'x' }); // make-send right to self is fine
        await sys.port_destroy(doomed!);
        await send('destroyed name', doomed!, { body: 1 });
      });
    });
    expect(out).toEqual({
      'bad name': codeName(MACH_SEND_INVALID_DEST),
      'notify port as dest is fine': 'SUCCESS',
      'move-receive of a send right': codeName(MACH_SEND_INVALID_RIGHT),
      'right not held': codeName(MACH_SEND_INVALID_RIGHT),
      'bad disposition': codeName(MACH_SEND_INVALID_RIGHT),
      'bad reply': codeName(MACH_SEND_INVALID_REPLY),
      'function body': codeName(MACH_SEND_INVALID_DATA),
      'symbol body': codeName(MACH_SEND_INVALID_DATA),
      'null message': codeName(MACH_SEND_INVALID_HEADER),
      'fractional id': codeName(MACH_SEND_INVALID_HEADER),
      'destroyed name': codeName(MACH_SEND_INVALID_DEST),
    });
    expect(why).toMatch(/could not be cloned|cannot be copied/);
    expect(queuedAfter).toBe(0); // nothing refused was queued
    expect(sim.exit('t')).toEqual({ code: 0, reason: 'exit' });
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('a dead name held by another task: sending to it is MACH_SEND_INVALID_DEST', async () => {
    let code = 0;
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('owner', async (sys) => {
        const { name } = await sys.port_allocate();
        await sys.netname_check_in('short-lived', name!);
        await sys.sleep(10);
        await sys.port_destroy(name!);
      });
      k.spawn('user', async (sys) => {
        const p = (await sys.netname_look_up('short-lived', { wait: true })).port!;
        await sys.sleep(20);
        code = await sys.msg_send(p, { body: 'hello?' });
        const t = await sys.port_type(p);
        expect(t.rights).toEqual(['dead-name']);
      });
    });
    expect(code).toBe(MACH_SEND_INVALID_DEST);
  });

  it('timeouts: negative, NaN, non-numbers and unknown policies are KERN_INVALID_ARGUMENT', async () => {
    const codes: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        codes.push(await sys.msg_send(name!, {}, { timeout: -1 }));
        codes.push(await sys.msg_send(name!, {}, { timeout: NaN }));
        codes.push(await sys.msg_send(name!, {}, { timeout: '5' as never }));
        codes.push(await sys.msg_send(name!, {}, { policy: 'drop' as never }));
        codes.push(await sys.msg_send(name!, {}, { policy: 'timeout' })); // timeout policy needs a timeout
        codes.push((await sys.msg_receive(name!, { timeout: -5 })).code);
        codes.push((await sys.msg_receive(name!, { timeout: NaN })).code);
        codes.push((await sys.msg_rpc(name!, {}, { rcvTimeout: -1 })).code);
        await expect(sys.sleep(-1)).rejects.toThrow(/sleep\(-1\)/);
      });
    });
    expect(codes).toEqual(Array(8).fill(KERN_INVALID_ARGUMENT));
  });

  it('qlimit out of range is KERN_INVALID_VALUE; on a port the task does not receive on it is KERN_INVALID_RIGHT', async () => {
    const codes: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        const { name } = await sys.port_allocate();
        for (const q of [-1, 1025, 2.5, NaN, '3']) codes.push(await sys.port_set_qlimit(name!, q as number));
        codes.push(await sys.port_set_qlimit(sys.kernelPort, 3));
        codes.push(await sys.port_set_qlimit(0, 3));
        codes.push(await sys.port_set_qlimit(name!, 1024));
        codes.push(await sys.port_set_qlimit(name!, 0));
      });
    });
    expect(codes).toEqual([...Array(5).fill(KERN_INVALID_VALUE), KERN_INVALID_RIGHT, KERN_INVALID_RIGHT, 0, 0]);
  });

  it('port calls on bad names: KERN_INVALID_NAME', async () => {
    const codes: number[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        codes.push(await sys.port_deallocate(31337));
        codes.push(await sys.port_destroy(31337));
        codes.push((await sys.port_type(31337)).code);
        codes.push(await sys.port_mod_refs(31337, 'send', 1));
        codes.push(await sys.port_request_notification(31337, 'dead-name'));
        codes.push((await sys.port_allocate('bogus' as never)).code);
      });
    });
    expect(codes).toEqual([KERN_INVALID_NAME, KERN_INVALID_NAME, KERN_INVALID_NAME, KERN_INVALID_NAME, KERN_INVALID_NAME, KERN_INVALID_VALUE]);
  });

  it('two system calls at once from one task: the second is refused with an error, the task ends with a status, the rest go on', async () => {
    let other = '';
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('greedy', async (sys) => {
        const { name } = await sys.port_allocate();
        await Promise.all([sys.msg_receive(name!), sys.msg_receive(name!)]);
      });
      k.spawn('bystander', async (sys) => {
        await sys.sleep(5);
        other = 'still running';
      });
    });
    expect(sim.exit('greedy')).toMatchObject({ code: 1, reason: 'error' });
    expect(sim.exit('greedy')!.error).toMatch(/one system call at a time/);
    expect(other).toBe('still running');
    expect(sim.report.status).toBe('done');
    expect(sim.kernel.bugs).toEqual([]);
  });

  it('a program that throws synchronously ends with a status; spawn refuses a non-program', async () => {
    const k = boot({ seed: 1 });
    k.spawn('boom', () => {
      throw new TypeError('bad start');
    });
    expect(() => k.spawn('nothing', 42 as never)).toThrow(/async function or an XState machine/);
    const report = await k.run();
    expect(report.status).toBe('done');
    expect(report.tasks.find((t) => t.name === 'boom')!.exit).toEqual({ code: 1, reason: 'error', error: 'bad start' });
  });
});
