/**
 * The course's pipes, served the microkernel way: a pipe server task holds
 * every pipe end as a port, and a descriptor is a send right to one. Three runs:
 *
 * 1. Parent and child: the parent makes a pipe and forks; the child closes the
 *    write end and reads, the parent closes the read end and writes; when the
 *    parent closes its write end, the child reads end of file.
 * 2. A pipeline, `producer | consumer`: a shell makes a pipe, forks twice; one
 *    child puts the write end on fd 1 (dup2) and execs /bin/producer, the other
 *    the read end on fd 0 and execs /bin/consumer (it counts lines, as `wc -l`).
 * 3. The same pipeline, with the shell forgetting to close its write end: the
 *    consumer never sees end of file (a write end is still open: the shell's), the
 *    shell waits for it, and the run ends in a deadlock, whose report names the call
 *    each process is in (`read(fd 0)`, `wait(pid 7)`).
 *
 * What processes write to fds 1 and 2 goes to the console (the pipe server keeps
 * it); the producer works a seeded while on each line, so seeds change the timing.
 *
 *   npx tsx scenarios/pipe.ts [--seed N] [--trace] [--only mermaid|table|summary]
 */
import { focus, renderMermaid, renderTable, type Kernel, type RunReport, type Sys, type TraceRecord } from '../index.ts';
import { IO, PIPE } from '../servers/pipe/index.ts';
import { posix, startPosix, type PipeServerHandle, type Posix } from '../servers/posix/index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`Pipes on a pipe server: parent to child (each closes the end it does not use), a pipeline
producer | consumer with dup2 and exec, and a forgotten close that leaves the reader waiting forever.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;

/** "fd 0 console in, fd 3 pipe 1 read end, …": what a process's descriptors are. */
function fds(io: Posix): string {
  return io.table.open().map((fd) => `${fd} ${io.table.desc(fd)!.label}`).join(', ');
}

/** 1 to 3 ms of the producer's work on a line, from the seeded generator. */
const work = (sys: Sys): Promise<void> => sys.compute(1 + Math.floor(sys.random() * 3));

// --- 1. parent and child ----------------------------------------------------------------
async function parentAndChild(): Promise<{ k: Kernel<Sys>; report: RunReport; pipes: PipeServerHandle }> {
  const k = args.boot({ sched: { policy: 'rr', quantum: 2 } });
  const { pipes } = startPosix(k);
  k.spawn('parent', async (sys) => {
    const io = await posix(sys);
    const { fds: [r, w] } = await io.pipe();
    await io.write(1, `parent: pipe() gave fd ${r} (read end) and fd ${w} (write end)\n`);
    const child = await io.fork(async (c) => {
      await c.close(w); // the child only reads: it closes the write end
      await c.write(1, `child: my descriptors: ${fds(c)}\n`);
      for (;;) {
        const got = await c.read(r, 64);
        if (got.eof) break;
        await c.write(1, `child: read "${got.text}" (${got.bytes.length} bytes)\n`);
      }
      await c.write(1, 'child: end of file: every write end is closed\n');
      await c.close(r);
    }, { name: 'child' });
    await io.close(r); // the parent only writes: it closes the read end
    await io.write(1, `parent: my descriptors: ${fds(io)}\n`);
    for (const part of ['Greetings', ' from', ' your parent']) {
      await work(sys);
      await io.write(w, part);
    }
    await io.close(w);
    await sys.wait(child.pid);
    await io.write(1, 'parent: the child has ended\n');
  });
  return { k, report: await k.run(), pipes };
}

