/**
 * Two hosts on a network, UDP, the microkernel way: a client on
 * 146.86.5.20 port 1625 sends datagrams to a server at 161.25.19.8:80; each host's network
 * server is a task that owns its device and serves sockets through ports. Every packet is
 * drawn as a row; then the same over a lossy link (seeded), with lost and duplicated ones.
 *
 *   npx tsx scenarios/sockets.ts [--seed N] [--trace]
 */
import { parseArgs } from './args.ts';
import { AF_INET, SOCK_DGRAM, netServer, sockets } from '../servers/net/index.ts';
import { codeName } from '../index.ts';

const args = parseArgs(`Host 146.86.5.20:1625 sends UDP datagrams to a server at 161.25.19.8:80, each host's
network server a task; every packet drawn, then the same over a lossy link (seeded).`);
const A = '146.86.5.20';
const B = '161.25.19.8';

async function once(title: string, link: { latency: number; loss?: number; duplicate?: number; reorder?: number }) {
  const k = args.boot({ hosts: [A, B] });
  k.network.link(A, B, link);
  const heard: string[] = [];
  k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
  k.host(B).spawn('httpd', async (sys) => {
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
    await net.bind(fd!, 80);
    for (;;) {
      const d = await net.recvfrom(fd!);
      heard.push(`t=${sys.now()} ${B}:80 got "${new TextDecoder().decode(d.bytes)}" from ${d.from}:${d.port}`);
    }
  }, { daemon: true });
  k.spawn('netserver', netServer(), { daemon: true });
  k.spawn('client', async (sys) => {
    await sys.sleep(1);
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
    const b = await net.bind(fd!, 1625);
    if (b.code) sys.log(`bind: ${codeName(b.code)}`);
    for (let i = 1; i <= 8; i++) {
      await net.sendto(fd!, new TextEncoder().encode(`GET /${i}`), B, 80);
      await sys.sleep(2);
    }
    await sys.sleep(50);
  });
  const r = await k.run();
  console.log(`\n${title}  (link ${JSON.stringify(link)}, seed ${args.seed}, run ${r.status} at t=${r.time})`);
  console.log('seq  sent  from         to           size  fate        arrives');
  for (const p of k.network.packets) {
    console.log(`${String(p.seq).padEnd(4)} ${String(p.t).padEnd(5)} ${p.from.padEnd(12)} ${p.to.padEnd(12)} ${String(p.size).padEnd(5)} ${p.fate.padEnd(11)} ${p.arrives ?? '-'}${p.copies === 2 ? ' (twice)' : ''}`);
  }
  for (const h of heard) console.log(h);
  const ps = k.host(B).ps().map((row) => `${row.pid} ${row.name}`).join(', ');
  console.log(`ps on ${B}: ${ps}`);
}

await once('A perfect link', { latency: 10 });
await once('A lossy link', { latency: 10, loss: 0.25, duplicate: 0.2, reorder: 0.2 });
