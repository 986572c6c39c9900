/**
 * Sockets as POSIX descriptors (issue 11, the Hurd's pfinet way): the network server's
 * `ioPort` gives a send right to a socket's own port, which speaks the pipe server's IO
 * protocol; `adoptSocket` installs it in a process's descriptor table, and the POSIX
 * library's read, write, readAll, close, dup and fork work on it unchanged, across two hosts.
 */
import { describe, expect, it } from 'vitest';
import { audit, boot, type Kernel, type Sys } from '../index.ts';
import { MIG_BAD_ID } from '../ports/codes.ts';
import {
  AF_INET, EDESTADDRREQ, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, adoptSocket, netErrnoName, netServer, sockets, type TcpHeader,
} from '../servers/net/index.ts';
import { EAGAIN, EBADF, EINVAL, F_SETFL, O_NONBLOCK, posix, startPipes } from '../servers/posix/index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';
const enc = (s: string) => new TextEncoder().encode(s);

const name = (code: number) => (code === 0 ? 'OK' : netErrnoName(code));

/** Two hosts 10 ms apart, each with its network server and pipe server (the console for posix). */
function world(seed = 1): Kernel<Sys> {
  const k = boot({ hosts: [A, B], seed });
  k.network.link(A, B, { latency: 10 });
  k.host(B).spawn('netserver', netServer(), { daemon: true });
  k.spawn('netserver', netServer(), { daemon: true });
  startPipes(k.host(B));
  startPipes(k);
  return k;
}

/** The FIN segments on the wire: "t A>B" or "t B>A". */
function fins(k: Kernel<Sys>): string[] {
  return k.network.packets.filter((p) => (p.meta as TcpHeader).flags?.startsWith('FIN')).map((p) => `${p.t} ${p.from === A ? 'A>B' : 'B>A'}`);
}

/** On B, a server listening on `port` that accepts one connection, adopts it as a descriptor and hands it to `serve`. */
function server(k: Kernel<Sys>, port: number, serve: (io: Awaited<ReturnType<typeof posix>>, fd: number, sys: Sys) => Promise<void>) {
  k.host(B).spawn('server', async (sys) => {
    const net = sockets(sys);
    const io = await posix(sys);
    const { fd: l } = await net.socket(AF_INET, SOCK_STREAM);
    expect((await net.bind(l!, port)).code).toBe(0);
    expect((await net.listen(l!, 5)).code).toBe(0);
    const c = await net.accept(l!);
    expect(c.code).toBe(0);
    const a = await adoptSocket(io, net, c.fd!);
    expect(a).toEqual({ code: 0, fd: 3 }); // 0, 1, 2 are the console
    expect(io.table.desc(a.fd)).toMatchObject({ kind: 'socket', access: 'rw' });
    // The number was closed by the adoption: the socket is the descriptor now.
    expect(name((await net.recv(c.fd!)).code)).toBe('EBADF');
    await serve(io, a.fd, sys);
  });
}

/** On A, a client that connects to B:port and adopts the socket, keeping its number (for shutdown). */
async function connectFd(sys: Sys, port: number) {
  const net = sockets(sys);
  const io = await posix(sys);
  const { fd: s } = await net.socket(AF_INET, SOCK_STREAM);
  expect(name((await net.connect(s!, B, port)).code)).toBe('OK');
  const { code, fd } = await adoptSocket(io, net, s!, { keepNumber: true });
  expect(code).toBe(0);
  return { net, io, s: s!, fd };
}

