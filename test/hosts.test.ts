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
