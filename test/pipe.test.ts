/**
 * Pipes and descriptors (issue 10): the channel's rules on their own, then the
 * pipe server, the file server and the POSIX library in running kernels: EOF and
 * EPIPE, blocking, atomic and partial writes, errnos, dup2, fork and exec,
 * FIFOs (blocking opens, persistence until unlinked), duplex named pipes, the
 * console, the deadlock of a forgotten close, and a property: bytes come out in
 * order, once, with nothing lost.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit, boot, type Kernel, type RunReport, type Sys } from '../index.ts';
import {
  Channel, EAGAIN, EPIPE, errnoName, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, OPEN_MAX, posix,
  startPosix, type PipeServerHandle, type Posix,
} from '../servers/posix/index.ts';

const bytes = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);
const name = (c: number): string => errnoName(c);

/** Boots a kernel with both servers, lets `setup` spawn tasks, runs it; checks the books balance. */
async function world(setup: (k: Kernel<Sys>) => void, opts: { capacity?: number; stdin?: string } = {}): Promise<{ k: Kernel<Sys>; report: RunReport; pipes: PipeServerHandle }> {
  const k = boot({ seed: 1 });
  const { pipes } = startPosix(k, { pipes: opts });
  setup(k);
  const report = await k.run();
  expect(k.bugs).toEqual([]);
  expect(audit(k).problems).toEqual([]);
  return { k, report, pipes };
}

/** Spawns one process that runs `fn` with its library. */
function proc(k: Kernel<Sys>, label: string, fn: (io: Posix, sys: Sys) => Promise<unknown>): void {
  k.spawn(label, async (sys) => fn(await posix(sys), sys));
}

describe('the channel: one direction of a pipe, without system calls', () => {
  it('a write at most PIPE_BUF is atomic: it waits for room for all of it; non-blocking, EAGAIN', () => {
    const ch = new Channel<string>(512);
    expect(ch.pipeBuf).toBe(512); // min(PIPE_BUF, capacity)
    expect(ch.write('a', bytes(400), false)).toEqual({ code: 0, n: 400 });
    expect(ch.write('b', bytes(200), true)).toEqual({ code: EAGAIN, n: 0 });
    expect(ch.write('b', bytes(200), false)).toBeNull(); // blocked: only 112 bytes of room
    expect(ch.read('r', 50, false)!.data.length).toBe(50);
    expect(ch.drain()).toEqual([]); // 162 bytes of room: still not 200
    expect(ch.read('r', 100, false)!.data.length).toBe(100);
    expect(ch.drain()).toEqual([{ who: 'b', body: { code: 0, n: 200 } }]);
    expect(ch.buffered).toBe(450);
  });

  it('a larger write goes in pieces; writers queued behind it go between them; non-blocking, a partial write', () => {
    const ch = new Channel<string>(100);
    expect(ch.write('big', bytes(250), false)).toBeNull(); // 100 in, 150 to go
    expect(ch.write('small', bytes(10, 200), false)).toBeNull(); // never overtakes a blocked writer
    expect(ch.read('r', 100, false)!.data).toEqual(bytes(100));
    // big writes 100 more and goes behind small; the pipe is full again.
    expect(ch.drain()).toEqual([]);
    expect(ch.read('r', 100, false)!.data).toEqual(bytes(100, 100));
    // small's 10 bytes go in, then big's last 50: both are done.
    expect(ch.drain()).toEqual([{ who: 'small', body: { code: 0, n: 10 } }, { who: 'big', body: { code: 0, n: 250 } }]);
    expect(ch.read('r', 100, false)!.data).toEqual(Uint8Array.from([...bytes(10, 200), ...bytes(50, 200)]));
    const nb = new Channel<string>(100);
    nb.write('x', bytes(60), false);
    expect(nb.write('y', bytes(5000), true)).toEqual({ code: 0, n: 40 }); // over PIPE_BUF: what fits
    expect(nb.write('y', bytes(5000), true)).toEqual({ code: EAGAIN, n: 0 });
  });

  it('end of file once the write side closes (after the bytes held); EPIPE once the read side closes, or the count written so far', () => {
    const ch = new Channel<string>(8);
    ch.write('w', bytes(3), false);
    expect(ch.setWriteOpen(false)).toEqual([]);
    expect(ch.read('r', 10, false)).toEqual({ code: 0, data: bytes(3) });
    expect(ch.read('r', 10, false)).toEqual({ code: 0, data: new Uint8Array(0), eof: true });
    const p = new Channel<string>(8);
    expect(p.read('r', 4, false)).toBeNull();
    expect(p.setWriteOpen(false)).toEqual([{ who: 'r', body: { code: 0, data: new Uint8Array(0), eof: true } }]);
    const q = new Channel<string>(8);
    expect(q.write('w', bytes(5000), false)).toBeNull(); // 8 in
    expect(q.write('v', bytes(4), false)).toBeNull();
    expect(q.setReadOpen(false)).toEqual([{ who: 'w', body: { code: 0, n: 8 } }, { who: 'v', body: { code: EPIPE, n: 0 } }]);
    expect(q.write('w', bytes(1), false)).toEqual({ code: EPIPE, n: 0 });
  });

  it('message mode keeps message boundaries; a short read leaves the rest (more)', () => {
    const ch = new Channel<string>(64, 'message');
    ch.write('w', bytes(5), false);
    ch.write('w', bytes(3, 50), false);
    expect(ch.read('r', 2, false)).toEqual({ code: 0, data: bytes(2), more: true });
    expect(ch.read('r', 100, false)).toEqual({ code: 0, data: bytes(3, 2) });
    expect(ch.read('r', 100, false)).toEqual({ code: 0, data: bytes(3, 50) });
  });
});

