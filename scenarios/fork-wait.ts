/**
 * fork, exec, wait and exit, and what happens when they are not called in the
 * expected order: a zombie (a child that ended before its parent waited), an
 * orphan (a child whose parent ended first, given to init), and cascading
 * termination (when a process ends, the kernel ends its descendants).
 *
 *   npx tsx scenarios/fork-wait.ts [--seed N] [--only mermaid|table|summary]
 */
import { focus, renderMermaid, renderTable, renderTree, renderTreeMermaid, type ProcRow, type Sys } from '../index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`fork, exec, wait and exit out of order: a zombie (a child that ended before its parent
waited), an orphan given to init, and cascading termination.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
const snapshots: { title: string; t: number; rows: ProcRow[] }[] = [];
const snap = async (sys: Sys, title: string) => {
  snapshots.push({ title, t: sys.now(), rows: (await sys.ps()).procs! });
};

// --- 1. A shell forks two commands; one ends at once and is a zombie until the shell waits. -------
const k = args.boot({ process: { init: true } });
k.install('/bin/date', async (sys) => {
  sys.log(`date: t=${sys.now()}`);
  return 0;
});
k.install('/bin/sleep', async (sys) => {
  await sys.sleep(Number(sys.args));
  return 0;
});

k.spawn('shell', async (sys) => {
  await sys.fork(async (child) => child.exec('/bin/date', { name: 'date' }), { name: 'date' });
  await sys.fork(async (child) => child.exec('/bin/sleep', { args: 30 + Math.floor(child.random() * 20), name: 'sleep' }), { name: 'sleep' });
  await sys.sleep(10);
  await snap(sys, 'the shell has not waited yet: date is a zombie');
  for (let i = 0; i < 2; i++) {
    const w = await sys.wait();
    sys.log(`reaped pid ${w.pid} (status ${w.status!.code}) at t=${sys.now()}`);
  }
  await snap(sys, 'after two waits: no children left');

  // --- 2. An orphan: the parent ends before its child; init adopts and reaps it. ---
  await sys.fork(async (parent) => {
    await parent.fork(async (child) => {
      await child.sleep(20);
      child.log('orphan ends');
    }, { name: 'orphan' });
    parent.log('parent ends without waiting');
  }, { name: 'parent' });
  await sys.sleep(5);
  await snap(sys, 'the orphan now belongs to init (pid 1)');
  await sys.wait();
  await sys.sleep(30);
});

const report = await k.run();

// --- 3. Cascading termination, in a kernel booted with it. ---------------------------------------
const kc = args.boot({ process: { cascade: true } });
let cascadeTree: ProcRow[] = [];
kc.spawn('server', async (sys) => {
  for (const w of ['worker-a', 'worker-b']) {
    await sys.fork(async (worker) => {
      await worker.fork(async (helper) => helper.sleep(1000), { name: `${w}.helper` });
      await worker.sleep(1000);
    }, { name: w });
  }
  await sys.sleep(10);
  cascadeTree = (await sys.ps()).procs!;
  sys.log('server exits: its whole tree goes with it');
});
const cascade = await kc.run();

if (show('summary')) {
  console.log(`fork / exec / wait / exit — seed ${args.seed}\n`);
  for (const s of snapshots) console.log(`t=${s.t} ${s.title}:\n${indent(renderTree(s.rows))}\n`);
  console.log('What the programs said:');
  for (const r of k.trace.records) if (r.kind === 'log') console.log(`  t=${r.t} ${r.task}(${r.pid}): ${r.detail}`);
  console.log(`\nRun: ${report.status} at t=${report.time}. Exit statuses: ${report.tasks.map((t) => `${t.name}(${t.pid})=${t.exit?.code ?? '-'}`).join(' ')}`);
  console.log(`\nCascading termination — the tree at t=10:\n${indent(renderTree(cascadeTree))}`);
  console.log(`After the server exits at t=${cascade.time}: ${cascade.tasks.map((t) => `${t.name} ${t.exit?.reason}`).join(', ')}`);
}
if (show('table')) {
  console.log('\nProcess events:');
  console.log(renderTable(k.trace.records, { kinds: ['spawn', 'exec', 'exit', 'zombie', 'orphan', 'reap', 'kill', 'log'] }));
}
if (show('mermaid')) {
  console.log('\nProcess tree (Mermaid):\n');
  console.log(renderTreeMermaid(snapshots[0]!.rows));
  console.log('\nSequence (Mermaid):\n');
  console.log(renderMermaid(focus(k.trace.records), { title: 'fork, exec, wait, exit' }));
}

function indent(s: string): string {
  return s.split('\n').map((l) => `  ${l}`).join('\n');
}
