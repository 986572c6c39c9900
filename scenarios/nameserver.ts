/**
 * The name service as a server task, as it was in Mach: it dies and is restarted, and the system goes on.
 *
 * A host booted with `nameService: 'task'`: init (the supervisor) starts the name server, a
 * task in `ps` that holds the bootstrap port; a file server and a print server check in
 * (with `keepCheckedIn`, which watches the name server's own port for a dead-name
 * notification); clients look them up and call them. At t=30 the name server crashes: the
 * kernel takes the bootstrap port back with what is queued on it, a look-up the server was
 * keeping waiting gets MIG_SERVER_DIED, clients holding rights go on calling, a look-up made
 * while no name server runs waits on the bootstrap port; init restarts the name server at
 * t=40, the servers hear of the death and check in again, and the waiting look-up is answered.
 *
 *   npx tsx scenarios/nameserver.ts [--seed N] [--only summary|table|mermaid] [--trace]
 */
import { codeName, focus, KERN_SUCCESS, renderMermaid, renderTable, type Sys } from '../index.ts';
import { keepCheckedIn, nameServer } from '../servers/netname/index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`The name service as a server task: servers check in, clients look up, the name
server crashes and init restarts it, servers check in again, clients go on.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
const k = args.boot({ nameService: 'task' });
const CRASH_AT = 30;
const RESTART_AFTER = 10;
const READ = 1000;

/** init: starts the name server, and starts it again whenever it ends (a supervisor, as launchd or Mach's init). */
k.spawn('init', async (sys) => {
  for (let gen = 1; ; gen++) {
    const ns = await sys.fork(nameServer(), { name: 'netname', daemon: true, share: 'none' });
    sys.log(`started the name server (generation ${gen}), pid ${ns.pid}`);
    if (gen === 1) {
      // The fault: the first name server is killed at CRASH_AT (a crash, from outside).
      await sys.sleep(CRASH_AT);
      await sys.kill(ns.handle!, 'kill');
    }
    const w = await sys.wait(ns.pid);
    sys.log(`the name server ended (status ${w.status!.code}); restarting it in ${RESTART_AFTER} ms`);
    await sys.sleep(RESTART_AFTER);
  }
}, { daemon: true });

/** A server that answers READ with a line of text, checked in (and checked in again after a restart) under `name`. */
function server(name: string) {
  return async (sys: Sys) => {
    const { name: port } = await sys.port_allocate('receive', name);
    const codes = await keepCheckedIn(sys, [[name, port!]], { log: true });
    sys.log(`checked in '${name}': ${codeName(codes[0]!)}`);
    for (;;) {
      const r = await sys.msg_receive<{ what: string }>(port!);
      if (!r.ok) return 1;
      await sys.msg_send(r.msg.reply, { id: READ + 100, body: { code: KERN_SUCCESS, text: `${name}: ${r.msg.body.what} done` } });
    }
  };
}
k.spawn('fileserver', server('files'), { daemon: true });
k.spawn('printserver', server('printer'), { daemon: true });

/** A client that looked its server up before the crash and keeps calling it: the crash does not touch it. */
k.spawn('editor', async (sys) => {
  const { code, port } = await sys.netname_look_up('files', { wait: true });
  sys.log(`look_up files: ${codeName(code)}`);
  for (const t of [10, 35, 50]) {
    await sys.sleep(t - sys.now());
    const r = await sys.call(port!, READ, { what: `read /doc at t=${t}` });
    sys.log(r.code === KERN_SUCCESS ? String(r.text) : codeName(r.code));
  }
});

/** A client waiting in the name server for a name nobody checks in: the crash ends its wait. */
k.spawn('spooler', async (sys) => {
  await sys.sleep(20);
  const r = await sys.netname_look_up('plotter', { wait: true });
  sys.log(`look_up plotter (waiting inside the name server): ${codeName(r.code)}`);
});

/** A client that looks up while no name server runs: its request waits on the bootstrap port. */
k.spawn('shell', async (sys) => {
  await sys.sleep(CRASH_AT + 5);
  sys.log('look_up printer, with no name server running');
  const { code, port } = await sys.netname_look_up('printer', { wait: true });
  sys.log(`look_up printer: ${codeName(code)}`);
  const r = await sys.call(port!, READ, { what: 'print /doc' });
  sys.log(r.code === KERN_SUCCESS ? String(r.text) : codeName(r.code));
});

const report = await k.run({ until: 1000 });
if (show('summary')) {
  console.log(`The name service as a server task — seed ${args.seed}: run ${report.status} at t=${report.time}\n`);
  for (const r of k.trace.records) {
    if (r.kind === 'log') console.log(`  t=${String(r.t).padEnd(4)} ${r.task.padEnd(16)} ${r.detail}`);
    if (r.kind === 'exit' && r.task === 'netname') console.log(`  t=${String(r.t).padEnd(4)} ${'kernel'.padEnd(16)} pid ${r.pid} (netname) ended: ${r.detail}`);
  }
  console.log('\n  ps at the end:');
  for (const row of k.ps()) if (row.state !== 'terminated') console.log(`    ${String(row.pid).padStart(3)} ${row.name}`);
  const served = k.trace.records.filter((r) => r.kind === 'receive' && r.task === 'netname' && r.msgId !== undefined && r.msgId >= 400 && r.msgId <= 402).length;
  console.log(`\n  netname requests served by the name-server tasks: ${served}; by the kernel: ${k.trace.records.filter((r) => r.kind === 'syscall' && String(r.op).startsWith('netname_')).length}`);
}
const story = args.fullTrace ? k.trace.records : focus(k.trace.records);
if (show('table')) {
  console.log('\nTrace:');
  console.log(renderTable(story, { kinds: ['send', 'receive', 'port-death', 'notify', 'exit', 'log'] }));
}
if (show('mermaid')) console.log(`\n${renderMermaid(story, { title: 'the name server dies and is restarted', showSyscalls: args.fullTrace })}`);
