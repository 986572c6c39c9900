/**
 * `npm run bench`: runs the benchmarks of issue 4 (see bench/README.md).
 *
 *   npm run bench                          every benchmark, readable lines
 *   npm run --silent bench -- --json       one JSON object per line on stdout
 *   npm run bench -- --filter pingpong     the benchmarks whose name contains "pingpong"
 *   npm run bench -- --quick               fewer rounds, smaller sizes
 *
 * The memory benchmark needs `global.gc` and a heap of several GB (100,000
 * tasks): when either is missing this script runs itself again under
 * `node --expose-gc --max-old-space-size=…`, with the same arguments.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';

const RESPAWNED = 'XMACH_BENCH_RESPAWNED';
/** Heap the benchmarks want (MB): 12 GB, or 3/4 of the machine's memory if that is less. */
const wantedHeapMb = Math.min(12 * 1024, Math.floor((os.totalmem() / 2 ** 20) * 0.75));

function respawnIfNeeded(): void {
  const haveGc = typeof globalThis.gc === 'function';
  const heapMb = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (haveGc && heapMb >= wantedHeapMb * 0.9) return;
  if (process.env[RESPAWNED]) {
    if (!haveGc) {
      process.stderr.write('bench: global.gc is still missing after re-spawning with --expose-gc\n');
      process.exit(2);
    }
    return; // a smaller heap than wished: go on (the memory benchmark may run out on a small machine)
  }
  const flags = haveGc ? [] : ['--expose-gc'];
  const userHeap = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('max-old-space-size'));
  if (!userHeap) flags.push(`--max-old-space-size=${wantedHeapMb}`);
  const r = spawnSync(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [RESPAWNED]: '1' },
  });
  if (r.error) throw r.error;
  process.exit(r.status ?? 1);
}

async function main(): Promise<void> {
  const { parseArgs, runAll, USAGE } = await import('./harness.ts');
  const { benchmarks } = await import('./suite.ts');
  const { machineLine } = await import('./machine.ts');
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const all = benchmarks({ quick: o.quick });
  if (o.list) {
    for (const b of all) process.stdout.write(b.name + '\n');
    return;
  }
  if (!o.json) {
    process.stdout.write(`xmach benchmarks${o.quick ? ' (--quick)' : ''}: ${machineLine()}, ${new Date().toISOString()}\n`);
    process.stdout.write('ratio = ours / baseline, medians of interleaved rounds; rates (ops/s): higher is better; costs: lower is better.\n');
    process.stdout.write('(10, direct model vs Mach model, waits for the messaging-models feature.)\n\n');
  }
  const t0 = performance.now();
  await runAll(all, o);
  if (!o.json) process.stdout.write(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}

respawnIfNeeded();
await main();
