import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, type Kernel } from '../index.ts';
import type { LinkProps } from '../kernel/device/wire.ts';
import type { Sys } from '../syscalls/sys.ts';
import {
  AF_INET,
  EPHEMERAL_FIRST,
  RETRIES,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  netErrnoName,
  netServer,
  sockets,
  type TcpHeader,
} from '../servers/net/index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const name = (code: number) => (code === 0 ? 'OK' : netErrnoName(code));

/** Two hosts, each with its network server (pid 1; pid 2 is privileged). */
function world(seed = 1, link: Partial<LinkProps> = { latency: 10 }): Kernel<Sys> {
  const k = boot({ hosts: [A, B], seed });
  k.network.link(A, B, link);
  k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
  k.spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
  return k;
}

/** Every packet on the wire: "t A>B FLAGS seq=… ack=… fate". */
function table(k: Kernel<Sys>): string[] {
  return k.network.packets.map((p) => `${p.t} ${p.from === A ? 'A>B' : 'B>A'} ${(p.meta as TcpHeader).label} ${p.fate}`);
}

/** Reads until EOF (or an error): the bytes, and the code that ended it. */
async function readAll(net: ReturnType<typeof sockets>, fd: number): Promise<{ bytes: number[]; code: number }> {
  const bytes: number[] = [];
  for (;;) {
    const r = await net.recv(fd);
    if (r.code !== 0) return { bytes, code: r.code };
    if (r.bytes!.length === 0) return { bytes, code: 0 };
    bytes.push(...r.bytes!);
  }
}

/** A server on B: listens on port with backlog, accepts `accepts` connections after `delay` ms, each handled by serve. */
function server(k: Kernel<Sys>, port: number, serve: (net: ReturnType<typeof sockets>, fd: number, sys: Sys) => Promise<void>, opts: { backlog?: number; delay?: number; accepts?: number } = {}) {
  k.host(B).spawn('httpd', async (sys) => {
    const net = sockets(sys);
    const { fd } = await net.socket(AF_INET, SOCK_STREAM);
    expect((await net.bind(fd!, port)).code).toBe(0);
    expect((await net.listen(fd!, opts.backlog ?? 5)).code).toBe(0);
    if (opts.delay) await sys.sleep(opts.delay);
    for (let i = 0; i < (opts.accepts ?? 1); i++) {
      const c = await net.accept(fd!);
      expect(c.code).toBe(0);
      await serve(net, c.fd!, sys);
    }
  }, { daemon: true });
}

