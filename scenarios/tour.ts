/**
 * The tour: one printer server with a small mailbox (qlimit 2) and four
 * clients, one per policy the course notes give for a full mailbox — wait
 * indefinitely, wait at most n ms, return immediately, temporarily cache a
 * message — then an RPC to ask the printer how many jobs it printed.
 *
 *   npx tsx scenarios/tour.ts [--seed N] [--trace] [--only mermaid|table|summary]
 *
 * Same seed, same output. The seed sets how long each job takes to print.
 */
import {
  codeName,
  focus,
  KERN_SUCCESS,
  MACH_NOTIFY_MSG_ACCEPTED,
  renderMermaid,
  renderTable,
  type SendOptions,
  type Sys,
} from '../index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`The tour: one printer with a small mailbox and four clients, one per full-mailbox policy
(wait, wait at most n ms, return at once, cache one message), then an RPC.`);
const k = args.boot();

const PRINT = 1; // msgh_id of a print job
const STATUS = 2; // msgh_id of the status routine (reply id 102)

interface Row {
  client: string;
  policy: string;
  job: string;
  sentAt: number;
  returnedAt: number;
  code: string;
}
const rows: Row[] = [];

// The printer: takes a job, prints it for 40–80 ms (seeded), repeats. Answers STATUS calls.
k.spawn(
  'printer',
  async (sys) => {
    const { name: spool } = await sys.port_allocate('receive', 'spool');
    await sys.port_set_qlimit(spool!, 2);
    await sys.netname_check_in('printer', spool!);
    let printed = 0;
    for (;;) {
      const r = await sys.msg_receive<string>(spool!);
      if (!r.ok) return 1;
      if (r.msg.id === STATUS) {
        await sys.msg_send(r.msg.reply, { id: STATUS + 100, body: { code: KERN_SUCCESS, printed } });
        continue;
      }
      sys.log(`printing ${r.msg.body}`);
      await sys.sleep(40 + Math.floor(sys.random() * 41));
      printed++;
    }
  },
  { daemon: true },
);

/** A client that sends jobs with one policy and records what each send returned. */
function client(name: string, policy: string, opts: SendOptions, jobs: string[], startAt: number) {
  return async (sys: Sys) => {
    const printer = (await sys.netname_look_up('printer', { wait: true })).port!;
    await sys.sleep(startAt);
    for (const job of jobs) {
      const sentAt = sys.now();
      const code = await sys.msg_send(printer, { id: PRINT, body: job }, opts);
      rows.push({ client: name, policy, job, sentAt, returnedAt: sys.now(), code: codeName(code) });
    }
    if (policy.startsWith('cache')) {
      // The cached job is in the queue past its limit; the kernel says when it is taken.
      const n = await sys.msg_receive(sys.notifyPort);
      if (n.ok && n.msg.id === MACH_NOTIFY_MSG_ACCEPTED) sys.log(`msg-accepted at t=${sys.now()}`);
    }
  };
}

k.spawn('patient', client('patient', 'wait', {}, ['p1', 'p2', 'p3', 'p4'], 0));
k.spawn('hasty', client('hasty', 'timeout 30 ms', { timeout: 30 }, ['h1', 'h2'], 1));
k.spawn('impatient', client('impatient', 'return', { policy: 'return' }, ['i1'], 2));
k.spawn('cacher', client('cacher', 'cache', { policy: 'cache' }, ['c1', 'c2'], 3));

// An RPC once the rush is over: msg_rpc sends the request and waits for the reply in one trap.
k.spawn('auditor', async (sys) => {
  const printer = (await sys.netname_look_up('printer', { wait: true })).port!;
  await sys.sleep(400);
  const r = await sys.call(printer, STATUS, {});
  sys.log(`printer says ${r.code === KERN_SUCCESS ? `${r.printed} jobs printed` : codeName(r.code)}`);
});

const report = await k.run();

const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
if (show('summary')) {
  console.log(`xmach tour — seed ${args.seed}: run ${report.status} at t=${report.time} ms\n`);
  console.log('What each send returned (printer mailbox: qlimit 2):');
  const w = { client: 10, policy: 14, job: 4, sent: 8, ret: 8 };
  console.log(`  ${'client'.padEnd(w.client)}${'policy'.padEnd(w.policy)}${'job'.padEnd(w.job)} ${'sent'.padStart(w.sent)} ${'returned'.padStart(w.ret)}  code`);
  for (const r of rows) {
    console.log(
      `  ${r.client.padEnd(w.client)}${r.policy.padEnd(w.policy)}${r.job.padEnd(w.job)} ${`t=${r.sentAt}`.padStart(w.sent)} ${`t=${r.returnedAt}`.padStart(w.ret)}  ${r.code}`,
    );
  }
  console.log('\nWhat the programs said:');
  for (const rec of k.trace.records) if (rec.kind === 'log') console.log(`  t=${rec.t} ${rec.task}: ${rec.detail}`);
  const c = report.counters;
  console.log(
    `\nCounters: ${c.messagesSent} messages sent, ${c.messagesReceived} received, ${c.traps} traps, ${c.syscalls} system calls served, ` +
      `${c.notifications} notifications, ${c.contextSwitches} context switches, ${c.timeouts} timeouts, ${c.bytesCopied} bytes copied\n`,
  );
}
// The story without system-call chatter and sleeps (--trace keeps everything).
const story = args.fullTrace ? k.trace.records : focus(k.trace.records);
if (show('table')) {
  console.log(args.fullTrace ? 'Trace:' : 'Trace of the messages (--trace for every kernel event):');
  console.log(renderTable(story, args.fullTrace ? {} : { kinds: ['send', 'cache', 'receive', 'block', 'wake', 'timeout', 'notify', 'log'] }));
}
if (show('mermaid')) {
  console.log('\nSequence diagram (paste into any Mermaid viewer):\n');
  console.log(renderMermaid(story, { title: `xmach tour, seed ${args.seed}`, showSyscalls: args.fullTrace }));
}
