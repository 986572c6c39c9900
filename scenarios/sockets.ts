/**
 * Two hosts on a network, the microkernel way: a client on 146.86.5.20 port 1625 talks to a
 * web server at 161.25.19.8:80; each host's network server is a task that owns its device and
 * serves sockets through ports. First UDP datagrams, every packet drawn as a row, then the same
 * over a lossy link (seeded); then TCP: the socket pair, the three-way handshake, an HTTP-ish
 * request and response and the FINs, every segment a row (flags, seq, ack), then the same over
 * a lossy link with the retransmissions marked.
 *
 *   npx tsx scenarios/sockets.ts [--seed N] [--trace]
 */
import { parseArgs } from './args.ts';
import { AF_INET, SOCK_DGRAM, SOCK_STREAM, netErrnoName, netServer, sockets, type TcpHeader } from '../servers/net/index.ts';
import { codeName } from '../index.ts';

const args = parseArgs(`Host 146.86.5.20:1625 talks to a server at 161.25.19.8:80 over UDP, then TCP (handshake, request,
response, FIN), each host's network server a task; every packet drawn, then each over a lossy link (seeded).`);
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

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** TCP: a GET from 146.86.5.20:1625 to the web server at 161.25.19.8:80, every segment a row. */
async function tcp(title: string, link: { latency: number; loss?: number; duplicate?: number; reorder?: number }) {
  const k = args.boot({ hosts: [A, B] });
  k.network.link(A, B, link);
  const said: string[] = [];
  const page = `<html><body>${'<p>Operating System Concepts</p>'.repeat(60)}</body></html>`;
  k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
  k.host(B).spawn('httpd', async (sys) => {
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_STREAM);
    await net.bind(fd!, 80);
    await net.listen(fd!, 5);
    const c = await net.accept(fd!);
    said.push(`t=${sys.now()} ${B}:80 accepted a connection from ${c.from}:${c.port} (socket pair ${c.from}:${c.port} ↔ ${B}:80)`);
    let request = '';
    while (!request.endsWith('\r\n\r\n')) {
      const r = await net.recv(c.fd!);
      if (r.code || r.bytes!.length === 0) break;
      request += dec(r.bytes!);
    }
    said.push(`t=${sys.now()} ${B}:80 got ${JSON.stringify(request.split('\r\n')[0])}`);
    await net.send(c.fd!, enc(`HTTP/1.0 200 OK\r\nContent-Length: ${page.length}\r\n\r\n${page}`));
    await net.close(c.fd!);
    said.push(`t=${sys.now()} ${B}:80 sent the page and closed`);
  }, { daemon: true });
  k.spawn('netserver', netServer(), { daemon: true });
  k.spawn('browser', async (sys) => {
    await sys.sleep(1);
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_STREAM);
    await net.bind(fd!, 1625);
    const { code } = await net.connect(fd!, B, 80);
    said.push(`t=${sys.now()} ${A}:1625 connect: ${code ? netErrnoName(code) : 'connected'}`);
    if (code) return;
    await net.send(fd!, enc('GET /index.html HTTP/1.0\r\nHost: 161.25.19.8\r\n\r\n'));
    let got = 0;
    for (;;) {
      const r = await net.recv(fd!);
      if (r.code || r.bytes!.length === 0) {
        said.push(`t=${sys.now()} ${A}:1625 read ${got} bytes, then ${r.code ? netErrnoName(r.code) : 'EOF (the server\'s FIN)'}`);
        break;
      }
      got += r.bytes!.length;
    }
    await net.close(fd!);
    await sys.sleep(100); // the last ACKs
  });
  const r = await k.run();
  console.log(`\nTCP: ${title}  (link ${JSON.stringify(link)}, seed ${args.seed}, run ${r.status} at t=${r.time})`);
  console.log('seq  sent   from                 to                   flags    seq    ack    len   fate        arrives');
  for (const p of k.network.packets) {
    const h = p.meta as TcpHeader;
    const ends = [`${p.from}:${h.sport}`, `${p.to}:${h.dport}`];
    const rtx = h.rtx ? '  ← retransmission' : '';
    console.log(
      `${String(p.seq).padEnd(4)} ${String(p.t).padEnd(6)} ${ends[0]!.padEnd(20)} ${ends[1]!.padEnd(20)} ${h.flags.padEnd(8)} ${String(h.seq).padEnd(6)} ${String(h.ack).padEnd(6)} ${String(h.len).padEnd(5)} ${p.fate.padEnd(11)} ${p.arrives ?? '-'}${p.copies === 2 ? ' (twice)' : ''}${rtx}`,
    );
  }
  for (const line of said) console.log(line);
  const rtx = k.network.packets.filter((p) => (p.meta as TcpHeader).rtx).length;
  console.log(`${k.network.packets.length} segments, ${rtx} of them retransmissions`);
}

console.log('UDP: datagrams, nothing resent');
await once('A perfect link', { latency: 10 });
await once('A lossy link', { latency: 10, loss: 0.25, duplicate: 0.2, reorder: 0.2 });
await tcp('a perfect link', { latency: 10 });
await tcp('a lossy link', { latency: 10, loss: 0.25, duplicate: 0.1, reorder: 0.1 });
