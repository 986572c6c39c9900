/**
 * Hosts (issue 11): the cost of one packet between hosts, with 1, 10 and 100 hosts on the
 * wire. Each host has one task (its "network server") that attaches the host's device
 * (`net_attach`), transmits 64-byte packets to its neighbour (host i → host i+1, in a ring;
 * `net_transmit`, latency 1 ms) and receives its other neighbour's (a message on its device
 * port). Two ways:
 * - one packet round the ring (the aim's figure): host 0 sends, each host passes on what it
 *   gets; one task works at a time, so this is what a packet costs with n hosts on the wire;
 * - every host sending at once, then receiving (a reference line): n tasks work in every
 *   millisecond, so the load, and the memory touched per step, grow with n.
 * With one host the neighbour is the host itself: loopback, through the same device port but
 * off the wire (no link, no packet record, no virtual time passing), and its task never
 * blocks (the packet is queued before it asks for it): a different, much cheaper workload.
 * So the suite's baseline is 2 hosts, the smallest ring that uses the wire (every hop a
 * packet record, a timer, a block and a wake); the figure at 1 host is printed as well.
 *
 * Cost per packet = the run's CPU time (process.cpuUsage: user + system, so that other
 * processes on a shared machine count less than in wall-clock time) / (hosts × each);
 * set-up (booting hosts, spawning, attaching) is outside the measured time: every task
 * attaches, then waits for t = 1.
 * Trace records off (counters only), as in the other kernel benchmarks. Aim: flat, a packet
 * round 100 hosts ≤ 1.5× one round 2 hosts.
 *
 *   npx tsx bench/hosts.ts [total] [more sizes…]   ns/packet at 1, 2, 10 and 100 hosts, both ways, and the ratios
 */
import { boot } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';

/** The i-th host's address (10.0.0.1, 10.0.0.2, …). */
function addr(i: number): string {
  const j = i + 1;
  return `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`;
}

/**
 * The packets: n hosts in a ring, each sending `each` packets to its neighbour. `token`
 * (default): one packet goes round the ring (host 0 sends, each host passes on what it gets),
 * so one task works at a time however many hosts there are: the cost of a packet with n hosts
 * on the wire. `all`: every host sends at once, then waits for its neighbour's (n tasks at
 * work in every millisecond: the load grows with n). Returns the CPU ms of the run after set-up.
 */
export async function hostRing(n: number, each: number, opts: { trace?: boolean; seed?: number; mode?: 'token' | 'all' } = {}): Promise<number> {
  const token = (opts.mode ?? 'token') === 'token';
  const hosts = Array.from({ length: n }, (_, i) => addr(i));
  const k = boot({ seed: opts.seed ?? 1, trace: opts.trace ?? false, hosts });
  let started: NodeJS.CpuUsage | null = null;
  let failures = 0;
  const bytes = new Uint8Array(64);
  hosts.forEach((me, i) => {
    const next = hosts[(i + 1) % n]!;
    k.host(me).spawn('net', async (sys) => {
      const { name: dev } = await sys.net_attach();
      await sys.sleep(1 - sys.now());
      started ??= process.cpuUsage();
      for (let p = 0; p < each; p++) {
        // In a token ring only host 0 sends first; the others pass on what they receive.
        if (token && i > 0 && !(await sys.msg_receive(dev!)).ok) failures++;
        if ((await sys.net_transmit(next, bytes)).code !== 0) failures++;
        if ((!token || i === 0) && !(await sys.msg_receive(dev!)).ok) failures++;
      }
    });
  });
  const report = await k.run();
  const used = process.cpuUsage(started ?? undefined);
  const ms = (used.user + used.system) / 1000;
  if (report.status !== 'done' || failures > 0) throw new Error(`hosts bench: ${report.status}, ${failures} failures`);
  const wire = k.network.packets.length;
  if (n > 1 && wire !== n * each) throw new Error(`hosts bench: ${wire} packets on the wire, not ${n * each}`);
  return ms;
}

/** ns per packet with n hosts, `total` packets in all (repeating whole runs until minMs of measured time). */
export async function nsPerPacket(n: number, total: number, minMs = 0, mode: 'token' | 'all' = 'token'): Promise<number> {
  const each = Math.max(1, Math.round(total / n));
  let ms = 0;
  let packets = 0;
  do {
    ms += await hostRing(n, each, { mode });
    packets += n * each;
  } while (ms < minMs);
  return (ms / packets) * 1e6;
}

export default function hosts({ quick }: BenchContext): Benchmark[] {
  const total = quick ? 20_000 : 100_000;
  const two = (mode: 'token' | 'all') => ({ name: '2 hosts', run: () => nsPerPacket(2, total, 0, mode) });
  const at = (n: number, mode: 'token' | 'all', aim: number | undefined): Benchmark => ({
    name:
      mode === 'token'
        ? `hosts-${n}: one packet round a ring of ${n} hosts vs 2 hosts, ns/packet (lower is better)`
        : `hosts-${n}-all: every one of ${n} hosts sending at once vs 2 hosts, ns/packet (lower is better)`,
    unit: 'ns/packet',
    ...(aim !== undefined ? { aim: { max: aim } } : {}),
    rounds: quick ? 2 : 3,
    run: (info) => nsPerPacket(n, info?.warmup ? total / 4 : total, 0, mode),
    baseline: two(mode),
  });
  return [at(10, 'token', undefined), at(100, 'token', 1.5), at(100, 'all', undefined)];
}

// Run on its own: ns/packet at 1, 2, 10 and 100 hosts (and any sizes given after the total),
// both ways, the median of 3 runs each after a warm-up.
if (import.meta.url === `file://${process.argv[1]}`) {
  const total = Number(process.argv[2] ?? 100_000);
  const sizes = [1, 2, 10, 100, ...process.argv.slice(3).map(Number)];
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const mode of ['token', 'all'] as const) {
    const figures = new Map<number, number>();
    for (const n of sizes) {
      await nsPerPacket(n, total / 4, 0, mode);
      const xs: number[] = [];
      for (let i = 0; i < 3; i++) xs.push(await nsPerPacket(n, total, 0, mode));
      figures.set(n, med(xs));
    }
    const one = figures.get(1)!;
    const two = figures.get(2)!;
    process.stdout.write(`${mode === 'token' ? 'one packet round the ring' : 'every host sending at once'}:\n`);
    for (const [n, ns] of figures) process.stdout.write(`  ${String(n).padStart(4)} hosts: ${ns.toFixed(0).padStart(6)} ns/packet  ${(ns / two).toFixed(2)}× 2 hosts  ${(ns / one).toFixed(2)}× 1 host (loopback)\n`);
  }
  process.stdout.write('aim: 100 hosts ≤ 1.5× 2 hosts (one packet round the ring)\n');
}
