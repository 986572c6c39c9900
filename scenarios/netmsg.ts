/**
 * Mach ports across hosts: the README's echo server on 161.25.19.8 and its client on
 * 146.86.5.20, the same two functions as on one host, through each host's NetMsgServer (a
 * task that forwards messages over UDP); every frame and packet shown; then a partition
 * turns the client's right into a dead name, with the notification and the codes.
 *
 *   npx tsx scenarios/netmsg.ts [--seed N] [--only summary|table|mermaid] [--trace]
 *
 * `--only table` prints the trace of part 2 as a table (`--trace`: every record), `--only
 * mermaid` its sequence diagram; the summary is the rest.
 */
import { parseArgs } from './args.ts';
import { renderTable } from '../trace/index.ts';
import { focus } from '../testing/index.ts';
import { codeName, type Kernel, type Sys } from '../index.ts';
import { netServer } from '../servers/net/index.ts';
import { netMsgServer } from '../servers/netmsg/index.ts';

const args = parseArgs(`The README's echo server on 161.25.19.8 and its client on 146.86.5.20, unchanged, through each host's
NetMsgServer (Mach ports across hosts); then a partition: a dead name, its notification, the codes.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null ? part === 'summary' : args.only === part;
const A = '146.86.5.20';
const B = '161.25.19.8';

// The README's first program, word for word: a server and a client that know nothing of hosts.
async function echo(sys: Sys) {
  const { name: port } = await sys.port_allocate('receive', 'echo');
  await sys.netname_check_in('echo', port!);          // publish a send right
  for (;;) {
    const r = await sys.msg_receive<string>(port!);
    if (!r.ok) return 1;
    await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: r.msg.body.toUpperCase() });
  }
}
async function client(sys: Sys) {
  const { port } = await sys.netname_look_up('echo', { wait: true });
  const r = await sys.msg_rpc<string>(port!, { id: 1, body: 'hello' });
  sys.log(r.ok ? r.msg.body : codeName(r.code));      // prints: t=0 client: HELLO
}

/** Two hosts, each with its network server and NetMsgServer; A imports B's 'echo'. */
function twoHosts(link: { latency: number; loss?: number; duplicate?: number; reorder?: number }, retries?: number): Kernel<Sys> {
  const k = args.boot({ hosts: [A, B] });
  k.network.link(A, B, link);
  k.host(B).spawn('netserver', netServer(), { daemon: true });
  k.host(B).spawn('netmsgserver', netMsgServer({ retries }), { daemon: true });
  k.spawn('netserver', netServer(), { daemon: true });
  k.spawn('netmsgserver', netMsgServer({ retries, import: [{ name: 'echo', from: B }] }), { daemon: true });
  return k;
}

/** Prints a summary line (unless another part is asked for). */
function say(...lines: string[]): void {
  if (show('summary')) for (const l of lines) console.log(l);
}

/** The log lines of a run: `t  host  task  text`, servers' and programs'. */
function logLines(k: Kernel<Sys>, only?: (task: string, t: number) => boolean): string[] {
  return k.trace.records
    .filter((r) => r.kind === 'log' && (!only || only(r.task, r.t)))
    .map((r) => `  t=${String(r.t).padEnd(5)} ${(r.host ?? A).padEnd(12)} ${r.task.padEnd(13)} ${r.detail}`);
}

/**
 * A Mermaid sequence diagram of a two-host run, read from the NetMsgServers' log records:
 * the tasks of each host, its NetMsgServer, and every frame between the servers (a dashed
 * arrow: sent again).
 */
function diagram(k: Kernel<Sys>): string {
  const side = (host: string | undefined) => (host === B ? 'B' : 'A');
  const out = ['sequenceDiagram', `    participant TA as tasks on ${A}`, `    participant NA as NetMsgServer ${A}`, `    participant NB as NetMsgServer ${B}`, `    participant TB as tasks on ${B}`];
  const esc = (t: string) => t.replace(/;/g, ',').replace(/#/g, '#35;'); // Mermaid: ';' ends a line, '#' starts an entity
  for (const r of k.trace.records) {
    if (r.kind !== 'log') continue;
    const h = side(r.host);
    const text = r.detail ?? '';
    if (r.task !== 'netmsgserver') {
      out.push(`    Note over T${h}: t=${r.t} ${r.task}: ${esc(text)}`);
      continue;
    }
    const frame = /^(→|↻) (\S+) #(\d+) (.*)$/.exec(text);
    if (frame) {
      const to = side(frame[2]);
      if (frame[1] === '→' && frame[4]!.startsWith('msg ')) out.push(`    T${h}->>N${h}: ${esc(frame[4]!.split(' (')[0]!)} (to a proxy)`);
      out.push(`    N${h}${frame[1] === '→' ? '-)' : '--)'}N${to}: t=${r.t} ${esc(`#${frame[3]} ${frame[4]}`)}`);
    } else if (text.startsWith('⇢')) out.push(`    N${h}->>T${h}: ${esc(text.slice(2))}`);
    else if (text.startsWith('✗')) out.push(`    Note over N${h}: ${esc(text)}`);
  }
  return out.join('\n');
}

function packets(k: Kernel<Sys>): void {
  say('  seq  sent  from         to           size  fate        arrives');
  for (const p of k.network.packets) {
    say(`  ${String(p.seq).padEnd(4)} ${String(p.t).padEnd(5)} ${p.from.padEnd(12)} ${p.to.padEnd(12)} ${String(p.size).padEnd(5)} ${p.fate.padEnd(11)} ${p.arrives ?? '-'}${p.copies === 2 ? ' (twice)' : ''}`);
  }
}

// 1. One host, as in the README.
{
  const k = args.boot();
  k.spawn('echo', echo, { daemon: true });
  k.spawn('client', client);
  const r = await k.run();
  say(`1. One host (the README's first program): run ${r.status} at t=${r.time}`);
  say(...logLines(k));
}

// 2. The same two functions on two hosts.
{
  const k = twoHosts({ latency: 10 });
  k.host(B).spawn('echo', echo, { daemon: true });
  k.spawn('client', client);
  const r = await k.run({ until: 10_000 });
  say(`\n2. The same echo on ${B}, the same client on ${A}, a 10 ms link: run ${r.status} at t=${r.time}`);
  say(`   (→ sent, ← received, ↻ sent again, ⇢ handed to the real port; keys name ports across hosts: host#n)`);
  say(...logLines(k));
  say(`\n   Every packet (UDP between the NetMsgServers, port 2453; the first finds no route: ${B}'s network server has not attached yet):`);
  packets(k);
  say(`   ps on ${B}: ${k.host(B).ps().map((p) => `${p.pid} ${p.name}`).join(', ')}`);
  if (show('table')) console.log(renderTable(args.fullTrace ? k.trace.records : focus(k.trace.records)));
  if (show('mermaid')) console.log(diagram(k));
}

// 3. A lossy link: the same result, with resends.
{
  const k = twoHosts({ latency: 10, loss: 0.25, duplicate: 0.2, reorder: 0.2 }, 12);
  k.host(B).spawn('echo', echo, { daemon: true });
  k.spawn('client', client);
  const r = await k.run({ until: 10_000 });
  const fates = k.network.packets.reduce<Record<string, number>>((m, p) => ((m[p.fate] = (m[p.fate] ?? 0) + 1), m), {});
  const resends = logLines(k).filter((l) => l.includes('↻')).length;
  say(`\n3. A lossy link (loss 25 %, duplicates 20 %, reordering 20 %, seed ${args.seed}): run ${r.status} at t=${r.time}`);
  say(`   packets: ${Object.entries(fates).map(([f, n]) => `${n} ${f}`).join(', ')}; frames sent again: ${resends}`);
  say(...logLines(k, (t) => t === 'client'));
}

// 4. A partition: the client's right becomes a dead name.
{
  const k = twoHosts({ latency: 10 });
  k.network.partition(A, B, { from: 300 });
  k.host(B).spawn('echo', echo, { daemon: true });
  k.spawn('watcher', async (sys) => {
    const { port } = await sys.netname_look_up('echo', { wait: true });
    await sys.port_request_notification(port!, 'dead-name');
    for (let i = 1; ; i++) {
      const r = await sys.msg_rpc<string>(port!, { id: 1, body: `ping ${i}` });
      if (!r.ok) return void sys.log(`call ${i}: ${codeName(r.code)}`);
      if (r.msg.notification) sys.log(`call ${i}: a '${r.msg.notification}' notification instead of the reply (the reply right was destroyed: sys.call says MIG_SERVER_DIED)`);
      else sys.log(`call ${i}: ${r.msg.body}`);
      const n = await sys.msg_receive<{ name: number }>(sys.notifyPort, { timeout: 0 });
      if (n.ok) {
        sys.log(`notification: ${n.msg.notification} for name ${n.msg.body.name} (the echo right); the name holds: ${(await sys.port_type(port!)).rights!.join(' ')}`);
        sys.log(`a send to it now: ${codeName(await sys.msg_send(port!, { id: 1, body: 'anyone?' }))}`);
        return;
      }
      await sys.sleep(100);
    }
  });
  const r = await k.run({ until: 10_000 });
  say(`\n4. The link is cut at t=300 for good: run ${r.status} at t=${r.time}`);
  say(`   (each NetMsgServer pings a peer it depends on after 100 ms of quiet, sends again every 40 ms, gives up after 5)`);
  say(...logLines(k, (task, t) => task === 'watcher' || t >= 280));
}