describe('TCP through the network servers', () => {
  it('the three-way handshake, a request and a response, and FIN both ways, every packet in order', async () => {
    const k = world();
    const seen: string[] = [];
    server(k, 80, async (net, fd, sys) => {
      const req = await net.recv(fd);
      seen.push(`${sys.now()} server got ${dec(req.bytes!)}`);
      await net.send(fd, enc('200 OK'));
      const eof = await net.recv(fd);
      seen.push(`${sys.now()} server EOF ${eof.bytes!.length}`);
      await net.close(fd);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      expect((await net.bind(fd!, 1625)).code).toBe(0);
      const { code } = await net.connect(fd!, B, 80);
      seen.push(`${sys.now()} connect ${name(code)}`);
      await net.send(fd!, enc('GET /'));
      const res = await net.recv(fd!);
      seen.push(`${sys.now()} client got ${dec(res.bytes!)}`);
      await net.close(fd!);
      await sys.sleep(30); // the run ends with the client: let the FINs finish
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(seen).toEqual(['21 connect OK', '31 server got GET /', '41 client got 200 OK', '51 server EOF 0']);
    expect(table(k)).toEqual([
      '1 A>B SYN seq=21000 ack=0 delivered',
      '11 B>A SYN,ACK seq=9000 ack=21001 delivered',
      '21 A>B ACK seq=21001 ack=9001 delivered',
      '21 A>B PSH,ACK seq=21001 ack=9001 len=5 delivered',
      '31 B>A ACK seq=9001 ack=21006 delivered',
      '31 B>A PSH,ACK seq=9001 ack=21006 len=6 delivered',
      '41 A>B ACK seq=21006 ack=9007 delivered',
      '41 A>B FIN,ACK seq=21006 ack=9007 delivered',
      '51 B>A ACK seq=9007 ack=21007 delivered',
      '51 B>A FIN,ACK seq=9007 ack=21007 delivered',
      '61 A>B ACK seq=21007 ack=9008 delivered',
    ]);
    // The trace's packet records carry the same headers.
    const traced = k.trace.records.filter((x) => x.kind === 'packet').map((x) => x.detail);
    expect(traced.slice(0, 3)).toEqual([`${A} → ${B} SYN seq=21000 ack=0`, `${B} → ${A} SYN,ACK seq=9000 ack=21001`, `${A} → ${B} ACK seq=21001 ack=9001`]);
  });

  it('a connect to a port nobody listens on is refused (RST → ECONNREFUSED)', async () => {
    const k = world();
    const got: string[] = [];
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      const { code } = await net.connect(fd!, B, 81);
      got.push(`${sys.now()} ${name(code)}`);
      got.push(name((await net.send(fd!, enc('x'))).code));
    });
    expect((await k.run()).status).toBe('done');
    expect(got).toEqual(['21 ECONNREFUSED', 'ECONNREFUSED']);
    expect(table(k)).toEqual([`1 A>B SYN seq=21000 ack=0 delivered`, `11 B>A RST,ACK seq=0 ack=21001 delivered`]);
  });

  it('EOF after the peer\'s FIN, for every recv after it; send after shutdown is EPIPE; calls on the wrong socket fail clearly', async () => {
    const k = world();
    const got: string[] = [];
    server(k, 80, async (net, fd) => {
      await net.send(fd, enc('hello'));
      await net.shutdown(fd, SHUT_WR);
      got.push(`server send after shutdown ${name((await net.send(fd, enc('more'))).code)}`);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`recv before connect ${name((await net.recv(fd!)).code)}`);
      got.push(`accept on it ${name((await net.accept(fd!)).code)}`);
      expect((await net.connect(fd!, B, 80)).code).toBe(0);
      got.push(`connect again ${name((await net.connect(fd!, B, 80)).code)}`);
      const all = await readAll(net, fd!);
      got.push(`read "${dec(new Uint8Array(all.bytes))}" then EOF ${name(all.code)}`);
      got.push(`again ${(await net.recv(fd!)).bytes!.length}`);
      const u = await net.socket(AF_INET, SOCK_DGRAM);
      got.push(`listen on UDP ${name((await net.listen(u.fd!, 1)).code)}`);
      got.push(`join on TCP ${name((await net.joinGroup(fd!, '224.1.2.3')).code)}`);
      got.push(`bad fd ${name((await net.recv(99)).code)}`);
    });
    expect((await k.run()).status).toBe('done');
    expect(got).toEqual([
      'recv before connect ENOTCONN',
      'accept on it EINVAL',
      'connect again EISCONN',
      'server send after shutdown EPIPE',
      'read "hello" then EOF OK',
      'again 0',
      'listen on UDP EOPNOTSUPP',
      'join on TCP EOPNOTSUPP',
      'bad fd EBADF',
    ]);
  });

  it('a partition that outlasts the retries ends the connection with ETIMEDOUT (RETRIES retransmissions, RTO doubling to 1600 ms)', async () => {
    const k = world();
    server(k, 80, async (net, fd) => void (await readAll(net, fd)));
    const got: string[] = [];
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      expect((await net.connect(fd!, B, 80)).code).toBe(0);
      k.network.partition(A, B, { from: 30 });
      await sys.sleep(9);
      await net.send(fd!, enc('lost'));
      const r = await net.recv(fd!);
      got.push(`${sys.now()} recv ${name(r.code)}`);
      got.push(`send ${name((await net.send(fd!, enc('x'))).code)}`);
      const other = await net.socket(AF_INET, SOCK_STREAM);
      const { code } = await net.connect(other.fd!, B, 80);
      got.push(`${sys.now()} connect ${name(code)}`);
    });
    expect((await k.run()).status).toBe('done');
    // Sent at 30; waits 100, 200, 400, 800, then 1600 twelve times: 20700 ms.
    expect(got).toEqual([`${30 + 20700} recv ETIMEDOUT`, 'send ETIMEDOUT', `${30 + 20700 * 2} connect ETIMEDOUT`]);
    const data = table(k).filter((row) => row.includes('len=4'));
    expect(data.length).toBe(1 + RETRIES);
    expect(data.slice(0, 6).map((row) => Number(row.split(' ')[0]))).toEqual([30, 130, 330, 730, 1530, 3130]);
    expect(data.slice(1).every((row) => row.includes('(rtx) partitioned'))).toBe(true);
    expect(table(k).filter((row) => row.includes('SYN seq=22000')).length).toBe(1 + RETRIES);
  });

  it('a partition that heals in time: the retransmission gets through and every byte arrives', async () => {
    const k = world();
    let heard = '';
    server(k, 80, async (net, fd) => void (heard = dec(new Uint8Array((await readAll(net, fd)).bytes))));
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      expect((await net.connect(fd!, B, 80)).code).toBe(0);
      k.network.partition(A, B, { from: 30, until: 1000 });
      await sys.sleep(9);
      expect((await net.send(fd!, enc('still here'))).code).toBe(0);
      await net.close(fd!);
      await sys.sleep(2000);
    });
    expect((await k.run()).status).toBe('done');
    expect(heard).toBe('still here');
    const rows = table(k).filter((row) => row.includes('len=10'));
    expect(rows).toEqual([
      '30 A>B PSH,ACK seq=21001 ack=9001 len=10 partitioned',
      '130 A>B PSH,ACK seq=21001 ack=9001 len=10 (rtx) partitioned',
      '330 A>B PSH,ACK seq=21001 ack=9001 len=10 (rtx) partitioned',
      '730 A>B PSH,ACK seq=21001 ack=9001 len=10 (rtx) partitioned',
      '1530 A>B PSH,ACK seq=21001 ack=9001 len=10 (rtx) delivered',
    ]);
  });

  it('well-known ports need privilege, ephemeral ports from 49152, EADDRINUSE, and TCP and UDP ports apart', async () => {
    const k = world();
    server(k, 80, async (net, fd) => void (await net.close(fd)), { accepts: 2 });
    const got: string[] = [];
    k.spawn('root', async (sys) => { // pid 2: privileged
      await sys.sleep(5);
      const net = sockets(sys);
      const s = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`root bind 80 ${name((await net.bind(s.fd!, 80)).code)}`);
      expect((await net.connect(s.fd!, B, 80)).code).toBe(0);
    });
    k.spawn('user', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const s = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`bind 80 ${name((await net.bind(s.fd!, 80)).code)}`);
      got.push(`bind 1625 ${name((await net.bind(s.fd!, 1625)).code)}`);
      const t = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`again 1625 ${name((await net.bind(t.fd!, 1625)).code)}`);
      const u = await net.socket(AF_INET, SOCK_DGRAM);
      got.push(`udp 1625 ${name((await net.bind(u.fd!, 1625)).code)}`);
      got.push(`connect ${name((await net.connect(t.fd!, B, 80)).code)}`); // unbound: an ephemeral port
      got.push(`listen ${name((await net.listen(s.fd!, 1)).code)}`);
      const eph = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`listen unbound ${name((await net.listen(eph.fd!, 1)).code)}`);
      got.push(`bind after listen ${name((await net.bind(eph.fd!, 2000)).code)}`);
    });
    const froms: string[] = [];
    expect((await k.run()).status).toBe('done');
    for (const p of k.network.packets) {
      const h = p.meta as TcpHeader;
      if (h.flags === 'SYN') froms.push(`${h.sport}>${h.dport}`);
    }
    expect(got).toEqual([
      'bind 80 EACCES',
      'bind 1625 OK',
      'again 1625 EADDRINUSE',
      'udp 1625 OK',
      'root bind 80 OK',
      'connect OK',
      'listen OK',
      'listen unbound OK',
      'bind after listen EINVAL',
    ]);
    expect(froms).toEqual([`${EPHEMERAL_FIRST}>80`, `80>80`]);
  });

  it('backlog full: the SYN is dropped (no RST), the client sends it again and gets in once accept has made room', async () => {
    const k = world();
    server(k, 80, async (net, fd) => void (await net.close(fd)), { backlog: 1, delay: 250, accepts: 2 });
    const got: string[] = [];
    for (const who of ['first', 'second']) {
      k.spawn(who, async (sys) => {
        await sys.sleep(who === 'first' ? 1 : 2);
        const net = sockets(sys);
        const { fd } = await net.socket(AF_INET, SOCK_STREAM);
        const r = await net.connect(fd!, B, 80);
        got.push(`${sys.now()} ${who} ${name(r.code)}`);
      });
    }
    expect((await k.run()).status).toBe('done');
    // The second SYN (t=2) finds the queue full, so does its retransmission at 102; the one at 302 finds room.
    expect(got).toEqual(['21 first OK', '322 second OK']);
    const syns = table(k).filter((row) => row.includes('SYN seq=22000'));
    expect(syns).toEqual(['2 A>B SYN seq=22000 ack=0 delivered', '102 A>B SYN seq=22000 ack=0 (rtx) delivered', '302 A>B SYN seq=22000 ack=0 (rtx) delivered']);
    expect(table(k).some((row) => row.includes('RST'))).toBe(false);
  });

  it('a listener closed before it accepted resets the connection: the client\'s recv and send get ECONNRESET', async () => {
    const k = world();
    k.host(B).spawn('httpd', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      await net.bind(fd!, 8080);
      await net.listen(fd!, 1);
      await sys.sleep(50);
      await net.close(fd!);
    });
    const got: string[] = [];
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`connect ${name((await net.connect(fd!, B, 8080)).code)}`);
      const r = await net.recv(fd!);
      got.push(`${sys.now()} recv ${name(r.code)}`);
      got.push(`send ${name((await net.send(fd!, enc('x'))).code)}`);
    });
    expect((await k.run()).status).toBe('done');
    expect(got).toEqual(['connect OK', '60 recv ECONNRESET', 'send ECONNRESET']);
    expect(table(k).at(-1)).toBe('50 B>A RST seq=9001 ack=0 delivered');
  });

  it('loopback (127.0.0.1 or the host\'s own address) never touches the wire', async () => {
    const k = world();
    const got: string[] = [];
    k.spawn('server', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      await net.bind(fd!, 7000);
      await net.listen(fd!, 2);
      for (let i = 0; i < 2; i++) {
        const c = await net.accept(fd!);
        const all = await readAll(net, c.fd!);
        got.push(`from ${c.from} ${dec(new Uint8Array(all.bytes))}`);
        await net.close(c.fd!);
      }
    });
    for (const host of ['127.0.0.1', A]) {
      k.spawn('client', async (sys) => {
        await sys.sleep(host === A ? 5 : 1);
        const net = sockets(sys);
        const { fd } = await net.socket(AF_INET, SOCK_STREAM);
        expect((await net.connect(fd!, host, 7000)).code).toBe(0);
        await net.send(fd!, enc(`via ${host}`));
        await net.close(fd!);
      });
    }
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(got).toEqual(['from 127.0.0.1 via 127.0.0.1', `from 127.0.0.1 via ${A}`]);
    expect(k.network.packets).toEqual([]);
    expect(r.time).toBe(5);
  });
});