describe('ordinary pipes through the pipe server', () => {
  it('pipe() gives fds 3 and 4 above the console; bytes go through; a read takes what is there, at most n', async () => {
    const out: unknown[] = [];
    await world((k) => proc(k, 'p', async (io) => {
      const { code, fds } = await io.pipe();
      out.push(code, fds);
      out.push((await io.write(fds[1], 'hello, world')).n);
      out.push((await io.read(fds[0], 5)).text, (await io.read(fds[0], 100)).text, (await io.read(fds[0], 0)).bytes.length);
      out.push(io.table.open(), (await io.fstat(fds[0])).label);
    }));
    expect(out).toEqual([0, [3, 4], 12, 'hello', ', world', 0, [0, 1, 2, 3, 4], 'pipe 1 read end']);
  });

  it('a read blocks on an empty pipe until bytes come, and reads end of file once every write end is closed', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'parent', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe();
      await io.fork(async (c) => {
        await c.close(w);
        for (;;) {
          const got = await c.read(r, 100);
          out.push(`t=${c.sys.now()} ${got.eof ? 'EOF' : got.text}`);
          if (got.eof) break;
        }
      }, { name: 'child' });
      await io.close(r);
      await sys.sleep(5);
      await io.write(w, 'one');
      await sys.sleep(5);
      await io.close(w);
      await sys.wait();
    }));
    expect(out).toEqual(['t=5 one', 't=10 EOF']);
  });

  it('a writer that exits without closing closes its end too: the reader sees EOF', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'parent', async (io) => {
      const { fds: [r, w] } = await io.pipe();
      await io.fork(async (c) => { await c.write(w, 'bye'); }, { name: 'writer' }); // exits holding both ends
      await io.close(w);
      out.push((await io.readAll(r)).text);
    }));
    expect(out).toEqual(['bye']);
  });

  it('EPIPE once no read end is open; a blocked writer gets EPIPE, or the count written so far, when the reader leaves', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'p', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe({ capacity: 512 });
      await io.fork(async (c) => {
        await c.close(w);
        await c.sys.sleep(5);
        out.push(`reader took ${(await c.read(r, 100)).bytes.length}`);
        await c.close(r);
      }, { name: 'reader' });
      await io.close(r);
      const big = await io.write(w, bytes(2000)); // 512 in, blocks; 100 more after the read; the reader closes
      out.push(`write 2000: ${name(big.code)} n=${big.n} at t=${sys.now()}`);
      const again = await io.write(w, 'x');
      out.push(`write again: ${name(again.code)} n=${again.n}`);
    }));
    expect(out).toEqual(['reader took 100', 'write 2000: SUCCESS n=612 at t=5', 'write again: EPIPE n=0']);
  });

  it('a full pipe blocks the writer until the reader makes room; O_NONBLOCK gives EAGAIN instead', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'p', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe({ capacity: 512 });
      out.push(`${(await io.write(w, bytes(400))).n}`);
      io.fcntl(w, F_SETFL, O_NONBLOCK);
      io.fcntl(r, F_SETFL, O_NONBLOCK);
      out.push(name((await io.write(w, bytes(200))).code)); // atomic, does not fit
      out.push(name((await io.read(r, 1000)).code), name((await io.read(r, 10)).code)); // 400 bytes, then empty
      out.push(`flags ${io.fcntl(r, F_GETFL).value === (O_RDONLY | O_NONBLOCK)}`);
      io.fcntl(w, F_SETFL, 0);
      await io.write(w, bytes(512));
      await io.fork(async (c) => { await c.sys.sleep(7); await c.read(r, 300); }, { name: 'drainer' });
      await io.write(w, bytes(300));
      out.push(`blocked write done at t=${sys.now()}`);
    }));
    expect(out).toEqual(['400', 'EAGAIN', 'SUCCESS', 'EAGAIN', 'flags true', 'blocked write done at t=7']);
  });

  it('EBADF for a closed, unknown or wrong-way descriptor; EINVAL for a bad capacity or count', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'p', async (io) => {
      const { fds: [r, w] } = await io.pipe();
      out.push(name((await io.read(w, 1)).code), name((await io.write(r, 'x')).code), name((await io.read(99, 1)).code));
      out.push(name(await io.close(r)), name(await io.close(r)), name((await io.dup2(r, 5)).code), name((await io.dup2(w, -1)).code));
      out.push(name((await io.pipe({ capacity: 0 })).code), name((await io.read(0, -1)).code), name(io.fcntl(42, F_GETFD).code));
      out.push(name((await io.write(0, 'x')).code)); // the console's input
    }));
    expect(out).toEqual(['EBADF', 'EBADF', 'EBADF', 'SUCCESS', 'EBADF', 'EBADF', 'EBADF', 'EINVAL', 'EINVAL', 'EBADF', 'EBADF']);
  });

  it('EMFILE when every descriptor below OPEN_MAX is taken', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'p', async (io) => {
      for (let fd = 3; fd < OPEN_MAX; fd++) await io.dup2(1, fd);
      out.push(name((await io.dup(1)).code), name((await io.pipe()).code), `${io.table.open().length}`);
    }));
    expect(out).toEqual(['EMFILE', 'EMFILE', `${OPEN_MAX}`]);
  });

  it('dup2 redirects: both descriptors name one send right (two user references); the pipe stays open until both are closed', async () => {
    const out: unknown[] = [];
    await world((k) => proc(k, 'p', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe();
      await io.dup2(w, 1);
      const right = io.table.get(1)!.name;
      out.push(right === io.table.get(w)!.name, (await sys.port_get_refs(right, 'send')).refs);
      await io.close(w);
      await io.write(1, 'to stdout');
      out.push((await io.read(r, 100)).text);
      await io.close(1);
      out.push((await io.read(r, 100)).eof);
    }));
    expect(out).toEqual([true, 2, 'to stdout', true]);
  });
  it('a reader killed while blocked in read: its end closes with it, and the writer gets EPIPE', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'parent', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe();
      const { handle } = await io.fork(async (c) => { await c.close(w); await c.read(r, 10); }, { name: 'reader' });
      await io.close(r);
      await sys.sleep(5);
      await sys.kill(handle!, 'kill');
      await sys.wait();
      await sys.sleep(1);
      out.push(name((await io.write(w, 'anyone?')).code));
    }));
    expect(out).toEqual(['EPIPE']);
  });
});

