/**
 * Three hosts on one wire, and every view of the run grouped by host. 146.86.5.20 and
 * 10.0.0.3 send datagrams to a UDP echo server on 161.25.19.8 (port 7007) through their
 * network servers; the link from the first loses 30 % of its packets, the one between
 * the two clients is cut. The table has a section per host, the sequence diagram a box per
 * host with packets as arrows between the network servers (crossed when lost), the Gantt
 * chart a section per host.
 *
 *   npx tsx scenarios/hosts.ts [--seed N] [--trace] [--only mermaid|table|summary]
 */
import { focus, renderGantt, renderMermaid, renderTable, type Sys } from '../index.ts';
import { AF_INET, SOCK_DGRAM, netServer, sockets } from '../servers/net/index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`Three hosts on one wire: UDP to an echo server over a lossy link and a cut one,
then the run's table, sequence diagram and Gantt chart grouped by host.`);
const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;

const A = '146.86.5.20';
const B = '161.25.19.8';
const C = '10.0.0.3';
const k = args.boot({ hosts: [A, B, C] });
k.network.link(A, B, { latency: 4, loss: 0.3 });
k.network.link(B, C, { latency: 7 });
k.network.partition(A, C);

for (const h of [A, B, C]) k.host(h).spawn('netserver', netServer(), { daemon: true });

k.host(B).spawn('echo', async (sys: Sys) => {
  const net = sockets(sys);
  const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
  await net.bind(fd!, 7007);
  for (;;) {
    const d = await net.recvfrom(fd!);
    if (d.code !== 0) return 1;
    sys.log(`echo "${new TextDecoder().decode(d.bytes)}" to ${d.from}:${d.port}`);
    await net.sendto(fd!, d.bytes!, d.from!, d.port!);
  }
}, { daemon: true });

/** A client: `n` datagrams to the echo server, 3 ms apart, then one to `other` (across the cut link). */
function client(n: number, other: string) {
  return async (sys: Sys) => {
    await sys.sleep(1); // the network servers attach their devices first
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
    await net.bind(fd!, 5000);
    for (let i = 1; i <= n; i++) {
      const r = await net.sendto(fd!, new TextEncoder().encode(`ping ${i}`), B, 7007);
      sys.log(`ping ${i}: ${r.fate}`);
      await sys.sleep(3);
    }
    sys.log(`to ${other}: ${(await net.sendto(fd!, new TextEncoder().encode('hello?'), other, 5000)).fate}`);
    await sys.sleep(20); // the echoes still on the wire arrive
    await net.close(fd!);
  };
}

k.spawn('client', client(6, C));
k.host(C).spawn('client', client(2, A));

const report = await k.run();
const story = focus(k.trace.records);

if (show('summary')) {
  const fates = new Map<string, number>();
  for (const p of k.network.packets) fates.set(p.fate, (fates.get(p.fate) ?? 0) + 1);
  console.log(`hosts ${k.hosts.join(', ')}: ${report.status} at t=${report.time}`);
  console.log(`packets: ${[...fates].map(([f, n]) => `${n} ${f}`).join(', ')}`);
  console.log('');
  console.log(renderGantt(k.trace.records, { hosts: k.hosts }));
}
if (show('table')) {
  console.log('');
  console.log(renderTable(args.fullTrace ? k.trace.records : story, { hosts: k.hosts, byHost: true, kinds: args.fullTrace ? undefined : ['packet', 'log'] }));
}
if (show('mermaid')) {
  console.log('');
  // Packets and logs; net_attach's records (drawn as nothing without syscalls) tell the renderer each host's network server.
  const packetsAndLogs = k.trace.records.filter((r) => r.kind === 'packet' || r.kind === 'log' || (r.kind === 'syscall' && r.op === 'net_attach'));
  console.log(renderMermaid(args.fullTrace ? story : packetsAndLogs, { hosts: k.hosts, title: 'three hosts, one wire', showSyscalls: false }));
}
