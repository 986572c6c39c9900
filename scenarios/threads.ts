/**
 * Threads versus processes. A task with three threads shares one name space
 * and one memory: the threads add to the same counter and send on the same
 * port name. Forked processes get a copy of the memory instead: their
 * additions never reach the parent. Each thread is scheduled on its own
 * (round robin here, on two CPUs), and the task ends with its last thread.
 *
 *   npx tsx scenarios/threads.ts [--seed N] [--only mermaid|table|summary]
 */
import { cpuTimeline, renderGantt, renderMermaidGantt, type Sys } from '../index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`Threads share their task's memory and ports; forked processes copy them: a counter
incremented by three threads, and the same by three child processes.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;

const k = args.boot({ sched: { policy: 'rr', quantum: 3, cpus: 2 } });
const results: string[] = [];

k.spawn('threaded', async (sys) => {
  const memory = { counter: 0 };
  const { name: done } = await sys.port_allocate('receive', 'done');
  for (let i = 0; i < 3; i++) {
    const work = 4 + Math.floor(sys.random() * 6);
    await sys.thread_create(async (t: Sys, mem: { counter: number }) => {
      await t.compute(work);
      mem.counter += 10; // the same object in every thread
      await t.msg_send(done!, { body: `thread ${t.pid} computed ${work} ms` }); // the same name in every thread
    }, memory);
  }
  for (let i = 0; i < 3; i++) {
    const r = await sys.msg_receive<string>(done!);
    if (r.ok) results.push(`threaded got: ${r.msg.body}`);
  }
  const ps = (await sys.ps()).procs!.find((p) => p.pid === sys.pid)!;
  results.push(`threads share memory: counter = ${memory.counter} (3 threads × 10); ps shows ${ps.threads} thread(s) left`);
});

k.spawn('forking', async (sys) => {
  const memory = { counter: 0 };
  for (let i = 0; i < 3; i++) {
    await sys.fork(async (child: Sys, mem: { counter: number }) => {
      await child.compute(3);
      mem.counter += 10; // a copy: the parent never sees it
    }, { data: memory, name: `forking.child${i}` });
  }
  for (let i = 0; i < 3; i++) await sys.wait();
  results.push(`processes copy memory: counter = ${memory.counter} in the parent after 3 children added 10 each`);
});

const report = await k.run();
if (show('summary')) {
  console.log(`Threads and processes — seed ${args.seed}: done at t=${report.time} ms on 2 CPUs\n`);
  for (const r of results) console.log(`  ${r}`);
  console.log('\nWho ran where:');
  for (const line of cpuTimeline(k.trace.records)) console.log(`  ${line}`);
}
if (show('table')) console.log(`\n${renderGantt(k.trace.records, { scale: 1 })}`);
if (show('mermaid')) console.log(`\n${renderMermaidGantt(k.trace.records, { title: 'threads and processes' })}`);