describe('descriptors across fork and exec', () => {
  it('a forked child gets a copy of the table; a child that keeps the write end keeps the reader from EOF until it exits', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'parent', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe();
      await io.dup2(w, 7);
      await io.fork(async (c) => {
        out.push(`child fds ${c.table.open().join(' ')}, refs ${(await c.sys.port_get_refs(c.table.get(7)!.name, 'send')).refs}`);
        await c.close(r);
        await c.sys.sleep(10); // holds fds 4 and 7 (the write end) while it sleeps
      }, { name: 'child' });
      await io.close(w);
      await io.close(7);
      const got = await io.read(r, 10);
      out.push(`parent EOF at t=${sys.now()}: ${got.eof}`);
    }));
    expect(out).toEqual(['child fds 0 1 2 3 4 7, refs 2', 'parent EOF at t=10: true']);
  });

  it('exec keeps descriptors but closes close-on-exec ones first; the new program finds its table and its args', async () => {
    const out: string[] = [];
    await world((k) => {
      k.install('/bin/report', async (sys: Sys) => {
        const io = await posix(sys);
        out.push(`args ${JSON.stringify(io.args)}, fds ${io.table.open().join(' ')}`);
        await io.write(4, 'from the new program');
      });
      proc(k, 'sh', async (io) => {
        const { fds: [r, w] } = await io.pipe();
        const { fds: [r2, w2] } = await io.pipe({ cloexec: true });
        out.push(`cloexec ${io.fcntl(w2, F_GETFD).value} ${io.fcntl(w, F_GETFD).value}`);
        io.fcntl(r2, F_SETFD, 0);
        await io.fork(async (c) => { await c.close(r); await c.exec('/bin/report', { args: { n: 1 } }); }, { name: 'child' });
        await io.close(w);
        await io.close(w2);
        out.push(`pipe 1: ${(await io.readAll(r)).text}`);
        out.push(`pipe 2: eof ${(await io.read(r2, 1)).eof}`); // the child's copy of w2 was closed by exec
      });
    });
    expect(out).toEqual(['cloexec 1 0', 'args {"n":1}, fds 0 1 2 4 5', 'pipe 1: from the new program', 'pipe 2: eof true']);
    expect(FD_CLOEXEC).toBe(1);
  });
});

