/**
 * The file server (issue 10): the namespace's rules on their own, then the
 * server in a running kernel through its client stubs and the POSIX library:
 * create, stat, unlink, exists, open (O_CREAT, O_EXCL, O_TRUNC, O_APPEND),
 * chmod, list; owners and mode bits between tasks of different owners; every
 * errno it answers; errno names.
 */
import { describe, expect, it } from 'vitest';
import { audit, boot, MIG_BAD_ID, type Kernel, type Sys } from '../index.ts';
import { FS } from '../servers/fs/defs.ts';
import { Namespace, normalPath } from '../servers/fs/namespace.ts';
import {
  EACCES, EAGAIN, EBADF, EBUSY, EEXIST, EINVAL, EMFILE, ENAMETOOLONG, ENOENT, ENXIO, EPERM, EPIPE, ERRNO_NUMBERS, errnoName, ESPIPE, fsClient, isErrno,
  O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, posix, startFs, startPosix, type FsServerHandle,
} from '../servers/posix/index.ts';

const name = errnoName;

/** Boots a kernel with the file server (and the pipe server), spawns tasks, runs it; checks the books balance. */
async function world(setup: (k: Kernel<Sys>) => void): Promise<FsServerHandle> {
  const k = boot({ seed: 1 });
  const { fs } = startPosix(k);
  setup(k);
  const report = await k.run();
  expect(report.status).toBe('done');
  expect(k.bugs).toEqual([]);
  expect(audit(k).problems).toEqual([]);
  return fs;
}

describe('errno codes', () => {
  it('are the Hurd\'s encoding of Linux\'s numbers, each with its name; Mach codes keep theirs', () => {
    const codes = { EPERM, ENOENT, ENXIO, EBADF, EAGAIN, EACCES, EBUSY, EEXIST, EINVAL, EMFILE, ESPIPE, EPIPE, ENAMETOOLONG };
    for (const [n, code] of Object.entries(codes)) {
      expect(code).toBe(0x40000000 | ERRNO_NUMBERS[n as keyof typeof ERRNO_NUMBERS]);
      expect(errnoName(code)).toBe(n);
      expect(isErrno(code)).toBe(true);
    }
    expect(ENOENT).toBe(0x40000002);
    expect(errnoName(MIG_BAD_ID)).toBe('MIG_BAD_ID');
    expect(isErrno(MIG_BAD_ID)).toBe(false);
  });
});

describe('the namespace, without system calls', () => {
  it('paths: absolute, slashes collapsed, no . or .., limits', () => {
    expect(normalPath('//tmp///a/')).toBe('/tmp/a');
    expect([normalPath('tmp/a'), normalPath('/'), normalPath('/a/../b'), normalPath('/a/./b'), normalPath(''), normalPath(3)]).toEqual([EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL]);
    expect(normalPath(`/${'x'.repeat(256)}`)).toBe(ENAMETOOLONG);
    expect(normalPath(`/${'x/'.repeat(2100)}`)).toBe(ENAMETOOLONG);
  });

  it('create, EEXIST, bad types and modes; the owner gets the owner bits, others the other bits; only the owner unlinks', () => {
    const ns = new Namespace();
    const a = ns.create('/k', 'file', 0o640, 4, 10);
    expect(a.code).toBe(0);
    expect(a.node).toMatchObject({ path: '/k', ino: 2, dev: 1, type: 'file', owner: 4, mode: 0o640, size: 0, ctime: 10 });
    expect(ns.create('/k', 'file', 0o600, 4, 0).code).toBe(EEXIST);
    expect([ns.create('/x', 'File!', 0o600, 4, 0).code, ns.create('/x', 'file', 0o10000, 4, 0).code, ns.create('/x', 'file', -1, 4, 0).code]).toEqual([EINVAL, EINVAL, EINVAL]);
    const k = ns.lookup('/k')!;
    expect([ns.may(k, 4, 'rw'), ns.may(k, 5, 'r'), ns.may(k, 5, 'w')]).toEqual([true, false, false]); // group bits are not used
    k.mode = 0o404; // read-only, for the owner too
    expect([ns.may(k, 5, 'r'), ns.may(k, 5, 'rw'), ns.may(k, 4, 'w')]).toEqual([true, false, false]);
    expect(ns.unlink('/k', 5).code).toBe(EPERM);
    expect(ns.unlink('/k', 4).code).toBe(0);
    expect(ns.unlink('/k', 4).code).toBe(ENOENT);
    expect(ns.create('/k', 'file', 0o600, 4, 0).node!.ino).toBe(3); // inode numbers are never reused
  });
});

