/**
 * A server crashes, and the system keeps going, the Mach way. A file server
 * answers clients with msg_rpc; one client asked for a dead-name notification
 * on the server's port; requests are queued when the server throws. Then:
 * the server's task ends with an error status, its port dies, the queued
 * requests are destroyed (their reply rights send send-once notifications,
 * which the clients' calls read as MIG_SERVER_DIED), the watcher hears
 * dead-name, and a restarted server checks in under the same name.
 *
 *   npx tsx scenarios/crash.ts [--seed N] [--trace] [--only mermaid|table|summary]
 */
import {
  audit,
  codeName,
  focus,
  KERN_SUCCESS,
  MACH_NOTIFY_DEAD_NAME,
  renderMermaid,
  renderTable,
  type Sys,
} from '../index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`A file server crashes: its port dies, queued requests are destroyed, clients see
MIG_SERVER_DIED, a watchdog hears dead-name and restarts it, and the retries succeed.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
// Round robin, so clients get the CPU while the server computes, and their requests queue up.
const k = args.boot({ sched: { policy: 'rr', quantum: 2 } });
const READ = 1000; // msgh_id of the read routine (reply: 1100)

/** A file server; the first one has a bug that crashes it on its `crashAt`-th request. */
function server(crashAt: number) {
  return async (sys: Sys) => {
    const { name: port } = await sys.port_allocate('receive', 'files');
    await sys.netname_check_in('files', port!);
    for (let n = 1; ; n++) {
      const r = await sys.msg_receive<{ path: string }>(port!);
      if (!r.ok) return 1;
      await sys.compute(5 + Math.floor(sys.random() * 5)); // reading the file
      if (n === crashAt) throw new Error(`segmentation fault reading ${r.msg.body.path}`);
      await sys.msg_send(r.msg.reply, { id: READ + 100, body: { code: KERN_SUCCESS, text: `contents of ${r.msg.body.path}` } });
    }
  };
}

k.spawn('fileserver', server(2), { daemon: true });

// The watchdog starts before the clients, so its dead-name request is in place before any crash.
k.spawn('watchdog', async (sys) => {
  const files = (await sys.netname_look_up('files', { wait: true })).port!;
  await sys.port_request_notification(files, 'dead-name');
  const n = await sys.msg_receive(sys.notifyPort);
  if (!n.ok || n.msg.id !== MACH_NOTIFY_DEAD_NAME) return 1;
  sys.log(`dead-name: the file server's port died at t=${sys.now()}; restarting it`);
  await sys.fork(server(0), { name: 'fileserver-2', share: 'none', daemon: true });
  return 0;
});

for (const [who, path] of [['editor', '/etc/motd'], ['compiler', '/src/main.c'], ['shell', '/home/.profile']] as const) {
  k.spawn(who, async (sys) => {
    let files = (await sys.netname_look_up('files', { wait: true })).port!;
    const first = await sys.call(files, READ, { path });
    sys.log(`${path}: ${first.code === KERN_SUCCESS ? first.text : codeName(first.code)}`);
    if (first.code !== KERN_SUCCESS) {
      // Ask again: the name service gives the new server's port once it has checked in.
      await sys.sleep(30);
      files = (await sys.netname_look_up('files', { wait: true })).port!;
      const again = await sys.call(files, READ, { path });
      sys.log(`retry ${path}: ${again.code === KERN_SUCCESS ? again.text : codeName(again.code)}`);
    }
  });
}

const report = await k.run();
if (show('summary')) {
  console.log(`A server crash — seed ${args.seed}: run ${report.status} at t=${report.time}\n`);
  for (const r of k.trace.records) if (r.kind === 'log') console.log(`  t=${r.t} ${r.task}: ${r.detail}`);
  const crashed = report.tasks.find((t) => t.name === 'fileserver')!;
  console.log(`\n  fileserver ended: ${crashed.exit?.reason} (${crashed.exit?.error})`);
  const c = report.counters;
  console.log(`  ${c.messagesDestroyed} queued request(s) destroyed, ${c.notifications} notifications sent`);
  console.log(`  the kernel's books balance: ${audit(k).problems.length === 0 ? 'yes' : audit(k).problems.join('; ')}`);
}
const story = args.fullTrace ? k.trace.records : focus(k.trace.records);
if (show('table')) {
  console.log('\nTrace:');
  console.log(renderTable(story, { kinds: ['send', 'receive', 'destroy', 'port-death', 'notify', 'exit', 'log'] }));
}
if (show('mermaid')) console.log(`\n${renderMermaid(story, { title: 'a server crash', showSyscalls: args.fullTrace })}`);