describe('TCP bad input', () => {
  it('bad arguments get codes, a stray segment is dropped, and a close ends a call waiting on the descriptor with EBADF', async () => {
    const k = world();
    const got: string[] = [];
    k.spawn('waiter', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM); // fd 3: the first socket of A's server
      expect((await net.listen(fd!, 1)).code).toBe(0);
      const r = await net.accept(fd!);
      got.push(`${sys.now()} accept ${name(r.code)}`);
    });
    k.spawn('closer', async (sys) => {
      await sys.sleep(5);
      got.push(`${sys.now()} close ${name((await sockets(sys).close(3)).code)}`);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      got.push(`socket type 99 ${name((await net.socket(AF_INET, 99)).code)}`);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      got.push(`connect to a number ${name((await net.connect(fd!, 7 as unknown as string, 80)).code)}`);
      got.push(`connect to port 0 ${name((await net.connect(fd!, B, 0)).code)}`);
      got.push(`connect to a group ${name((await net.connect(fd!, '224.1.2.3', 80)).code)}`);
      got.push(`shutdown unconnected ${name((await net.shutdown(fd!, SHUT_WR)).code)}`);
      got.push(`send unconnected ${name((await net.send(fd!, enc('x'))).code)}`);
      got.push(`send a string ${name((await net.send(fd!, 'x' as unknown as Uint8Array)).code)}`);
      // A segment with no numbers in its header reaches B's server, which drops it and serves on.
      const rogue = await sys.net_transmit(B, new Uint8Array(1), { proto: 'tcp', sport: 'x', dport: 80, flags: 'SYN', seq: -1, ack: 0 });
      got.push(`rogue ${rogue.fate}`);
      await sys.sleep(20);
      got.push(`then ${name((await net.connect(fd!, B, 80)).code)}`);
    });
    expect((await k.run()).status).toBe('done');
    expect(got).toEqual([
      'socket type 99 EAFNOSUPPORT',
      'connect to a number EINVAL',
      'connect to port 0 EINVAL',
      'connect to a group EINVAL',
      'shutdown unconnected ENOTCONN',
      'send unconnected ENOTCONN',
      'send a string EINVAL',
      'rogue delivered',
      '5 accept EBADF',
      '5 close OK',
      'then ECONNREFUSED',
    ]);
  });
});

