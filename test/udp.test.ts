import { describe, expect, it } from 'vitest';
import { Wire, isMulticast, type Packet } from '../kernel/device/wire.ts';
import { Clock } from '../kernel/time/clock.ts';
import { Random } from '../kernel/time/random.ts';
import { EACCES, EADDRINUSE, netErrnoName } from '../servers/net/errno.ts';
import { EPHEMERAL_FIRST, UdpPorts } from '../servers/net/udp-ports.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';

function net(seed = 1) {
  const clock = new Clock();
  const wire = new Wire(clock, new Random(seed));
  const got: { at: number; p: Packet }[] = [];
  wire.attach(A, (p) => got.push({ at: clock.now(), p }));
  wire.attach(B, (p) => got.push({ at: clock.now(), p }));
  return { clock, wire, got };
}

function send(w: ReturnType<typeof net>, n: number, gap = 1) {
  for (let i = 0; i < n; i++) w.clock.after(i * gap, () => void w.wire.transmit(A, B, new Uint8Array([i])));
  w.clock.flush();
}

describe('the wire', () => {
  it('a packet arrives after the link latency exactly, plus size / bandwidth', () => {
    const w = net();
    w.wire.link(A, B, { latency: 12, bandwidth: 10 });
    w.wire.transmit(A, B, new Uint8Array(50));
    w.clock.flush();
    expect(w.got.map((g) => g.at)).toEqual([17]);
    expect(w.wire.packets[0]).toMatchObject({ from: A, to: B, size: 50, fate: 'delivered', arrives: 17 });
  });

  it('loss, duplication and reordering as configured, and the same seed gives the same packet trace', () => {
    const run = (seed: number) => {
      const w = net(seed);
      w.wire.link(A, B, { latency: 5, loss: 0.3, duplicate: 0.2, reorder: 0.2 });
      send(w, 200);
      return w;
    };
    const w1 = run(7);
    const fates = (w: ReturnType<typeof net>) => w.wire.packets.map((p) => p.fate);
    expect(fates(run(7))).toEqual(fates(w1));
    expect(fates(run(8))).not.toEqual(fates(w1));
    const count = (f: string) => fates(w1).filter((x) => x === f).length;
    expect(count('lost')).toBeGreaterThan(40);
    expect(count('lost')).toBeLessThan(80);
    expect(count('duplicated')).toBeGreaterThan(10);
    expect(count('reordered')).toBeGreaterThan(10);
    const delivered = w1.got.length;
    expect(delivered).toBe(w1.wire.packets.reduce((n, p) => n + p.copies, 0));
    expect(w1.wire.packets.filter((p) => p.copies === 0).length).toBe(count('lost'));
    const order = w1.got.map((g) => g.p.bytes[0]!);
    expect(order).not.toEqual([...order].sort((x, y) => x - y)); // some overtaken
  });

  it('a perfect link draws nothing from the generator', () => {
    const rng = new Random(3);
    const clock = new Clock();
    const wire = new Wire(clock, rng);
    wire.attach(B, () => {});
    wire.transmit(A, B, new Uint8Array(1));
    expect(rng.next()).toBe(new Random(3).next());
  });

  it('nothing crosses during a partition; traffic resumes after it', () => {
    const w = net();
    w.wire.partition(A, B, { from: 10, until: 20 });
    send(w, 30);
    const fates = w.wire.packets.map((p) => p.fate);
    expect(fates.slice(0, 10).every((f) => f === 'delivered')).toBe(true);
    expect(fates.slice(10, 20).every((f) => f === 'partitioned')).toBe(true);
    expect(fates.slice(20).every((f) => f === 'delivered')).toBe(true);
    expect(w.got.length).toBe(20);
  });

  it('a link changes at a given virtual time', () => {
    const w = net();
    w.wire.link(A, B, { latency: 2 });
    w.wire.link(A, B, { latency: 50 }, { at: 5 });
    w.clock.after(0, () => void w.wire.transmit(A, B, new Uint8Array(1)));
    w.clock.after(6, () => void w.wire.transmit(A, B, new Uint8Array(1)));
    w.clock.flush();
    expect(w.got.map((g) => g.at)).toEqual([2, 56]);
  });

  it('loopback never touches the wire', () => {
    const w = net();
    expect(w.wire.transmit(A, '127.0.0.1', new Uint8Array(3))).toBeNull();
    w.clock.flush();
    expect(w.wire.packets).toEqual([]);
    expect(w.got.map((g) => [g.at, g.p.to])).toEqual([[0, A]]);
  });

  it('a packet to a multicast group goes to every host over its own link, and to the sender at once', () => {
    const w = net();
    const C = '10.0.0.3';
    w.wire.attach(C, (p) => w.got.push({ at: w.clock.now(), p }));
    w.wire.link(A, B, { latency: 4 });
    w.wire.link(A, C, { latency: 9 });
    w.wire.partition(A, '10.0.0.4');
    const first = w.wire.transmit(A, '224.1.2.3', new Uint8Array(2), { label: 'x' });
    w.clock.flush();
    expect(first).toMatchObject({ to: B, group: '224.1.2.3' });
    expect(w.wire.packets.map((p) => [p.to, p.group, p.fate, p.arrives, p.meta])).toEqual([
      [B, '224.1.2.3', 'delivered', 4, { label: 'x' }],
      [C, '224.1.2.3', 'delivered', 9, { label: 'x' }],
    ]);
    expect(w.got.map((g) => [g.at, g.p.from, g.p.to])).toEqual([[0, A, '224.1.2.3'], [4, A, '224.1.2.3'], [9, A, '224.1.2.3']]);
    expect(isMulticast('239.255.0.1')).toBe(true);
    expect(isMulticast('240.0.0.1')).toBe(false);
    expect(isMulticast(B)).toBe(false);
  });

  it('refuses bad link settings', () => {
    expect(() => net().wire.link(A, B, { loss: 2 })).toThrow(RangeError);
    expect(() => net().wire.partition(A, B, { from: 5, until: 5 })).toThrow(RangeError);
  });
});

