/**
 * Pipes (issue 10): bytes through a 64 KB pipe between two tasks, 4 KB writes,
 * the reader asking for up to 64 KB at a time, against a plain ring buffer of
 * 64 KB in the same process (the same 4 KB writes and 64 KB reads, no tasks,
 * no messages, no server). Every write is an io_write message to the pipe
 * server's port and every read an io_read, each with its reply: the bodies are
 * copied into the message, into the ring, and out again.
 *
 * The harness's rates are `ops/s`: here an op is one 4 KB write, so MB/s is
 * ops/s × 4096 / 10^6 (the suite's line shows both sides in writes/s; run this
 * file alone for MB/s: `npx tsx bench/pipe.ts`). Aim (issue 10): ≥ 100 MB/s of
 * wall-clock throughput through the pipe; the ratio to the ring is a reference.
 */
import { pathToFileURL } from 'node:url';
import { boot } from '../index.ts';
import { ByteRing, posix, startPosix } from '../servers/posix/index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { barrier, SteadyClock } from './workloads.ts';

const CHUNK = 4096;
const CAPACITY = 65536;

/** Checks a read of bytes that start `at` bytes into the stream: write k is filled with k & 255. */
function check(bytes: Uint8Array, at: number): void {
  const last = at + bytes.length - 1;
  if (bytes[0] !== (Math.floor(at / CHUNK) & 255) || bytes[bytes.length - 1] !== (Math.floor(last / CHUNK) & 255)) {
    throw new Error(`pipe bench: wrong bytes at ${at}`);
  }
}

/** The chunks the writer sends: write k is filled with k & 255 (256 arrays, made once). */
const CHUNKS = Array.from({ length: 256 }, (_, k) => new Uint8Array(CHUNK).fill(k));

/** `writes` 4 KB writes through a 64 KB pipe from a parent to its forked child. Returns the steady state's ms. */
export async function pipeThroughput(writes: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  startPosix(k);
  const clock = new SteadyClock(2);
  k.spawn('writer', async (sys) => {
    const io = await posix(sys);
    const { code, fds: [r, w] } = await io.pipe({ capacity: CAPACITY });
    if (code !== 0) return 1;
    await io.fork(async (child) => {
      await child.close(w);
      await barrier(child.sys);
      clock.start();
      let at = 0;
      for (;;) {
        const got = await child.read(r, CAPACITY);
        if (got.code !== 0) return 1;
        if (got.eof) break;
        check(got.bytes, at);
        at += got.bytes.length;
      }
      clock.end();
      return at === writes * CHUNK ? 0 : 1;
    }, { name: 'reader' });
    await io.close(r);
    await barrier(sys);
    clock.start();
    for (let i = 0; i < writes; i++) {
      const { code: c, n } = await io.write(w, CHUNKS[i & 255]!);
      if (c !== 0 || n !== CHUNK) return 1;
    }
    await io.close(w);
    clock.end();
    return (await sys.wait()).status?.code ?? 1;
  });
  const report = await k.run();
  // The servers are daemons, still serving: only the writer and the reader must have ended well.
  const bad = report.tasks.filter((t) => (t.name === 'writer' || t.name === 'reader') && t.exit?.code !== 0);
  if (report.status !== 'done' || bad.length > 0 || k.bugs.length > 0) throw new Error(`pipe bench: run ${report.status}, ${bad.map((t) => `${t.name} ${JSON.stringify(t.exit)}`).join(', ')}`);
  return clock.ms();
}

/** The same bytes through a ByteRing in one loop: 4 KB writes, a 64 KB read whenever the next write would not fit. Returns ms. */
export function ringThroughput(writes: number): number {
  const ring = new ByteRing(CAPACITY);
  const t0 = performance.now();
  let at = 0;
  const drain = (): void => {
    const bytes = ring.read(CAPACITY);
    check(bytes, at);
    at += bytes.length;
  };
  for (let i = 0; i < writes; i++) {
    if (ring.room < CHUNK) drain();
    ring.write(CHUNKS[i & 255]!);
  }
  while (ring.length > 0) drain();
  const ms = performance.now() - t0;
  if (at !== writes * CHUNK) throw new Error('ring bench: bytes lost');
  return ms;
}

/** MB/s of `writes` 4 KB writes in `ms`. */
export const mbPerSecond = (writes: number, ms: number): number => (writes * CHUNK) / 1e6 / (ms / 1000);

export default function pipe({ quick }: BenchContext): Benchmark {
  const writes = quick ? 4_000 : 16_000; // 16 MB, 64 MB
  return {
    name: 'pipe: 4 KB writes through a 64 KB pipe between two tasks vs a ring buffer in one process, writes/s (× 4 KB = bytes/s; higher is better)',
    unit: 'ops/s',
    run: async (info) => {
      const size = info?.warmup ? 2_000 : writes;
      return (size / (await pipeThroughput(size))) * 1000;
    },
    baseline: { name: 'ByteRing in one process, same writes and reads', run: async () => ((writes * 4) / ringThroughput(writes * 4)) * 1000 },
  };
}

// Run alone: MB/s of both sides, median of 5 rounds.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const writes = 16_000;
  await pipeThroughput(2_000);
  ringThroughput(writes);
  const ours: number[] = [];
  const ring: number[] = [];
  for (let i = 0; i < 5; i++) {
    ours.push(mbPerSecond(writes, await pipeThroughput(writes)));
    ring.push(mbPerSecond(writes * 4, ringThroughput(writes * 4)));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[2]!;
  console.log(`pipe: ${median(ours).toFixed(0)} MB/s (4 KB writes, 64 KB pipe, two tasks and the pipe server)`);
  console.log(`ring: ${median(ring).toFixed(0)} MB/s (ByteRing, one process)`);
  console.log(`ratio: ${(median(ours) / median(ring)).toFixed(3)}`);
}
