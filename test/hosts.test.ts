import { describe, expect, it } from 'vitest';
import { boot } from '../index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';

describe('hosts', () => {
  it('each host has its own pids and name service, on one clock', async () => {
    const k = boot({ hosts: [A, B], seed: 3 });
    expect(k.hosts).toEqual([A, B]);
    expect(k.host(A)).toBe(k);
    const seen: string[] = [];
    for (const h of [k, k.host(B)]) {
      h.spawn('server', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'svc');
        await sys.netname_check_in('svc', name!);
        await sys.sleep(h === k ? 5 : 10);
        seen.push(`${sys.now()} ${h === k ? A : B} pid ${sys.pid}`);
      });
      h.spawn('client', async (sys) => {
        const { port } = await sys.netname_look_up('svc', { wait: true });
        seen.push(`${sys.now()} ${h === k ? A : B} pid ${sys.pid} found ${port !== undefined}`);
      });
    }
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(r.time).toBe(10);
    expect(seen.sort()).toEqual([`0 ${A} pid 2 found true`, `0 ${B} pid 2 found true`, `10 ${B} pid 1`, `5 ${A} pid 1`]);
    expect([...k.host(B).tasks.keys()]).toEqual([1, 2]);
    const hosts = new Set(k.trace.records.map((rec) => (rec as { host?: string }).host));
    expect(hosts).toEqual(new Set([undefined, B]));
  });

  it('a deadlock is reported over all hosts; a host cannot run on its own', async () => {
    const k = boot({ hosts: [A, B] });
    k.host(B).spawn('stuck', async (sys) => {
      const { name } = await sys.port_allocate();
      await sys.msg_receive(name!);
    });
    await expect(k.host(B).run()).rejects.toThrow(/default host/);
    const r = await k.run();
    expect(r.status).toBe('deadlock');
    expect(r.deadlock.map((d) => d.name)).toEqual(['stuck']);
    expect(() => k.host('999.1.1.1')).toThrow(TypeError);
  });
});

describe('the network device', () => {
  it('a packet between hosts arrives after the link latency, exactly, as a message on the device port', async () => {
    const k = boot({ hosts: [A, B], seed: 5 });
    k.network.link(A, B, { latency: 7 });
    const got: string[] = [];
    k.host(B).spawn('netserver', async (sys) => {
      const { name } = await sys.net_attach();
      expect((await sys.net_attach()).code).not.toBe(0);
      const r = await sys.msg_receive<{ from: string; bytes: Uint8Array }>(name!);
      got.push(`${sys.now()} ${r.msg!.body.from} ${r.msg!.body.bytes.length}`);
    });
    k.spawn('netserver', async (sys) => {
      await sys.net_attach();
      await sys.sleep(3);
      const r = await sys.net_transmit(B, new Uint8Array(20));
      got.push(`sent ${r.fate}`);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(got).toEqual(['sent delivered', `10 ${A} 20`]);
    expect(k.trace.records.filter((x) => x.kind === 'packet').map((x) => [x.t, x.op, x.src, x.dst, x.size])).toEqual([[3, 'delivered', A, B, 20]]);
  });
});
