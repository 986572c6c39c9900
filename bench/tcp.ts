/**
 * TCP over loopback (issue 11): bytes from a writer task to a reader task through a TCP
 * connection to 127.0.0.1, served by the host's network server (every 16 KB write is a send
 * call to the server, cut into 1460-byte segments, each a net_transmit and a packet message on
 * the device port, acked one by one; every read a recv call), against the same bytes sent
 * between the same two tasks as 16 KB Mach messages to a port (msg_send / msg_receive, the
 * port's default queue limit).
 *
 * The harness's rates are `ops/s`: an op is one 16 KB write, so bytes/s is ops/s × 16384
 * (run this file alone for MB/s: `npx tsx bench/tcp.ts`). A reference line, no aim: the
 * figure is what a socket costs over a Mach port.
 */
import { pathToFileURL } from 'node:url';
import { boot } from '../index.ts';
import { AF_INET, SOCK_STREAM, netServer, sockets } from '../servers/net/index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { barrier, runChecked, SteadyClock } from './workloads.ts';

const CHUNK = 16384;
/** Write k is filled with k & 255. */
const CHUNKS = Array.from({ length: 256 }, (_, k) => new Uint8Array(CHUNK).fill(k));

function check(bytes: Uint8Array, at: number): void {
  const last = at + bytes.length - 1;
  if (bytes[0] !== (Math.floor(at / CHUNK) & 255) || bytes[bytes.length - 1] !== (Math.floor(last / CHUNK) & 255)) throw new Error(`tcp bench: wrong bytes at ${at}`);
}

/** `writes` 16 KB writes through a loopback TCP connection between two tasks. Returns the steady state's ms. */
export async function tcpLoopback(writes: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  const clock = new SteadyClock(2);
  k.spawn('netserver', netServer(), { daemon: true });
  k.spawn('reader', async (sys) => {
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_STREAM);
    if ((await net.bind(fd!, 5001)).code || (await net.listen(fd!, 1)).code) return 1;
    const c = await net.accept(fd!);
    if (c.code) return 1;
    await barrier(sys);
    clock.start();
    let at = 0;
    for (;;) {
      const r = await net.recv(c.fd!, 65536);
      if (r.code) return 1;
      if (r.bytes!.length === 0) break;
      check(r.bytes!, at);
      at += r.bytes!.length;
    }
    clock.end();
    return at === writes * CHUNK ? 0 : 1;
  });
  k.spawn('writer', async (sys) => {
    const net = sockets(sys);
    await sys.sleep(1);
    const { fd } = await net.socket(AF_INET, SOCK_STREAM);
    if ((await net.connect(fd!, '127.0.0.1', 5001)).code) return 1;
    await barrier(sys);
    clock.start();
    for (let i = 0; i < writes; i++) if ((await net.send(fd!, CHUNKS[i & 255]!)).code) return 1;
    await net.close(fd!);
    clock.end();
    return 0;
  });
  const report = await k.run();
  const bad = report.tasks.filter((t) => (t.name === 'reader' || t.name === 'writer') && t.exit?.code !== 0);
  if (report.status !== 'done' || bad.length > 0 || k.bugs.length > 0) throw new Error(`tcp bench: run ${report.status}, ${bad.map((t) => `${t.name} ${JSON.stringify(t.exit)}`).join(', ')}`);
  return clock.ms();
}

/** The same writes as Mach messages from the writer task to the reader task's port. Returns the steady state's ms. */
export async function machPortStream(writes: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  const clock = new SteadyClock(2);
  k.spawn('reader', async (sys) => {
    const { name: port } = await sys.port_allocate();
    await sys.netname_check_in('reader', port!);
    await barrier(sys);
    clock.start();
    let at = 0;
    for (let i = 0; i < writes; i++) {
      const r = await sys.msg_receive<Uint8Array>(port!);
      if (!r.ok) return 1;
      check(r.msg.body, at);
      at += r.msg.body.length;
    }
    clock.end();
    return 0;
  });
  k.spawn('writer', async (sys) => {
    const { port } = await sys.netname_look_up('reader', { wait: true });
    await barrier(sys);
    clock.start();
    for (let i = 0; i < writes; i++) if ((await sys.msg_send(port!, { id: 1, body: CHUNKS[i & 255]! })) !== 0) return 1;
    clock.end();
    return 0;
  });
  await runChecked(k, 'mach port stream');
  return clock.ms();
}

export default function tcp({ quick }: BenchContext): Benchmark {
  const writes = quick ? 256 : 1024; // 4 MB, 16 MB
  return {
    name: 'tcp: 16 KB writes over a loopback TCP connection between two tasks vs Mach messages between the same tasks, writes/s (× 16 KB = bytes/s; higher is better)',
    unit: 'ops/s',
    run: async (info) => {
      const size = info?.warmup ? 64 : writes;
      return (size / (await tcpLoopback(size))) * 1000;
    },
    baseline: {
      name: 'Mach port stream, same tasks, same 16 KB bodies',
      run: async (info) => {
        const size = info?.warmup ? 64 : writes;
        return (size / (await machPortStream(size))) * 1000;
      },
    },
  };
}

// Run alone: MB/s of both sides, median of 5 rounds.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const writes = 1024;
  await tcpLoopback(64);
  await machPortStream(64);
  const ours: number[] = [];
  const port: number[] = [];
  const mb = (ms: number): number => (writes * CHUNK) / 1e6 / (ms / 1000);
  for (let i = 0; i < 5; i++) {
    ours.push(mb(await tcpLoopback(writes)));
    port.push(mb(await machPortStream(writes)));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[2]!;
  console.log(`tcp over loopback: ${median(ours).toFixed(1)} MB/s (16 KB writes, two tasks and the network server)`);
  console.log(`mach port stream:  ${median(port).toFixed(1)} MB/s (16 KB messages, the same two tasks)`);
  console.log(`ratio: ${(median(ours) / median(port)).toFixed(3)}`);
}
