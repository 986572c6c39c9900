/**
 * Mach ports across hosts: the README's echo server on 161.25.19.8 and its client on
 * 146.86.5.20, the same two functions as on one host, through each host's NetMsgServer (a
 * task that forwards messages over UDP); every frame and packet shown; then a partition
 * turns the client's right into a dead name, with the notification and the codes.
 *
 *   npx tsx scenarios/netmsg.ts [--seed N] [--trace]
 */
import { parseArgs } from './args.ts';
import { codeName, type Kernel, type Sys } from '../index.ts';
import { netServer } from '../servers/net/index.ts';
import { netMsgServer } from '../servers/netmsg/index.ts';

const args = parseArgs(`The README's echo server on 161.25.19.8 and its client on 146.86.5.20, unchanged, through each host's
NetMsgServer (Mach ports across hosts); then a partition: a dead name, its notification, the codes.`);
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

/** The log lines of a run: `t  host  task  text`, servers' and programs'. */
function logLines(k: Kernel<Sys>, only?: (task: string, t: number) => boolean): string[] {
  return k.trace.records
    .filter((r) => r.kind === 'log' && (!only || only(r.task, r.t)))
    .map((r) => `  t=${String(r.t).padEnd(5)} ${(r.host ?? A).padEnd(12)} ${r.task.padEnd(13)} ${r.detail}`);
}

function packets(k: Kernel<Sys>): void {
  console.log('  seq  sent  from         to           size  fate        arrives');
  for (const p of k.network.packets) {
    console.log(`  ${String(p.seq).padEnd(4)} ${String(p.t).padEnd(5)} ${p.from.padEnd(12)} ${p.to.padEnd(12)} ${String(p.size).padEnd(5)} ${p.fate.padEnd(11)} ${p.arrives ?? '-'}${p.copies === 2 ? ' (twice)' : ''}`);
  }
}

// 1. One host, as in the README.
{
  const k = args.boot();
  k.spawn('echo', echo, { daemon: true });
  k.spawn('client', client);
  const r = await k.run();
  console.log(`1. One host (the README's first program): run ${r.status} at t=${r.time}`);
  for (const l of logLines(k)) console.log(l);
}

// 2. The same two functions on two hosts.
{
  const k = twoHosts({ latency: 10 });
  k.host(B).spawn('echo', echo, { daemon: true });
  k.spawn('client', client);
  const r = await k.run({ until: 10_000 });
  console.log(`\n2. The same echo on ${B}, the same client on ${A}, a 10 ms link: run ${r.status} at t=${r.time}`);
  console.log(`   (→ sent, ← received, ↻ sent again, ⇢ handed to the real port; keys name ports across hosts: host#n)`);
  for (const l of logLines(k)) console.log(l);
  console.log(`\n   Every packet (UDP between the NetMsgServers, port 2453; the first finds no route: ${B}'s network server has not attached yet):`);
  packets(k);
  console.log(`   ps on ${B}: ${k.host(B).ps().map((p) => `${p.pid} ${p.name}`).join(', ')}`);
}

// 3. A lossy link: the same result, with resends.
{
  const k = twoHosts({ latency: 10, loss: 0.25, duplicate: 0.2, reorder: 0.2 }, 12);
  k.host(B).spawn('echo', echo, { daemon: true });
  k.spawn('client', client);
  const r = await k.run({ until: 10_000 });
  const fates = k.network.packets.reduce<Record<string, number>>((m, p) => ((m[p.fate] = (m[p.fate] ?? 0) + 1), m), {});
  const resends = logLines(k).filter((l) => l.includes('↻')).length;
  console.log(`\n3. A lossy link (loss 25 %, duplicates 20 %, reordering 20 %, seed ${args.seed}): run ${r.status} at t=${r.time}`);
  console.log(`   packets: ${Object.entries(fates).map(([f, n]) => `${n} ${f}`).join(', ')}; frames sent again: ${resends}`);
  for (const l of logLines(k, (t) => t === 'client')) console.log(l);
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
  console.log(`\n4. The link is cut at t=300 for good: run ${r.status} at t=${r.time}`);
  console.log(`   (each NetMsgServer pings a peer it depends on after 100 ms of quiet, sends again every 40 ms, gives up after 5)`);
  for (const l of logLines(k, (task, t) => task === 'watcher' || t >= 280)) console.log(l);
}
