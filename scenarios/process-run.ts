/**
 * OSTEP's process-run.py homework ("The Abstraction: The Process") on xmach
 * tasks: a CPU instruction is a 1 ms compute burst, an I/O a blocking wait of
 * the I/O length; the per-tick table (1 tick = 1 ms of virtual time) is read
 * back from the kernel's trace. Without -c it prints the processes and asks.
 *
 *   npx tsx scenarios/process-run.ts -l 4:100,1:0 -c -p
 *   npx tsx scenarios/process-run.ts -P c,c,io,c:c4 -S SWITCH_ON_END -I IO_RUN_IMMEDIATE -L 3 -c
 *
 * -L is the I/O length, as in process-run.py; explicit programs are -P (its
 * flag too). How the rules map onto xmach's schedulers, and where xmach's
 * choices show, is in scenarios/homework/process-run.ts (`processRun`).
 */
import './args.ts'; // a closed pipe (| head) ends the run quietly
import { runScript } from './homework/cli.ts';
import { PROCESS_RUN_ABOUT, PROCESS_RUN_FLAGS, processRun, processRunOptions } from './homework/process-run.ts';

await runScript('process-run', PROCESS_RUN_FLAGS, PROCESS_RUN_ABOUT, process.argv.slice(2), (p) => processRun(processRunOptions(p)));
