import { describe, expect, it } from 'vitest';
import { boot } from '../index.ts';
import { EBADF } from '../servers/net/errno.ts';
import { AF_INET, EADDRINUSE, SOCK_DGRAM, SOCK_STREAM, netErrnoName, netServer, sockets } from '../servers/net/index.ts';

const A = '146.86.5.20';
const B = '161.25.19.8';
const enc = (s: string) => new TextEncoder().encode(s);
const name = (code: number) => (code === 0 ? 'OK' : netErrnoName(code));

describe('a socket belongs to the task that opened it', () => {
  it('a task that ends without closing frees its UDP port: a restarted server binds it again', async () => {
    const k = boot({ hosts: [A, B] });
    k.spawn('netserver', netServer({ privileged: [2, 3] }), { daemon: true });
    const log: string[] = [];
    k.spawn('first', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      log.push(`first bind 53: ${name((await net.bind(fd!, 53)).code)}`);
      await sys.sleep(5);
      throw new Error('crash'); // ends without close
    });
    k.spawn('second', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      log.push(`t=${sys.now()} second bind 53: ${name((await net.bind(fd!, 53)).code)}`);
      await sys.sleep(10);
      log.push(`t=${sys.now()} second bind 53: ${name((await net.bind(fd!, 53)).code)}`);
      await net.close(fd!);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(log).toEqual(['first bind 53: OK', `t=0 second bind 53: ${netErrnoName(EADDRINUSE)}`, 't=10 second bind 53: OK']);
  });

  it("a TCP connection of a task that dies is closed as at exit: the peer reads EOF", async () => {
    const k = boot({ hosts: [A, B] });
    k.network.link(A, B, { latency: 10 });
    k.host(B).spawn('netserver', netServer({ privileged: [2] }), { daemon: true });
    k.spawn('netserver', netServer(), { daemon: true });
    const log: string[] = [];
    k.host(B).spawn('httpd', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      await net.bind(fd!, 80);
      await net.listen(fd!, 5);
      const c = await net.accept(fd!);
      for (;;) {
        const r = await net.recv(c.fd!);
        if (r.code !== 0 || r.bytes!.length === 0) { log.push(`t=${sys.now()} httpd: ${r.code ? name(r.code) : 'EOF'}`); break; }
        log.push(`t=${sys.now()} httpd got ${r.bytes!.length} bytes`);
      }
    });
    k.spawn('client', async (sys) => {
      const net = sockets(sys);
      await sys.sleep(1); // both network servers attached
      const { fd } = await net.socket(AF_INET, SOCK_STREAM);
      expect((await net.connect(fd!, B, 80)).code).toBe(0);
      await net.send(fd!, enc('GET /'));
      await sys.sleep(30);
      throw new Error('crash'); // no close
    });
    const r = await k.run({ until: 10_000 });
    // Sent at 21, read at 31; the client dies at 51 and its network server sends FIN: EOF at 61.
    expect(log).toEqual(['t=31 httpd got 5 bytes', 't=61 httpd: EOF']);
    expect(r.status).toBe('done');
  });

  it('a recvfrom waiting when its socket closes gets EBADF (no caller left waiting for ever)', async () => {
    const k = boot();
    k.spawn('netserver', netServer(), { daemon: true });
    const log: string[] = [];
    k.spawn('app', async (sys) => {
      const net = sockets(sys);
      const { fd } = await net.socket(AF_INET, SOCK_DGRAM);
      await net.bind(fd!, 5000);
      await sys.thread_create(async (t) => {
        const r = await sockets(t).recvfrom(fd!);
        log.push(`t=${t.now()} recvfrom: ${name(r.code)}`);
      });
      await sys.sleep(4);
      log.push(`t=${sys.now()} close: ${name((await net.close(fd!)).code)}`);
      await sys.sleep(1);
    });
    const r = await k.run();
    expect(r.status).toBe('done');
    expect(log).toEqual(['t=4 close: OK', `t=4 recvfrom: ${netErrnoName(EBADF)}`]);
  });
});