describe('named pipes (FIFOs)', () => {
  it('open for reading blocks until a writer opens, and open for writing until a reader does', async () => {
    const out: string[] = [];
    await world((k) => {
      proc(k, 'reader', async (io, sys) => {
        out.push(`mkfifo ${name(await io.mkfifo('/tmp/f', 0o666))}`);
        const { code, fd } = await io.open('/tmp/f', O_RDONLY);
        out.push(`reader opened ${name(code)} fd ${fd} at t=${sys.now()}`);
        out.push(`reader got ${(await io.readAll(fd)).text}`);
        await io.close(fd); // (while it holds the read end, an open for writing would not wait)
        const again = await io.open('/tmp/f', O_WRONLY); // now the writer waits for a reader
        out.push(`reader opened for writing at t=${sys.now()}: ${name(again.code)}`);
      });
      proc(k, 'writer', async (io, sys) => {
        await sys.sleep(10);
        const { fd } = await io.open('/tmp/f', O_WRONLY);
        out.push(`writer opened at t=${sys.now()}`);
        await io.write(fd, 'through the fifo');
        await io.close(fd);
        await sys.sleep(10);
        const r = await io.open('/tmp/f', O_RDONLY);
        out.push(`writer opened for reading at t=${sys.now()}: ${name(r.code)}`);
      });
    });
    expect(out).toEqual([
      'mkfifo SUCCESS', 'reader opened SUCCESS fd 3 at t=10', 'writer opened at t=10', 'reader got through the fifo',
      'reader opened for writing at t=20: SUCCESS', 'writer opened for reading at t=20: SUCCESS',
    ]);
  });

  it('O_NONBLOCK: a reader goes on at once (EOF with no writer); a writer with no reader gets ENXIO; EEXIST, ENOENT, O_RDWR EINVAL', async () => {
    const out: string[] = [];
    await world((k) => proc(k, 'p', async (io) => {
      await io.mkfifo('/tmp/f');
      out.push(name(await io.mkfifo('/tmp/f')), name((await io.open('/tmp/none', O_RDONLY)).code), name((await io.open('/tmp/f', O_RDWR)).code));
      out.push(name((await io.open('/tmp/f', O_WRONLY | O_NONBLOCK)).code));
      const { fd } = await io.open('/tmp/f', O_RDONLY | O_NONBLOCK);
      out.push(`${fd} eof ${(await io.read(fd, 1)).eof}`);
      const w = await io.open('/tmp/f', O_WRONLY | O_NONBLOCK); // a reader is there now
      out.push(name(w.code), `${(await io.write(w.fd, 'x')).n}`, name((await io.read(fd, 5)).code));
    }));
    expect(out).toEqual(['EEXIST', 'ENOENT', 'EINVAL', 'ENXIO', '3 eof true', 'SUCCESS', '1', 'SUCCESS']);
  });

  it('several writers share one FIFO; it persists after its users exit, until its owner unlinks it', async () => {
    const out: string[] = [];
    const { pipes } = await world((k) => {
      proc(k, 'first', async (io, sys) => {
        await io.mkfifo('/tmp/log', 0o666);
        for (let i = 0; i < 2; i++) {
          await io.fork(async (c) => {
            const w = await c.open('/tmp/log', O_WRONLY); // waits for a reader
            await c.write(w.fd, `writer ${i}.`);
          }, { name: `writer${i}` });
        }
        const { fd } = await io.open('/tmp/log', O_RDONLY);
        out.push((await io.readAll(fd)).text.split('.').sort().join('.')); // EOF once both writers have exited
        await io.close(fd);
        await sys.sleep(100);
        out.push(`owner unlinks: ${name(await io.unlink('/tmp/log'))}`);
      });
      proc(k, 'later', async (io, sys) => {
        await sys.sleep(50); // every user of the FIFO has closed it; its writers have exited
        const st = (await io.stat('/tmp/log')).stat!;
        out.push(`still there: ${st.type}, owner ${st.owner}, mode ${st.mode.toString(8)}`);
        await io.fork(async (c) => { const w = await c.open('/tmp/log', O_WRONLY); await c.write(w.fd, 'again'); }, { name: 'writer2' });
        const { fd } = await io.open('/tmp/log', O_RDONLY);
        out.push((await io.readAll(fd)).text);
        await io.close(fd);
        out.push(`unlink by another owner: ${name(await io.unlink('/tmp/log'))}`);
        await sys.sleep(100);
        out.push(`after unlink: ${name((await io.open('/tmp/log', O_RDONLY)).code)} ${name((await io.stat('/tmp/log')).code)}`);
      });
    });
    expect(out).toEqual([
      '.writer 0.writer 1', 'still there: fifo, owner 3, mode 666', 'again', 'unlink by another owner: EPERM', 'owner unlinks: SUCCESS', 'after unlink: ENOENT ENOENT',
    ]);
    expect(pipes.status()).toEqual([]); // unlinked and closed: the pipe server has freed it
  });

  it('a FIFO of mode 0600 cannot be opened by another owner (EACCES); a forked child of its owner may', async () => {
    const out: string[] = [];
    await world((k) => {
      proc(k, 'owner', async (io) => {
        await io.mkfifo('/tmp/private', 0o600);
        await io.fork(async (c) => {
          const w = await c.open('/tmp/private', O_WRONLY);
          out.push(`child of the owner: ${name(w.code)}`);
          await c.write(w.fd, 'mine');
        }, { name: 'child' });
        out.push(`owner reads ${(await io.readAll((await io.open('/tmp/private', O_RDONLY)).fd)).text}`);
      });
      proc(k, 'stranger', async (io, sys) => {
        await sys.sleep(1);
        out.push(`stranger: ${name((await io.open('/tmp/private', O_WRONLY)).code)} ${name((await io.open('/tmp/private', O_RDONLY)).code)}`);
      });
    });
    expect(out).toEqual(['child of the owner: SUCCESS', 'owner reads mine', 'stranger: EACCES EACCES']);
  });

  it('a duplex named pipe: both directions, message boundaries kept, a third opener EBUSY, EOF and EPIPE when a side leaves', async () => {
    const out: string[] = [];
    await world((k) => {
      proc(k, 'server', async (io, sys) => {
        out.push(`mkfifo duplex ${name(await io.mkfifo('/pipe/chat', 0o666, { duplex: true }))}`);
        const { fd } = await io.open('/pipe/chat', O_RDWR); // side 0: waits for a client
        out.push(`server connected at t=${sys.now()}`);
        const a = await io.read(fd, 3);
        const b = await io.read(fd, 100);
        const c = await io.read(fd, 100);
        out.push(`server read "${a.text}" more=${a.more}, "${b.text}", "${c.text}"`);
        await io.write(fd, 'pong');
        out.push(`server then reads eof=${(await io.read(fd, 100)).eof}; writes ${name((await io.write(fd, 'x')).code)}`);
      });
      proc(k, 'client', async (io, sys) => {
        await sys.sleep(5);
        const { fd } = await io.open('/pipe/chat', O_RDWR); // side 1
        await io.write(fd, 'hello');
        await io.write(fd, 'world');
        out.push(`client read "${(await io.read(fd, 100)).text}"`);
        out.push(`third opener: ${name((await io.open('/pipe/chat', O_RDWR | O_NONBLOCK)).code)}, read-only: ${name((await io.open('/pipe/chat', O_RDONLY)).code)}`);
      });
    });
    expect(out).toEqual([
      'mkfifo duplex SUCCESS', 'server connected at t=5', 'server read "hel" more=true, "lo", "world"', 'client read "pong"',
      'third opener: EBUSY, read-only: EINVAL', 'server then reads eof=true; writes EPIPE',
    ]);
  });
});

