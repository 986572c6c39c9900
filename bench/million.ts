/**
 * Opt-in, not part of `npm run bench` (minutes and several GB): the two sizes issue 14 asks
 * to measure beyond the suite.
 *
 *   npx tsx bench/million.ts                    both parts: 1,000,000 idle tasks, then 100,000 pairs
 *   npx tsx bench/million.ts --tasks 200000     part 1 only, at another size
 *   npx tsx bench/million.ts --pairs 100000     part 2 only
 *
 * Part 1 (aim 2): N idle tasks alive at once in one process, each a daemon blocked forever in
 * `msg_receive` on a port it allocated (benchmark 6's workload, `machIdleTasks`). Prints the
 * wall time to spawn them and let every one block, the heap they hold (heapUsed after a full
 * GC, minus before), bytes per task and the process's RSS. The aim is under 8 GB at 1 M.
 *
 * Part 2 (aim 3): Mach ping-pong among N pairs at once, 10 round trips each (benchmark 8's
 * workload, `machPingPong`), µs per message against 1 pair doing the same number of messages.
 *
 * Both workloads check their own results (every task blocked / every body in order, exit
 * codes, no kernel bug) and throw otherwise. Like `bench/run.ts`, the script runs itself again
 * under `node --expose-gc --max-old-space-size=…` when the flags are missing.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';

const RESPAWNED = 'XMACH_MILLION_RESPAWNED';
/** 20 GB, or 7/8 of the machine's memory if that is less. */
const wantedHeapMb = Math.min(20 * 1024, Math.floor((os.totalmem() / 2 ** 20) * 0.875));

function respawnIfNeeded(): void {
  const haveGc = typeof globalThis.gc === 'function';
  if (haveGc && getHeapStatistics().heap_size_limit / 2 ** 20 >= wantedHeapMb * 0.9) return;
  if (process.env[RESPAWNED]) {
    if (!haveGc) throw new Error('bench/million: global.gc is still missing after re-spawning with --expose-gc');
    return;
  }
  const flags = ['--expose-gc', `--max-old-space-size=${wantedHeapMb}`];
  const r = spawnSync(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [RESPAWNED]: '1' },
  });
  if (r.error) throw r.error;
  process.exit(r.status ?? 1);
}

function heapUsed(): number {
  globalThis.gc!();
  globalThis.gc!();
  return process.memoryUsage().heapUsed;
}

const GB = 2 ** 30;

async function idleTasks(n: number): Promise<void> {
  const { machIdleTasks } = await import('./workloads.ts');
  const before = heapUsed();
  const t0 = performance.now();
  let k: unknown = await machIdleTasks(n);
  const ms = performance.now() - t0;
  const after = heapUsed();
  const rss = process.memoryUsage().rss;
  if (k === null) throw new Error('unreachable'); // keeps the kernel alive across the measurement
  k = null;
  const held = after - before;
  process.stdout.write(
    `${n.toLocaleString('en-US')} idle tasks alive at once: spawned and blocked in ${(ms / 1000).toFixed(1)} s ` +
      `(${((ms * 1000) / n).toFixed(1)} µs/task); heap held ${(held / GB).toFixed(2)} GB = ${Math.round(held / n).toLocaleString('en-US')} bytes/task; ` +
      `RSS ${(rss / GB).toFixed(2)} GB; aim < 8 GB: ${held < 8 * GB ? 'met' : 'NOT met'}\n`,
  );
}

async function pairs(n: number): Promise<void> {
  const { machPingPong } = await import('./workloads.ts');
  const each = 10;
  const total = n * each;
  const us = async (p: number): Promise<number> => {
    const ms = await machPingPong(p, Math.round(total / p));
    return (ms * 1000) / (2 * total);
  };
  await us(1); // warm-up
  const one = await us(1);
  const t0 = performance.now();
  const many = await us(n);
  const wall = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${n.toLocaleString('en-US')} pairs (${each} round trips each, ${total.toLocaleString('en-US')} in all): ${many.toFixed(2)} µs/msg ` +
      `against 1 pair ${one.toFixed(2)} µs/msg: ratio ${(many / one).toFixed(2)} (whole run with set-up ${wall.toFixed(0)} s)\n`,
  );
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} needs a whole number ≥ 1`);
  return v;
}

respawnIfNeeded();
const tasks = arg('--tasks');
const pairCount = arg('--pairs');
const both = tasks === undefined && pairCount === undefined;
if (tasks !== undefined || both) await idleTasks(tasks ?? 1_000_000);
if (pairCount !== undefined || both) await pairs(pairCount ?? 100_000);