describe('the file server', () => {
  it('is a task named fs; create, stat, exists, unlink, list through its stubs, with the creator as owner', async () => {
    const out: unknown[] = [];
    const fs = await world((k) => k.spawn('a', async (sys) => {
      const c = await fsClient(sys);
      const made = await c.create('/tmp/key', { mode: 0o600 });
      out.push(name(made.code), made.stat);
      out.push(await c.exists('/tmp/key'), await c.exists('/tmp/none'), await c.exists('relative'));
      out.push(name((await c.create('/tmp/key')).code), name((await c.stat('/tmp/none')).code));
      await c.create('/tmp/a', { type: 'shm', mode: 0o644 });
      out.push(await c.list('/tmp/'));
      out.push(name(await c.unlink('/tmp/key')), name(await c.unlink('/tmp/key')), await c.exists('/tmp/key'));
    }));
    expect(out).toEqual([
      'SUCCESS', { path: '/tmp/key', ino: 2, dev: 1, type: 'file', owner: 3, mode: 0o600, size: 0, ctime: 0, mtime: 0 },
      true, false, false, 'EEXIST', 'ENOENT', ['/tmp/a', '/tmp/key'], 'SUCCESS', 'ENOENT', false,
    ]);
    expect(fs.listing()).toEqual(['shm    0644 owner 3      0 /tmp/a']);
  });

  it('EINVAL for a bad path, type or mode, and for a fifo without its object; ENAMETOOLONG; MIG_BAD_ID for an unknown routine', async () => {
    const out: string[] = [];
    await world((k) => k.spawn('a', async (sys) => {
      const c = await fsClient(sys);
      out.push(name((await c.create('tmp/x')).code), name((await c.create('/x', { type: 'Bad Type' })).code), name((await c.create('/x', { mode: 0o20000 })).code));
      out.push(name((await c.create('/x', { type: 'fifo' })).code), name((await c.create(`/${'n'.repeat(300)}`)).code));
      out.push(name((await c.stat('/a/../b')).code), name(await c.unlink('')), name(await c.chmod('/x', 0o644)));
      out.push(name((await sys.call(c.server, FS.fs_create.id + 50, {})).code));
    }));
    expect(out).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'ENAMETOOLONG', 'EINVAL', 'EINVAL', 'ENOENT', 'MIG_BAD_ID']);
  });

  it('mode bits between two tasks of different owners: EACCES to open, EPERM to unlink or chmod; the owner opens it up', async () => {
    const out: string[] = [];
    await world((k) => {
      k.spawn('alice', async (sys) => {
        const io = await posix(sys);
        const { fd } = await io.open('/home/alice/notes', O_WRONLY | O_CREAT, 0o600);
        await io.write(fd, 'secret');
        await io.close(fd);
        await sys.sleep(10);
        out.push(`alice chmod 0644: ${name(await (await io.fs()).chmod('/home/alice/notes', 0o644))}`);
      });
      k.spawn('bob', async (sys) => {
        const io = await posix(sys);
        const fs = await io.fs();
        await sys.sleep(5);
        out.push(`bob stat: owner ${(await io.stat('/home/alice/notes')).stat!.owner}`);
        out.push(`bob open: ${name((await io.open('/home/alice/notes', O_RDONLY)).code)} ${name((await io.open('/home/alice/notes', O_WRONLY)).code)}`);
        out.push(`bob unlink: ${name(await io.unlink('/home/alice/notes'))}, chmod: ${name(await fs.chmod('/home/alice/notes', 0o666))}`);
        await sys.sleep(10);
        const r = await io.open('/home/alice/notes', O_RDONLY);
        out.push(`bob after chmod: ${name(r.code)} "${(await io.readAll(r.fd)).text}", write: ${name((await io.open('/home/alice/notes', O_RDWR)).code)}`);
      });
    });
    expect(out).toEqual([
      'bob stat: owner 3', 'bob open: EACCES EACCES', 'bob unlink: EPERM, chmod: EPERM', 'alice chmod 0644: SUCCESS', 'bob after chmod: SUCCESS "secret", write: EACCES',
    ]);
  });

  it('a forked child acts as its parent\'s owner (as a Unix child keeps its uid); its files are the parent\'s', async () => {
    const out: string[] = [];
    await world((k) => k.spawn('parent', async (sys) => {
      const io = await posix(sys);
      await io.open('/tmp/mine', O_CREAT | O_WRONLY, 0o600);
      const { pid } = await io.fork(async (c) => {
        out.push(`child ${c.sys.pid} opens: ${name((await c.open('/tmp/mine', O_RDWR)).code)}`);
        await c.open('/tmp/child', O_CREAT | O_WRONLY, 0o600);
        out.push(`owner of its file: ${(await c.stat('/tmp/child')).stat!.owner}`);
      }, { name: 'child' });
      await sys.wait(pid);
      out.push(`parent unlinks the child's file: ${name(await io.unlink('/tmp/child'))}`);
    }));
    expect(out).toEqual(['child 4 opens: SUCCESS', 'owner of its file: 3', "parent unlinks the child's file: SUCCESS"]);
  });

  it('regular files: O_CREAT, O_EXCL, O_TRUNC, O_APPEND; an offset per open; EBADF the wrong way; the bytes outlive their writer', async () => {
    const out: string[] = [];
    await world((k) => {
      k.spawn('writer', async (sys) => {
        const io = await posix(sys);
        out.push(name((await io.open('/data', O_RDONLY)).code));
        const { fd } = await io.open('/data', O_WRONLY | O_CREAT | O_EXCL, 0o644);
        out.push(name((await io.open('/data', O_WRONLY | O_CREAT | O_EXCL)).code));
        await io.write(fd, 'hello world');
        out.push(name((await io.read(fd, 5)).code));
        const a = await io.open('/data', O_WRONLY | O_APPEND);
        await io.write(a.fd, '!');
        const again = await io.open('/data', O_RDWR);
        await io.write(again.fd, 'J');
        out.push(`size ${(await io.stat('/data')).stat!.size}, flags EINVAL: ${name((await io.open('/data', 0o77777777)).code)}`);
      });
      k.spawn('reader', async (sys) => {
        await sys.sleep(5); // the writer has exited
        const io = await posix(sys);
        const { fd } = await io.open('/data', O_RDONLY);
        out.push(`read ${(await io.read(fd, 4)).text}|${(await io.readAll(fd)).text}`);
        out.push(`write on O_RDONLY: ${name((await io.write(fd, 'x')).code)}, on another owner's 0644 file: ${name((await io.open('/data', O_WRONLY | O_TRUNC)).code)}`);
      });
      k.spawn('truncater', async (sys) => {
        await sys.sleep(10);
        const io = await posix(sys);
        const t = await io.open('/fresh', O_RDWR | O_CREAT, 0o600);
        await io.write(t.fd, 'abc');
        await io.open('/fresh', O_WRONLY | O_TRUNC);
        out.push(`after O_TRUNC: size ${(await io.stat('/fresh')).stat!.size}, fstat ${(await io.fstat(t.fd)).kind}`);
      });
    });
    expect(out).toEqual([
      'ENOENT', 'EEXIST', 'EBADF', 'size 12, flags EINVAL: EINVAL', 'read Jell|o world!', 'write on O_RDONLY: EBADF, on another owner\'s 0644 file: EACCES',
      'after O_TRUNC: size 0, fstat file',
    ]);
  });

  it('startFs alone serves the namespace (no pipe server needed); two file servers under two names are apart', async () => {
    const k = boot({ seed: 1 });
    const one = startFs(k);
    const two = startFs(k, { netname: 'fs2', dev: 2 });
    const out: unknown[] = [];
    k.spawn('a', async (sys) => {
      const a = await fsClient(sys);
      const b = await fsClient(sys, 'fs2');
      await a.create('/x');
      out.push(await b.exists('/x'), (await b.create('/x')).stat!.dev);
    });
    const report = await k.run();
    expect(report.status).toBe('done');
    expect(out).toEqual([false, 2]);
    expect([one.ns.list(), two.ns.list(), k.ps().map((p) => p.name)]).toEqual([['/x'], ['/x'], ['fs', 'fs']]);
  });
});
