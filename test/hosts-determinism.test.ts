import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot } from '../index.ts';
import { AF_INET, SOCK_DGRAM, netServer, sockets } from '../servers/net/index.ts';

/** A link's settings, as the property draws them (loss at least 5 %, so seeds matter). */
interface Link {
  latency: number;
  loss: number;
  duplicate: number;
  reorder: number;
}

/**
 * A whole simulation: `hosts` hosts, each with its network server, a UDP echo daemon on port
 * 7007 and a client that sends `each` datagrams to echo ports of other hosts it picks with
 * sys.random, at gaps it picks too, then closes its socket (answers land on it meanwhile); every pair of hosts joined by its link.
 * Returns everything an observer could compare: the trace as JSON lines, the packet list,
 * the report's status and time.
 */
async function world(seed: number, hosts: number, links: Link[], each: number) {
  const addrs = Array.from({ length: hosts }, (_, i) => `10.1.0.${i + 1}`);
  const k = boot({ hosts: addrs, seed });
  let l = 0;
  for (let i = 0; i < hosts; i++) for (let j = i + 1; j < hosts; j++) k.network.link(addrs[i]!, addrs[j]!, links[l++ % links.length]!);
  addrs.forEach((me, n) => {
    const h = k.host(me);
    h.spawn('netserver', netServer(), { daemon: true });
    h.spawn('echo', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      expect((await net.bind(fd!, 7007)).code).toBe(0);
      for (;;) {
        const d = await net.recvfrom(fd!);
        if (d.code !== 0) return;
        sys.log(`echo ${d.bytes![0]} from ${d.from}:${d.port}`);
        await net.sendto(fd!, d.bytes!, d.from!, d.port!);
      }
    }, { daemon: true });
    h.spawn('client', async (sys) => {
      await sys.sleep(1); // the network servers attach first
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      for (let i = 0; i < each; i++) {
        const to = addrs[(n + 1 + Math.floor(sys.random() * (hosts - 1))) % hosts]!;
        const r = await net.sendto(fd!, new Uint8Array([i, 1, 2, 3]), to, 7007);
        sys.log(`sent ${i} to ${to}: ${r.fate ?? 'loopback'}`);
        await sys.sleep(1 + Math.floor(sys.random() * 3));
      }
      await sys.sleep(40); // answers still in flight arrive at the daemon's socket
      await net.close(fd!);
    });
  });
  const r = await k.run({ until: 10_000 });
  return {
    status: r.status,
    time: r.time,
    trace: k.trace.records.map((x) => JSON.stringify(x)),
    packets: k.network.packets.map((p) => JSON.stringify(p)),
  };
}

const link = fc.record({
  latency: fc.integer({ min: 0, max: 8 }),
  loss: fc.double({ min: 0.05, max: 0.3, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  reorder: fc.double({ min: 0, max: 0.3, noNaN: true }),
});

describe('a simulation of several hosts is deterministic', () => {
  it('same seed: the same trace (every record, every host) and the same packets; another seed: other packets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 5 }), fc.array(link, { minLength: 1, maxLength: 4 }), async (seed, hosts, links) => {
        const a = await world(seed, hosts, links, 12);
        const b = await world(seed, hosts, links, 12);
        expect(a.status).toBe('done');
        expect(b).toEqual(a);
        // Every host took part; every datagram went on the wire, and some echoes.
        expect(new Set(a.trace.map((r) => (JSON.parse(r) as { host?: string }).host)).size).toBe(hosts);
        expect(a.packets.length).toBeGreaterThan(hosts * 12);
        expect(a.trace.some((r) => r.includes('"detail":"echo 0 from'))).toBe(true);
        const c = await world(seed + 1, hosts, links, 12);
        expect(c.packets).not.toEqual(a.packets);
      }),
      { numRuns: 12, seed: 11 },
    );
  }, 60_000);

  it('the trace does not depend on how many other hosts sit idle on the wire', async () => {
    // Two hosts talking, with and without 20 idle hosts made after them: the same records for those two.
    const run = async (idle: number) => {
      const addrs = ['10.2.0.1', '10.2.0.2', ...Array.from({ length: idle }, (_, i) => `10.3.0.${i + 1}`)];
      const k = boot({ hosts: addrs, seed: 5 });
      k.network.link(addrs[0]!, addrs[1]!, { latency: 3, loss: 0.2 });
      for (const me of addrs.slice(0, 2)) {
        k.host(me).spawn('netserver', netServer(), { daemon: true });
        k.host(me).spawn('talk', async (sys) => {
          await sys.sleep(1);
          const net = sockets(sys);
          const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
          await net.bind(fd!, 9);
          for (let i = 0; i < 10; i++) await net.sendto(fd!, new Uint8Array([i]), me === addrs[0] ? addrs[1]! : addrs[0]!, 9);
          await sys.sleep(10);
        });
      }
      const r = await k.run();
      expect(r.status).toBe('done');
      return { trace: k.trace.records.map((x) => JSON.stringify(x)), packets: k.network.packets };
    };
    const alone = await run(0);
    const crowded = await run(20);
    expect(crowded).toEqual(alone);
    expect(alone.packets.some((p) => p.fate === 'lost')).toBe(true);
  });
});