describe('UDP ports', () => {
  it('privileged ports need privilege; EADDRINUSE; ephemeral ports from 49152', () => {
    const p = new UdpPorts();
    expect(netErrnoName(p.bind(80, 1, false))).toBe('EACCES');
    expect(p.bind(80, 1, false)).toBe(EACCES);
    expect(p.bind(80, 1, true)).toBe(0);
    expect(p.bind(80, 2, true)).toBe(EADDRINUSE);
    expect(p.bind(1625, 2, false)).toBe(0);
    expect(p.ephemeral(3)).toEqual({ code: 0, port: EPHEMERAL_FIRST });
    p.bind(EPHEMERAL_FIRST + 1, 4, false);
    expect(p.ephemeral(5)).toEqual({ code: 0, port: EPHEMERAL_FIRST + 2 });
    p.release(80);
    expect(p.bind(80, 2, true)).toBe(0);
  });
});

import { boot } from '../index.ts';
import { AF_INET, SOCK_DGRAM, netServer, sockets } from '../servers/net/udp.ts';

describe('UDP sockets through the network servers', () => {
  async function talk(seed: number, link: Record<string, number>, n = 5) {
    const k = boot({ hosts: [A, B], seed });
    k.network.link(A, B, link);
    const heard: string[] = [];
    k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
    k.host(B).spawn('httpd', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      expect((await net.bind(fd!, 80)).code).toBe(0);
      for (;;) {
        const d = await net.recvfrom(fd!);
        heard.push(`${sys.now()} ${d.from}:${d.port} ${d.bytes![0]}`);
      }
    }, { daemon: true });
    k.spawn('netserver', netServer(), { daemon: true });
    k.spawn('client', async (sys) => {
      await sys.sleep(1); // the network servers attach their devices first (a packet to a host with none: 'no-route')
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      expect(netErrnoName((await net.bind(fd!, 80)).code)).toBe('EACCES');
      expect((await net.bind(fd!, 1625)).code).toBe(0);
      const other = await net.socket(AF_INET, SOCK_DGRAM);
      expect(netErrnoName((await net.bind(other.fd!, 1625)).code)).toBe('EADDRINUSE');
      const eph = await net.sendto(other.fd!, new Uint8Array([99]), B, 80);
      expect(eph.sport).toBe(EPHEMERAL_FIRST);
      for (let i = 0; i < n; i++) {
        await net.sendto(fd!, new Uint8Array([i]), B, 80);
        await sys.sleep(1);
      }
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    return { heard, packets: k.network.packets.map((p) => `${p.t} ${p.fate} ${p.arrives}`) };
  }

  it('datagrams from 146.86.5.20:1625 reach 161.25.19.8:80 after the latency', async () => {
    const { heard } = await talk(1, { latency: 10 }, 3);
    expect(heard.slice(1).map((h) => h.split(' ')[1])).toEqual([`${A}:1625`, `${A}:1625`, `${A}:1625`]);
    const t = heard.map((h) => Number(h.split(' ')[0]));
    expect(t[2]! - t[1]!).toBe(1);
  });

  it('loss and duplication as the link says, the same with the same seed', async () => {
    const a = await talk(4, { latency: 5, loss: 0.3, duplicate: 0.3 }, 20);
    const b = await talk(4, { latency: 5, loss: 0.3, duplicate: 0.3 }, 20);
    expect(a).toEqual(b);
    expect(a.packets.some((p) => p.includes('lost'))).toBe(true);
    expect(a.packets.some((p) => p.includes('duplicated'))).toBe(true);
    const copies = a.packets.filter((p) => !p.includes('lost')).length + a.packets.filter((p) => p.includes('duplicated')).length;
    expect(a.heard.length).toBe(copies);
  });
});

describe('UDP multicast', () => {
  it('a datagram to a group reaches every member on every host (the sender\'s own too), and none after leave', async () => {
    const C = '10.0.0.3';
    const G = '224.1.2.3';
    const k = boot({ hosts: [A, B, C], seed: 2 });
    k.network.link(A, B, { latency: 5 });
    k.network.link(A, C, { latency: 7 });
    const heard: string[] = [];
    const codes: string[] = [];
    for (const host of [A, B, C]) {
      const h = k.host(host);
      h.spawn('netserver', netServer(), { daemon: true });
      h.spawn('member', async (sys) => {
        const net = sockets(sys);
        const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
        await net.bind(fd!, 5000);
        if (host !== C) codes.push(`${host} join ${netErrnoName((await net.joinGroup(fd!, G)).code)}`); // C's socket is bound, but not a member
        if (host === B) {
          await sys.sleep(20);
          codes.push(`${host} leave ${netErrnoName((await net.leaveGroup(fd!, G)).code)}`);
          codes.push(`${host} leave again ${netErrnoName((await net.leaveGroup(fd!, G)).code)}`);
        }
        for (;;) {
          const d = await net.recvfrom(fd!);
          heard.push(`${sys.now()} ${host} ${d.bytes![0]} from ${d.from}:${d.port}`);
        }
      }, { daemon: true });
    }
    k.spawn('sender', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      codes.push(`join a unicast address ${netErrnoName((await net.joinGroup(fd!, B)).code)}`);
      await net.sendto(fd!, new Uint8Array([1]), G, 5000);
      await sys.sleep(29);
      await net.sendto(fd!, new Uint8Array([2]), G, 5000);
      await sys.sleep(20);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(codes).toEqual([`${A} join SUCCESS`, `${B} join SUCCESS`, 'join a unicast address EINVAL', `${B} leave SUCCESS`, `${B} leave again EADDRNOTAVAIL`]);
    const from = `${A}:${EPHEMERAL_FIRST}`;
    // B's copy arrived at 6 and waited in its socket's queue until B asked (at 20, after leaving).
    expect(heard).toEqual([`1 ${A} 1 from ${from}`, `20 ${B} 1 from ${from}`, `30 ${A} 2 from ${from}`]);
    // The wire carried a copy to each other host both times (C's server dropped them: no member).
    expect(k.network.packets.map((p) => `${p.t} ${p.to} ${p.group} ${p.fate}`)).toEqual([`1 ${B} ${G} delivered`, `1 ${C} ${G} delivered`, `30 ${B} ${G} delivered`, `30 ${C} ${G} delivered`]);
  });
});