// --- 2 and 3. a pipeline, with or without the shell's close ------------------------------
async function pipeline(forget: boolean): Promise<{ k: Kernel<Sys>; report: RunReport; pipes: PipeServerHandle }> {
  const k = args.boot({ sched: { policy: 'rr', quantum: 2 } });
  const { pipes } = startPosix(k);
  k.install('/bin/producer', async (sys: Sys) => {
    const io = await posix(sys);
    for (let i = 1; i <= 4; i++) {
      await work(sys);
      await io.write(1, `line ${i}\n`);
    }
  });
  k.install('/bin/consumer', async (sys: Sys) => {
    const io = await posix(sys);
    const { text } = await io.readAll(0); // until end of file
    const lines = text.split('\n').filter((l) => l !== '').length;
    await io.write(2, `consumer: ${lines} lines, ${text.length} bytes, then end of file\n`);
  });
  k.spawn('shell', async (sys) => {
    const io = await posix(sys);
    const { fds: [r, w] } = await io.pipe();
    const producer = await io.fork(async (c) => {
      await c.dup2(w, 1); // stdout into the pipe
      await c.close(r);
      await c.close(w);
      await c.exec('/bin/producer', { name: 'producer' });
    }, { name: 'producer' });
    const consumer = await io.fork(async (c) => {
      await c.dup2(r, 0); // stdin from the pipe
      await c.close(r);
      await c.close(w);
      await c.exec('/bin/consumer', { name: 'consumer' });
    }, { name: 'consumer' });
    await io.close(r);
    if (!forget) await io.close(w);
    else await io.write(2, `shell: (forgot close(fd ${w}): fds ${fds(io)})\n`);
    await sys.wait(producer.pid);
    await sys.wait(consumer.pid);
    await io.write(2, 'shell: producer | consumer done\n');
  });
  return { k, report: await k.run(), pipes };
}

function summary(title: string, run: { k: Kernel<Sys>; report: RunReport; pipes: PipeServerHandle }): void {
  const { k, report, pipes } = run;
  console.log(`${title} — seed ${args.seed}: run ${report.status} at t=${report.time}`);
  for (const line of pipes.console.text().trimEnd().split('\n')) console.log(`  | ${line}`);
  if (report.status === 'deadlock') {
    console.log('  deadlock: who waits on what (report.deadlock)');
    for (const d of report.deadlock) console.log(`    ${d.name}(${d.pid}): ${d.waitsOn}`);
    console.log('  the pipe server (pipes.status()):');
    for (const line of pipes.status()) console.log(`    ${line}`);
    console.log('  ps:');
    for (const p of k.ps()) console.log(`    ${String(p.pid).padStart(3)} ${p.stat} ${p.name}`);
  }
}

const runs = [
  ['1. A pipe from parent to child', await parentAndChild()],
  ['2. A pipeline: producer | consumer', await pipeline(false)],
  ['3. The same pipeline, the shell forgetting to close its write end', await pipeline(true)],
] as const;

if (show('summary')) {
  for (const [title, run] of runs) {
    summary(title, run);
    console.log('');
  }
  const reader = runs[2][1].report.deadlock.find((d) => d.name === 'consumer');
  const call = /\((read\(fd \d+\)[^)]*)\)/.exec(reader?.waitsOn ?? '')?.[1] ?? 'read';
  console.log(`Why run 3 never ends: the consumer is blocked in ${call}, and the pipe is empty. End of file
comes only once every send right to the write end is gone, wherever it is; the shell still holds one (its fd 4,
never closed) while it waits for the consumer to end. Neither can move: a deadlock.`);
}
const story = (k: Kernel<Sys>) => (args.fullTrace ? k.trace.records : focus(k.trace.records));
/** The records without the console's traffic (writes to fds 1 and 2 and their replies). */
const pipeOnly = (records: readonly TraceRecord[]) => records.filter((r) => !/^console|^write\(fd [12]\)/.test(r.portLabel ?? ''));
if (show('table')) {
  console.log('\nTrace of run 1 (the pipe\'s messages, its no-senders notifications, exits; console writes left out):');
  console.log(renderTable(pipeOnly(story(runs[0][1].k)), { kinds: ['send', 'receive', 'notify', 'exit'] }));
  const ids = [IO.io_write, IO.io_read, PIPE.pipe_create, PIPE.console_open].map((r) => `${r.id} ${r.name}`).join(', ');
  console.log(`ids: ${ids}; a reply is the id + 100; no-senders: the last send right to an end went away (a close)`);
}
if (show('mermaid')) console.log(`\n${renderMermaid(pipeOnly(story(runs[0][1].k)), { title: 'a pipe from parent to child', showSyscalls: args.fullTrace })}`);