describe('TCP over a lossy link (property)', () => {
  /** A writer on A sends chunks to a reader on B over link; returns what was read and the packet trace. */
  async function transfer(seed: number, link: Partial<LinkProps>, chunks: number[]) {
    const k = world(seed, { latency: 5, ...link });
    let read: { bytes: number[]; code: number } = { bytes: [], code: -1 };
    k.host(B).spawn('reader', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      await net.bind(fd!, 9000);
      await net.listen(fd!, 1);
      const c = await net.accept(fd!);
      read = await readAll(net, c.fd!);
    });
    k.spawn('writer', async (sys) => {
      await sys.sleep(1);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      expect((await net.connect(fd!, B, 9000)).code).toBe(0);
      let at = 0;
      for (const n of chunks) {
        const bytes = Uint8Array.from({ length: n }, (_, i) => (at + i) & 255);
        at += n;
        expect((await net.send(fd!, bytes)).code).toBe(0);
      }
      await net.close(fd!);
    });
    const r = await k.run();
    return { status: r.status, read, packets: k.network.packets.map((p) => `${p.t} ${p.fate} ${(p.meta as TcpHeader).label}`) };
  }

  it('every byte written is read once, in order, and the same seed gives the same packet trace', async () => {
    const p = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((n) => n / 100);
    let retransmitted = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), p(0.3), p(0.3), p(0.3), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }), async (seed, loss, duplicate, reorder, chunks) => {
        const link = { loss, duplicate, reorder };
        const one = await transfer(seed, link, chunks);
        const total = chunks.reduce((a, b) => a + b, 0);
        expect(one.status).toBe('done');
        expect(one.read.code).toBe(0);
        expect(one.read.bytes.length).toBe(total);
        expect(one.read.bytes.every((b, i) => b === (i & 255))).toBe(true);
        const again = await transfer(seed, link, chunks);
        expect(again.packets).toEqual(one.packets);
        if (one.packets.some((row) => row.includes('(rtx)'))) retransmitted++;
      }),
      { numRuns: Number(process.env.TCP_RUNS ?? 20), seed: Number(process.env.TCP_SEED ?? 11) },
    );
    expect(retransmitted).toBeGreaterThan(2); // the links did lose things
  });
});
