import { describe, expect, it } from 'vitest';
import { boot } from '../index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';

describe('a host crash', () => {
  it('kills every task of the host at the time given, and packets to it find no route', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.network.link(A, B, { latency: 5 });
    const got: string[] = [];
    k.host(B).spawn('srv', async (sys) => {
      const { name } = await sys.port_allocate('receive');
      await sys.msg_receive(name!);
    });
    k.host(B).spawn('ticker', async (sys) => {
      const { name: dev } = await sys.net_attach();
      for (;;) if ((await sys.msg_receive(dev!)).ok) got.push(`B got a packet at ${sys.now()}`);
    }, { daemon: true });
    k.host(B).crash({ at: 10 });
    k.spawn('sender', async (sys) => {
      await sys.sleep(1);
      got.push(String((await sys.net_transmit(B, new Uint8Array(4))).fate));   // t=1: arrives at 6
      await sys.sleep(7);
      got.push(String((await sys.net_transmit(B, new Uint8Array(4))).fate));   // t=8: in flight when B crashes at 10
      await sys.sleep(12);
      got.push(String((await sys.net_transmit(B, new Uint8Array(4))).fate));   // t=20: B is down
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(got).toEqual(['delivered', 'B got a packet at 6', 'delivered', 'no-route']);
    expect(k.host(B).crashed).toBe(true);
    const kills = k.trace.records.filter((x) => x.kind === 'kill' && x.host === B).map((x) => `${x.t} ${x.task} ${x.detail}`);
    expect(kills).toEqual(['10 srv host crashed', '10 ticker host crashed']);
  });

  it('refuses a time in the past', async () => {
    const k = boot({ hosts: [A, B], seed: 1 });
    k.spawn('w', async (sys) => sys.sleep(5));
    await k.run();
    expect(() => k.host(B).crash({ at: 1 })).toThrow(RangeError);
  });
});
