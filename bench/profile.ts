/**
 * A workload of the benchmarks alone, for a CPU profile (not part of the suite):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts pingpong 200000
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts scale 10000
 *
 * Workloads: pingpong [round trips] (benchmark 1), machine [round trips] (2),
 * rpc [calls] (4), syscalls [pairs] (5), spawn [tasks] (6), scale [pairs] (8,
 * 10 round trips each), hosts [hosts] (bench/hosts.ts: 100,000 packets
 * in a ring of 100 hosts), timers [pending] (7: the kernel run's wall time),
 * trace [round trips] (9: benchmark 1 with records kept). Prints the steady state's time; the profile covers
 * the whole process (set-up included), so prefer large sizes.
 */
import { hostRing } from './hosts.ts';
import { timersRun } from './timers.ts';
import { machinePingPong } from './pingpong-machine.ts';
import { machPingPong, machRpc, machSyscalls, machTaskCreation } from './workloads.ts';

const [what = 'pingpong', size] = process.argv.slice(2);
const n = size ? Number(size) : undefined;
const runs: Record<string, () => Promise<number>> = {
  pingpong: () => machPingPong(1, n ?? 200_000),
  machine: () => machinePingPong(n ?? 20_000),
  rpc: () => machRpc(n ?? 200_000),
  syscalls: () => machSyscalls(n ?? 100_000),
  spawn: () => machTaskCreation(n ?? 20_000),
  scale: () => machPingPong(n ?? 10_000, 10),
  hosts: () => hostRing(n ?? 100, Math.round(100_000 / (n ?? 100))),
  timers: async () => (await timersRun(n ?? 200_000)).wallMs,
  trace: () => machPingPong(1, n ?? 200_000, true),
};
const run = runs[what];
if (!run) {
  process.stderr.write(`unknown workload ${what}; one of ${Object.keys(runs).join(', ')}\n`);
  process.exit(2);
}
const ms = await run();
process.stdout.write(`${what}: steady state ${ms.toFixed(0)} ms\n`);