describe('the console, the servers as tasks, and a forgotten close', () => {
  it('fds 0, 1, 2 are the console: fd 0 reads what startPipes was given, then EOF; fds 1 and 2 are kept in order', async () => {
    const { pipes } = await world((k) => proc(k, 'cat', async (io) => {
      const { text } = await io.readAll(0);
      await io.write(1, text.toUpperCase());
      await io.write(2, 'done\n');
    }), { stdin: 'hello\nworld\n' });
    expect(pipes.console.text()).toBe('HELLO\nWORLD\ndone\n');
    expect(pipes.console.of({ fd: 2 })).toBe('done\n');
    expect(pipes.console.records.map((r) => [r.pid, r.fd])).toEqual([[3, 1], [3, 2]]);
  });

  it('the servers are tasks in ps and in the trace', async () => {
    const { k } = await world((k) => proc(k, 'p', async (io) => void (await io.pipe())));
    expect(k.ps().map((p) => `${p.pid} ${p.name}`)).toEqual(['1 fs', '2 pipes']);
    const senders = new Set(k.trace.records.filter((r) => r.kind === 'send' && r.portLabel === 'pipe server').map((r) => r.task));
    expect([...senders]).toEqual(['p']);
  });

  it('a forgotten close: the reader never sees EOF, and the deadlock report names the read and the wait', async () => {
    const { report, pipes } = await world((k) => proc(k, 'shell', async (io, sys) => {
      const { fds: [r, w] } = await io.pipe();
      const { pid } = await io.fork(async (c) => {
        await c.close(w);
        await c.dup2(r, 0);
        await c.close(r);
        await c.readAll(0);
      }, { name: 'reader' });
      await io.write(w, 'data'); // and forgets close(w)
      await sys.wait(pid);
    }));
    expect(report.status).toBe('deadlock');
    expect(report.deadlock.map((d) => `${d.name}: ${d.waitsOn.replace(/port \d+/g, 'port N')}`)).toEqual([
      'shell: wait(pid 4): receive on port N (shell.reply)',
      'reader: receive on port N (read(fd 0) on pipe 1 read end)',
    ]);
    expect(pipes.status()).toEqual(['pipe 1: 0 of 65536 bytes; read end open, write end open; 1 blocked reading (pid 4)']);
  });
});

