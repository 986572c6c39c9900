/**
 * Mach's messaging beside the course's other models, on the same workloads:
 * ports named by rights (Mach), direct links named by pid (send(P) /
 * receive(Q)), and shared mailboxes the kernel owns (indirect communication).
 * Each workload is plain data (models/workloads.ts); each model runs it on a
 * kernel of its own with the same seed, and every figure comes from the
 * kernel's counters. "could not express" lists what a workload needs that a
 * model lacks (it ran with a workaround: a dealer picking workers, clients
 * told a restarted server's new pid).
 *
 *   npx tsx scenarios/mach-vs-direct.ts [--workload NAME] [--models mach,direct,mailbox] [--seed N]
 */
import './args.ts'; // a closed pipe (| head) ends the run quietly
import { compare, MODELS, renderComparison, WORKLOADS, type Workload } from '../index.ts';

const ABOUT = `Mach ports beside direct links (send(P)/receive(Q)) and shared mailboxes, on the same
workloads: messages, bytes, traps, kernel objects, switches, blocked time, what each cannot express.`;
const OPTIONS = 'options: --workload NAME   --models mach,direct,mailbox   --seed N   --help';

function usage(problem?: string): never {
  if (problem) console.error(problem);
  else console.log(ABOUT);
  (problem ? console.error : console.log)(OPTIONS);
  (problem ? console.error : console.log)(`workloads: ${Object.values(WORKLOADS).map((w) => w.name).join(', ')}`);
  process.exit(problem ? 2 : 0);
}

const argv = process.argv.slice(2);
let seed = 1;
let only: Workload[] = Object.values(WORKLOADS);
let models = ['mach', 'direct', 'mailbox'];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const value = () => argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--seed') {
    const n = Number(value());
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) usage('--seed needs an integer from 0 to 4294967295');
    seed = n;
  } else if (a === '--workload') {
    const name = value();
    const w = Object.values(WORKLOADS).find((x) => x.name === name);
    if (!w) usage(`no workload ${JSON.stringify(name)}`);
    only = [w];
  } else if (a === '--models') {
    models = value().split(',');
    for (const m of models) if (!(m in MODELS)) usage(`no model ${JSON.stringify(m)} (the models are ${Object.keys(MODELS).join(', ')})`);
  } else if (a === '--help' || a === '-h') usage();
  else usage(`unknown option ${a}`);
}

console.log(`Messaging models side by side — seed ${seed}`);
for (const m of models) console.log(`  ${m.padEnd(8)} ${MODELS[m]!.description}`);
for (const w of only) {
  console.log(`\n${w.name}: ${w.description}${w.capacity !== undefined ? ` (buffers of ${w.capacity})` : ''}\n`);
  console.log(renderComparison(await compare(w, { models, seed })));
}
