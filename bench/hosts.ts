/**
 * Hosts (issue 11): the cost of one packet between hosts, with 1, 10 and 100 hosts on the
 * wire. Each host has one task (its "network server") that attaches the host's device
 * (`net_attach`) and then, `each` times, transmits a 64-byte packet to its neighbour
 * (host i → host i+1, in a ring; `net_transmit`) and receives the one its other neighbour
 * sent it (a message on its device port). Every host's link has latency 1 ms. With one host
 * the neighbour is the host itself: loopback, through the same device port but off the wire
 * (no link, no packet record), so the 1-host figure is the cheapest possible packet and the
 * ratio is, if anything, pessimistic.
 *
 * Cost per packet = the run's wall time / (hosts × each); set-up (booting hosts, spawning,
 * attaching) is outside the measured time: every task attaches, then waits for t = 1.
 * Trace records off (counters only), as in the other kernel benchmarks. Aim: 100 hosts ≤ 1.5×
 * the 1-host cost per packet (flat).
 *
 *   npx tsx bench/hosts.ts            prints ns/packet at 1, 10 and 100 hosts and the ratios
 */
import { boot } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';

/** The i-th host's address (10.0.x.y). */
function addr(i: number): string {
  return `10.0.${(i >> 8) & 255}.${(i & 255) + 1}`;
}

/** The packets: n hosts in a ring, each sending `each` packets to its neighbour. Returns the wall ms of the run after set-up. */
export async function hostRing(n: number, each: number, opts: { trace?: boolean; seed?: number } = {}): Promise<number> {
  const hosts = Array.from({ length: n }, (_, i) => addr(i));
  const k = boot({ seed: opts.seed ?? 1, trace: opts.trace ?? false, hosts });
  let started = 0;
  let failures = 0;
  const bytes = new Uint8Array(64);
  hosts.forEach((me, i) => {
    const next = hosts[(i + 1) % n]!;
    k.host(me).spawn('net', async (sys) => {
      const { name: dev } = await sys.net_attach();
      await sys.sleep(1 - sys.now());
      if (started === 0) started = performance.now();
      for (let p = 0; p < each; p++) {
        const t = await sys.net_transmit(next, bytes);
        const r = await sys.msg_receive(dev!);
        if (t.code !== 0 || !r.ok) failures++;
      }
    });
  });
  const report = await k.run();
  const ms = performance.now() - started;
  if (report.status !== 'done' || failures > 0) throw new Error(`hosts bench: ${report.status}, ${failures} failures`);
  const wire = k.network.packets.length;
  if (n > 1 && wire !== n * each) throw new Error(`hosts bench: ${wire} packets on the wire, not ${n * each}`);
  return ms;
}

/** ns per packet with n hosts, `total` packets in all (repeating whole runs until minMs of measured time). */
export async function nsPerPacket(n: number, total: number, minMs = 0): Promise<number> {
  const each = Math.max(1, Math.round(total / n));
  let ms = 0;
  let packets = 0;
  do {
    ms += await hostRing(n, each);
    packets += n * each;
  } while (ms < minMs);
  return (ms / packets) * 1e6;
}

export default function hosts({ quick }: BenchContext): Benchmark[] {
  const total = quick ? 20_000 : 100_000;
  const one = { name: '1 host', run: () => nsPerPacket(1, total) };
  const at = (n: number, aim: number | undefined): Benchmark => ({
    name: `hosts-${n}: a packet to the neighbour among ${n} hosts vs on 1 host, ns/packet (lower is better)`,
    unit: 'ns/packet',
    ...(aim !== undefined ? { aim: { max: aim } } : {}),
    rounds: quick ? 2 : 3,
    run: (info) => nsPerPacket(n, info?.warmup ? total / 4 : total),
    baseline: one,
  });
  return [at(10, undefined), at(100, 1.5)];
}

// Run on its own: the figures at 1, 10 and 100 hosts, the median of 3 runs each after a warm-up.
if (import.meta.url === `file://${process.argv[1]}`) {
  const total = Number(process.argv[2] ?? 100_000);
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const figures = new Map<number, number>();
  for (const n of [1, 2, 10, 100]) {
    await nsPerPacket(n, total / 4);
    const xs: number[] = [];
    for (let i = 0; i < 3; i++) xs.push(await nsPerPacket(n, total));
    figures.set(n, med(xs));
    process.stdout.write(`${String(n).padStart(3)} hosts: ${med(xs).toFixed(0)} ns/packet\n`);
  }
  process.stdout.write(`ratio 2 vs 1: ${(figures.get(2)! / figures.get(1)!).toFixed(2)}×   10 vs 1: ${(figures.get(10)! / figures.get(1)!).toFixed(2)}×   100 vs 1: ${(figures.get(100)! / figures.get(1)!).toFixed(2)}× (aim ≤ 1.5)\n`);
}
