/**
 * The five process states, watched: a mix of CPU-bound tasks (long bursts) and
 * I/O-bound tasks (short bursts between waits for messages), run under each
 * scheduling policy — first come first served, round robin, preemptive
 * priority — on the same workload. Tasks are spawned at t=0 and arrive (are
 * admitted) at their arrival times, so each is *new* until then. Prints a
 * chart of all five states per policy, the figures a course compares
 * (turnaround, time ready, time waiting, CPU utilisation, context switches),
 * and each arrow of the course's diagram counted per task (admitted,
 * scheduler dispatch, interrupt, I/O or event wait, I/O or event completion,
 * exit), also as a Mermaid stateDiagram with the counts on the arrows.
 *
 *   npx tsx scenarios/process-states.ts [--seed N] [--only mermaid|table|summary]
 *
 * --only table: the state charts; summary: the figures and the arrow counts;
 * mermaid: a Gantt and the state diagram per policy.
 */
import {
  Random,
  renderArrowTable,
  renderMermaidGantt,
  renderStateChart,
  renderStateDiagram,
  schedStats,
  stateArrows,
  totalArrows,
  type SchedOptions,
  type Sys,
} from '../index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`The five process states (new, ready, running, waiting, terminated) on CPU- and I/O-bound tasks
under FCFS, round robin and priority: state charts, turnaround, the diagram's arrows counted per task.`);

/** The workload, drawn once from the seed so every policy runs the same one. */
interface Job {
  name: string;
  kind: 'cpu' | 'io';
  at: number;
  priority: number;
  bursts: number[];
}
const rnd = new Random(args.seed);
const jobs: Job[] = [
  { name: 'compiler', kind: 'cpu', at: 0, priority: 3, bursts: [rnd.int(18, 30)] },
  { name: 'editor', kind: 'io', at: rnd.int(0, 4), priority: 1, bursts: [2, 1, 2, 1] },
  { name: 'render', kind: 'cpu', at: rnd.int(2, 8), priority: 2, bursts: [rnd.int(10, 16)] },
  { name: 'shell', kind: 'io', at: rnd.int(4, 10), priority: 0, bursts: [1, 1, 1] },
];

/** An I/O-bound job computes briefly, then waits for a message (its "device") that never comes before 6 ms. */
function program(job: Job) {
  return async (sys: Sys) => {
    const { name: device } = await sys.port_allocate('receive', `${job.name}.device`);
    for (const b of job.bursts) {
      await sys.compute(b);
      if (job.kind === 'io') await sys.msg_receive(device!, { timeout: 6 });
    }
  };
}

const policies: [string, SchedOptions][] = [
  ['FCFS', { policy: 'fcfs' }],
  ['Round robin (quantum 4 ms, switch cost 1 ms)', { policy: 'rr', quantum: 4, switchCost: 1 }],
  ['Preemptive priority (lower number first)', { policy: 'priority' }],
];

const indent = (text: string) => text.replace(/^/gm, '    ');
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
if (show('summary')) {
  console.log(`Process states — seed ${args.seed}. Jobs (arrival, priority, bursts in ms):`);
  for (const j of jobs) console.log(`  ${j.name.padEnd(9)} ${j.kind.padEnd(4)} at ${String(j.at).padStart(2)}  prio ${j.priority}  bursts ${j.bursts.join(', ')}`);
}

for (const [title, sched] of policies) {
  const k = args.boot({ sched });
  for (const j of jobs) k.spawn(j.name, program(j), { at: j.at, priority: j.priority });
  const report = await k.run();
  const stats = schedStats(k.trace.records);
  if (show('table')) {
    console.log(`\n== ${title}: done at t=${report.time} ms ==`);
    console.log(renderStateChart(k.trace.records, { scale: 1 }));
  }
  if (show('summary')) {
    if (!show('table')) console.log(`\n== ${title}: done at t=${report.time} ms ==`);
    console.log(`  ${'task'.padEnd(9)} ${'turnaround'.padStart(10)} ${'ready'.padStart(6)} ${'waiting'.padStart(8)} ${'running'.padStart(8)} ${'response'.padStart(9)}`);
    for (const s of stats) {
      console.log(
        `  ${s.task.padEnd(9)} ${String(s.turnaround).padStart(10)} ${String(s.readyTime).padStart(6)} ${String(s.waitTime).padStart(8)} ${String(s.runTime).padStart(8)} ${String(s.response).padStart(9)}`,
      );
    }
    const avg = (f: (s: (typeof stats)[number]) => number) => (stats.reduce((n, s) => n + f(s), 0) / stats.length).toFixed(1);
    const c = report.counters;
    console.log(
      `  average turnaround ${avg((s) => s.turnaround ?? 0)} ms, average ready ${avg((s) => s.readyTime)} ms; ` +
        `CPU utilisation ${((100 * c.cpuTime) / report.time).toFixed(0)}%, ${c.contextSwitches} context switches, ${c.switchTime} ms switching`,
    );
    console.log(`  arrows of the diagram taken, per task:`);
    console.log(indent(renderArrowTable(stateArrows(k.trace.records))));
  }
  if (show('mermaid')) {
    console.log(`\n${renderMermaidGantt(k.trace.records, { title })}`);
    console.log(`\n${renderStateDiagram(totalArrows(stateArrows(k.trace.records)), { title: `${title}: arrows taken, all tasks` })}`);
  }
}