describe('a property: what goes into a pipe comes out in order, once, with nothing lost', () => {
  it('for random capacities, write sizes and read sizes, with one or two writers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9000 }),
        fc.array(fc.integer({ min: 1, max: 10000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 7000 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (capacity, writes, reads, twoWriters) => {
          const got: number[] = [];
          const sent: number[][] = [[], []];
          const k = boot({ seed: 1 });
          startPosix(k);
          k.spawn('p', async (sys) => {
            const io = await posix(sys);
            const { fds: [r, w] } = await io.pipe({ capacity });
            for (let id = 0; id < (twoWriters ? 2 : 1); id++) {
              await io.fork(async (c) => {
                let at = 0;
                for (const n of writes) {
                  // Writer id's bytes: id in the top bit, a running count below (mod 128).
                  const chunk = Uint8Array.from({ length: n }, (_, i) => (id << 7) | ((at + i) & 127));
                  const { n: put } = await c.write(w, chunk);
                  sent[id]!.push(...chunk.subarray(0, put));
                  at += n;
                }
              }, { name: `writer${id}` });
            }
            await io.close(w);
            for (let i = 0; ; i++) {
              const res = await io.read(r, reads[i % reads.length]!);
              if (res.eof) break;
              got.push(...res.bytes);
            }
          });
          const report = await k.run();
          expect(report.status).toBe('done');
          // Each writer's bytes come out in its order, all of them, once; atomic writes come out whole.
          for (let id = 0; id < 2; id++) expect(got.filter((b) => b >> 7 === id)).toEqual(sent[id]);
          expect(got.length).toBe(sent[0]!.length + sent[1]!.length);
          expect(sent[0]!.length).toBe(writes.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 40, seed: 10 },
    );
  });
});