describe('sockets as POSIX descriptors', () => {
  it('a TCP connection through io.write and io.readAll on both ends: exact bytes, then end of file', async () => {
    const k = world();
    const seen: string[] = [];
    server(k, 7007, async (io, fd, sys) => {
      const req = await io.readAll(fd);                         // until the client's FIN (its shutdown)
      seen.push(`${sys.now()} server read ${JSON.stringify(req.text)} code ${name(req.code)}`);
      expect(await io.write(fd, req.text.toUpperCase())).toEqual({ code: 0, n: req.bytes.length });
      expect(await io.close(fd)).toBe(0);                       // the last descriptor: FIN
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const { net, io, s, fd } = await connectFd(sys, 7007);
      expect(await io.write(fd, 'hello, ')).toEqual({ code: 0, n: 7 });
      expect(await io.write(fd, enc('world'))).toEqual({ code: 0, n: 5 });
      expect(name((await net.shutdown(s, SHUT_WR)).code)).toBe('OK');
      const res = await io.readAll(fd);
      seen.push(`${sys.now()} client read ${JSON.stringify(res.text)} code ${name(res.code)}`);
      expect([...res.bytes]).toEqual([...enc('HELLO, WORLD')]);
      const after = await io.read(fd, 10);                      // end of file stays end of file
      expect({ code: after.code, eof: after.eof, n: after.bytes.length }).toEqual({ code: 0, eof: true, n: 0 });
      await io.close(fd);
      await net.close(s);                                       // number and descriptor both gone: the socket closes
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(k.bugs).toEqual([]);
    expect(seen).toEqual(['31 server read "hello, world" code OK', '41 client read "HELLO, WORLD" code OK']);
    expect(fins(k)).toEqual(['21 A>B', '31 B>A']);
    expect(audit(k).problems).toEqual([]);
  });

  it('dup and close: the socket stays open until its last descriptor goes, then the peer reads end of file', async () => {
    const k = world();
    const seen: string[] = [];
    server(k, 7008, async (io, fd, sys) => {
      const d = await io.dup(fd);
      expect(d).toEqual({ code: 0, fd: 4 });
      expect(await io.close(fd)).toBe(0);
      seen.push(`${sys.now()} closed fd ${fd}`);
      await sys.sleep(40);
      expect(await io.write(d.fd, 'still open')).toEqual({ code: 0, n: 10 });
      await sys.sleep(40);
      expect(await io.close(d.fd)).toBe(0);
      seen.push(`${sys.now()} closed fd ${d.fd}`);
      expect((await io.write(d.fd, 'x')).code).toBe(EBADF);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const { io, fd } = await connectFd(sys, 7008);
      for (;;) {
        const r = await io.read(fd, 100);
        seen.push(`${sys.now()} client ${r.eof ? 'EOF' : JSON.stringify(r.text)}`);
        if (r.eof || r.code !== 0) break;
      }
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(k.bugs).toEqual([]);
    expect(seen).toEqual(['31 closed fd 3', '81 client "still open"', '111 closed fd 4', '121 client EOF']);
    expect(fins(k)).toEqual(['111 B>A']); // one FIN, when the last descriptor went
  });

  it('fork: the child writes to the inherited socket; the parent closes its copy; FIN comes when the child closes', async () => {
    const k = world();
    const seen: string[] = [];
    server(k, 7009, async (io, fd, sys) => {
      const f = await io.fork(async (child) => {
        await child.sys.sleep(30);
        expect(await child.write(fd, 'from the child')).toEqual({ code: 0, n: 14 });
        await child.sys.sleep(30);
        expect(await child.close(fd)).toBe(0);
        seen.push(`${child.sys.now()} child closed`);
      });
      expect(f.code).toBe(0);
      expect(await io.close(fd)).toBe(0);                      // the parent's copy goes at once
      seen.push(`${sys.now()} parent closed`);
      await sys.wait(f.pid!);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const { io, fd } = await connectFd(sys, 7009);
      const all = await io.readAll(fd);
      seen.push(`${sys.now()} client read ${JSON.stringify(all.text)} then EOF`);
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(k.bugs).toEqual([]);
    expect(seen).toEqual(['31 parent closed', '91 child closed', '101 client read "from the child" then EOF']);
    expect(fins(k)).toEqual(['91 B>A']);
  });

  it('UDP: a read gets the next datagram\'s bytes (cut to n), a write is EDESTADDRREQ, the last close frees the port', async () => {
    const k = world();
    const seen: string[] = [];
    k.host(B).spawn('udpd', async (sys) => {
      const net = sockets(sys);
      const io = await posix(sys);
      const { fd: s } = await net.socket(AF_INET, SOCK_DGRAM);
      expect((await net.bind(s!, 5353)).code).toBe(0);
      const { fd } = await adoptSocket(io, net, s!);
      expect(io.table.desc(fd)!.label).toBe(`udp socket ${s}`);
      const first = await io.read(fd, 100);
      seen.push(`${sys.now()} read ${JSON.stringify(first.text)} eof ${first.eof}`);
      const second = await io.read(fd, 3);
      seen.push(`${sys.now()} read ${JSON.stringify(second.text)}`);
      const third = await io.read(fd, 100);                      // the rest of the second was discarded
      seen.push(`${sys.now()} read ${JSON.stringify(third.text)}`);
      expect(name((await io.write(fd, 'no address')).code)).toBe(name(EDESTADDRREQ));
      expect(await io.close(fd)).toBe(0);
      await sys.sleep(1);
      // The port is free again: the socket closed with its last descriptor.
      const { fd: t } = await net.socket(AF_INET, SOCK_DGRAM);
      seen.push(`bind again ${name((await net.bind(t!, 5353)).code)}`);
    });
    k.spawn('sender', async (sys) => {
      await sys.sleep(5);
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      for (const text of ['dgram one', 'dgram two', 'three']) {
        await net.sendto(fd!, enc(text), B, 5353);
        await sys.sleep(1);
      }
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(k.bugs).toEqual([]);
    expect(seen).toEqual(['15 read "dgram one" eof false', '16 read "dgr"', '17 read "three"', 'bind again OK']);
  });

  it('a descriptor outlives its owner: the task that opened the socket ends, a forked child still writes to it', async () => {
    const k = world();
    const seen: string[] = [];
    k.host(B).spawn('server', async (sys) => {
      const net = sockets(sys);
      const { fd: l } = await net.socket(AF_INET, SOCK_STREAM);
      await net.bind(l!, 7010);
      await net.listen(l!, 5);
      const c = await net.accept(l!);
      const io = await posix(sys);
      const { fd } = await adoptSocket(io, net, c.fd!, { keepNumber: true }); // the number stays the owner's
      await io.fork(async (child) => {
        await child.sys.sleep(50);                                // the parent has ended by now
        seen.push(`${child.sys.now()} child write ${name((await child.write(fd, 'orphan')).code)}`);
      });
      seen.push(`${sys.now()} parent exits`);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const { io, fd } = await connectFd(sys, 7010);
      const all = await io.readAll(fd);
      seen.push(`${sys.now()} client read ${JSON.stringify(all.text)} code ${name(all.code)}`);
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(seen).toEqual(['31 parent exits', '81 child write OK', '91 client read "orphan" code OK']);
  });

  it('a kept number keeps the socket: closing the descriptor sends no FIN; closing the number then does', async () => {
    const k = world();
    const seen: string[] = [];
    server(k, 7011, async (io, fd, sys) => {
      const r = await io.readAll(fd);
      seen.push(`${sys.now()} server read ${JSON.stringify(r.text)}`);
      await io.close(fd);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const { net, io, s, fd } = await connectFd(sys, 7011);
      expect(await io.write(fd, 'by fd, ')).toEqual({ code: 0, n: 7 });
      expect(await io.close(fd)).toBe(0);
      await sys.sleep(20);
      seen.push(`${sys.now()} send by number ${name((await net.send(s, new TextEncoder().encode('by number'))).code)}`);
      await sys.sleep(20);
      await net.close(s);
      seen.push(`${sys.now()} number closed`);
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(seen).toEqual(['41 send by number OK', '61 number closed', '71 server read "by fd, by number"']);
    expect(fins(k).filter((f) => f.endsWith('A>B'))).toEqual(['61 A>B']);
  });

  it('O_NONBLOCK: a read with nothing there answers EAGAIN; bad input gets a code, never a crash', async () => {
    const k = world();
    const seen: string[] = [];
    server(k, 7012, async (io, fd, sys) => {
      expect(io.fcntl(fd, F_SETFL, O_NONBLOCK).code).toBe(0);
      seen.push(`${sys.now()} nonblock read ${name((await io.read(fd, 10)).code)}`);
      await sys.sleep(30);
      const r = await io.read(fd, 10);
      seen.push(`${sys.now()} nonblock read ${name(r.code)} ${JSON.stringify(r.text)}`);
      expect((await io.read(fd, -1)).code).toBe(EINVAL);
      const st = await io.fstat(fd);
      expect(st).toMatchObject({ code: 0, kind: 'tcp socket' });
      await io.close(fd);
    });
    k.spawn('client', async (sys) => {
      await sys.sleep(1);
      const { net, io, s, fd } = await connectFd(sys, 7012);
      await sys.sleep(20);
      await io.write(fd, 'late');
      expect((await net.ioPort(9999)).code).toBe(EBADF);
      const again = await net.ioPort(s);                 // the same port again: the same name, one more reference
      expect(again).toEqual({ code: 0, port: io.table.get(fd)!.name });
      await sys.port_deallocate(again.port!);
      // A raw request the IO protocol does not have: MIG_BAD_ID, and the server goes on.
      const bad = await sys.call(again.port!, 21099, {});
      expect(bad.code).toBe(MIG_BAD_ID);
      await io.close(fd);
      await net.close(s);
      await sys.sleep(50);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(k.bugs).toEqual([]);
    expect(seen).toEqual([`31 nonblock read ${name(EAGAIN)}`, '61 nonblock read OK "late"']);
  });
});
