import { describe, expect, it } from 'vitest';
import { audit, boot, compare, simulate, WORKLOADS, type Kernel, type Sys } from '../index.ts';
import { fsClient, startFs } from '../servers/fs/index.ts';
import { IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_STAT, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, PROT_READ, SHM_RDONLY, shmClient, startShm, type ShmClient } from '../servers/shm/index.ts';
import { lostUpdates, race, timeline } from '../scenarios/race.ts';
import { BUFFER_SIZE, ITEMS, sharedBuffer } from '../scenarios/shared-buffer.ts';

type Program = (sys: Sys, shm: ShmClient) => Promise<unknown>;

/**
 * A kernel with the shm server (and the file server, with `fs`) as daemon tasks, and the given
 * tasks, run to the end. Each spawned task is a user of its own; its forked children act as it.
 */
async function world(tasks: [name: string, program: Program][], opts: { fs?: boolean } = {}) {
  return simulate(boot({ seed: 1 }), (k: Kernel<Sys>) => {
    if (opts.fs) startFs(k);
    startShm(k);
    for (const [name, program] of tasks) k.spawn(name, (sys) => program(sys, shmClient(sys)));
  });
}

/** A result as a short string: 'ok', or its errno. */
const said = (r: { ok: boolean; errno: string | null }): string => (r.ok ? 'ok' : r.errno!);

describe('POSIX shared memory: names served by the shm server, memory by the kernel', () => {
  it('shm_open, ftruncate, mmap: two tasks share the bytes with no message between them; the errnos of each call', async () => {
    const out: string[] = [];
    const sim = await world([
      ['writer', async (sys, shm) => {
        out.push(said(await shm.shm_open('/board', O_RDWR))); // not there yet
        const o = await shm.shm_open('/board', O_CREAT | O_EXCL | O_RDWR, 0o644);
        if (!o.ok) return 1;
        out.push(`size ${o.size}`, said(await shm.mmap(o.fd))); // 0 bytes cannot be mapped
        out.push(said(await shm.shm_open('/board', O_CREAT | O_EXCL | O_RDWR)));
        out.push(said(await shm.shm_open('board', O_CREAT | O_RDWR)), said(await shm.shm_open('/a/b', O_CREAT | O_RDWR)), said(await shm.shm_open('/x', O_CREAT | 1)));
        out.push(said(await shm.ftruncate(o.fd, 8)), said(await shm.ftruncate(o.fd, -1)), said(await shm.ftruncate(999, 8)), said(await shm.close(999)));
        const m = await shm.mmap(o.fd);
        if (!m.ok) return 1;
        await sys.sleep(10);
        m.view.set([1, 2, 3]); // t=10
        await sys.sleep(5);
        out.push(`writer sees ${[...m.view]}`);
      }],
      ['reader', async (sys, shm) => {
        await sys.sleep(5);
        out.push(`reader O_RDWR: ${said(await shm.shm_open('/board', O_RDWR))}`); // 0644: others may only read
        const o = await shm.shm_open('/board', O_RDONLY);
        if (!o.ok) return 1;
        out.push(`reader ftruncate: ${said(await shm.ftruncate(o.fd, 16))}`, `reader PROT_WRITE: ${said(await shm.mmap(o.fd))}`);
        const m = await shm.mmap(o.fd, PROT_READ);
        if (!m.ok) return 1;
        await sys.sleep(7);
        out.push(`reader sees ${[...m.view]}`); // t=12
        m.view[7] = 9; // JavaScript cannot trap this write: a read-only mapping is a promise the program keeps
      }],
    ]);
    expect(out).toEqual([
      'ENOENT', 'size 0', 'EINVAL', 'EEXIST', 'EINVAL', 'EINVAL', 'EINVAL', 'ok', 'EINVAL', 'EBADF', 'EBADF',
      'reader O_RDWR: EACCES', 'reader ftruncate: EINVAL', 'reader PROT_WRITE: EACCES', 'reader sees 1,2,3,0,0,0,0,0',
      'writer sees 1,2,3,0,0,0,0,9',
    ]);
    // Between the write (t=10) and the read (t=12) no message moved: the bytes were simply there.
    expect(sim.records.filter((r) => (r.kind === 'send' || r.kind === 'receive') && r.t >= 10 && r.t < 12)).toEqual([]);
    expect(sim.report.status).toBe('done');
    expect(sim.report.tasks.map((t) => t.name)).toEqual(['shm', 'writer', 'reader']); // the server is a task like any other
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('permission bits between users: the owner and its forked children, and everyone else; only the owner unlinks', async () => {
    const out: string[] = [];
    await world([
      ['owner', async (sys, shm) => {
        await shm.shm_open('/private', O_CREAT | O_RDWR, 0o600);
        await shm.shm_open('/team', O_CREAT | O_RDWR, 0o640);
        await shm.shm_open('/public', O_CREAT | O_RDWR, 0o644);
        await sys.fork(async (child) => {
          const mine = shmClient(child); // a child acts as its parent's user
          out.push(`owner's child: /private ${said(await mine.shm_open('/private', O_RDWR))}`);
        }, { wait: true });
        await sys.sleep(10);
        out.push(`owner: unlink /team ${said(await shm.shm_unlink('/team'))}, again ${said(await shm.shm_unlink('/team'))}, bad name ${said(await shm.shm_unlink('nope'))}`);
      }],
      ['stranger', async (sys, shm) => {
        await sys.sleep(1);
        out.push(`stranger: /private ${said(await shm.shm_open('/private', O_RDONLY))}, /team ${said(await shm.shm_open('/team', O_RDONLY))} (group bits are not used), /public read ${said(await shm.shm_open('/public', O_RDONLY))}, write ${said(await shm.shm_open('/public', O_RDWR))}`);
        out.push(`stranger: unlink /team ${said(await shm.shm_unlink('/team'))}, O_TRUNC read-only ${said(await shm.shm_open('/mine', O_CREAT | O_TRUNC, 0o600))}`);
      }],
    ]);
    expect(out).toEqual([
      "owner's child: /private ok",
      'stranger: /private EACCES, /team EACCES (group bits are not used), /public read ok, write EACCES',
      'stranger: unlink /team EACCES, O_TRUNC read-only EACCES',
      'owner: unlink /team ok, again ENOENT, bad name EINVAL',
    ]);
  });

  it('a segment outlives its creator, and after shm_unlink lives until the last handle is closed and the last mapping unmapped', async () => {
    const out: string[] = [];
    const rows = (shm: ShmClient) => shm.ipcs().then((r) => (r.ok ? r.segments.map((s) => `${s.name}${s.removed ? ' (unlinked)' : ''} nattch ${s.nattch} opens ${s.opens}`).join('; ') || 'none' : r.errno));
    const sim = await world([
      ['creator', async (sys, shm) => {
        await sys.fork(async (child) => {
          const mine = shmClient(child);
          await mine.ipcs(); // known to the server as the creator's user while the creator lives
          await child.sleep(8);
          out.push(`the creator's child unlinks: ${said(await mine.shm_unlink('/log'))}`);
          const fresh = await mine.shm_open('/log', O_CREAT | O_RDWR, 0o600); // a new segment under the old name
          out.push(`new /log: size ${fresh.ok ? fresh.size : fresh.errno}`);
          await mine.shm_unlink('/log');
        }, { name: 'cleaner' });
        const o = await shm.shm_open('/log', O_CREAT | O_RDWR, 0o666);
        if (!o.ok) return 1;
        await shm.ftruncate(o.fd, 4);
        const m = await shm.mmap(o.fd);
        if (m.ok) m.view.set([7, 7]);
        await sys.sleep(1);
        // It ends without munmap, close or unlink: the server hears of it (dead-name on its token).
      }],
      ['user', async (sys, shm) => {
        await sys.sleep(5);
        out.push(`t=5 ${await rows(shm)}`);
        const o = await shm.shm_open('/log', O_RDWR);
        if (!o.ok) return 1;
        const m = await shm.mmap(o.fd);
        if (!m.ok) return 1;
        out.push(`user sees ${[...m.view]} after its creator ended`);
        await sys.sleep(5); // unlinked at t=7 (refused) and t=8
        m.view[2] = 8; // still there, still shared
        out.push(`t=10 ${await rows(shm)}; open again: ${said(await shm.shm_open('/log', O_RDWR))}`);
        await shm.munmap(m.view);
        out.push(`after munmap: ${await rows(shm)}`);
        await shm.close(o.fd);
        out.push(`after close: ${await rows(shm)}; munmap again: ${said(await shm.munmap(m.view))}`);
        out.push(`the view still reads ${[...m.view]} (JavaScript keeps the bytes)`);
      }],
      ['stranger', async (sys, shm) => {
        await sys.sleep(7);
        out.push(`unlink by another user: ${said(await shm.shm_unlink('/log'))}`);
      }],
    ]);
    expect(out).toEqual([
      't=5 /log nattch 0 opens 0',
      'user sees 7,7,0,0 after its creator ended',
      'unlink by another user: EACCES',
      "the creator's child unlinks: ok",
      'new /log: size 0',
      't=10 /log (unlinked) nattch 1 opens 1; open again: ENOENT',
      'after munmap: /log (unlinked) nattch 0 opens 1',
      'after close: none; munmap again: EINVAL',
      'the view still reads 7,7,8,0 (JavaScript keeps the bytes)',
    ]);
    expect(sim.report.counters.regionsCreated).toBe(2);
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});

describe('System V shared memory: ftok, shmget, shmat, shmdt, shmctl', () => {
  it('ftok needs a file the file server has; the same file and id give the same key', async () => {
    const out: string[] = [];
    await world([
      ['t', async (sys, shm) => {
        out.push(said(await shm.ftok('/etc/app.key', 1)));
        const fs = await fsClient(sys);
        await fs.create('/etc/app.key', { mode: 0o644 }); // inode 2 on device 1
        const a = await shm.ftok('/etc/app.key', 1);
        const b = await shm.ftok('/etc/app.key', 1);
        const c = await shm.ftok('/etc/app.key', 0x142);
        if (!a.ok || !b.ok || !c.ok) return 1;
        out.push(`keys ${a.key.toString(16)} ${b.key.toString(16)} ${c.key.toString(16)}`);
        out.push(said(await shm.ftok('/etc/app.key', 0x100)), said(await shm.ftok('relative', 1)));
        await fs.unlink('/etc/app.key');
        out.push(`after unlink: ${said(await shm.ftok('/etc/app.key', 1))}`);
      }],
    ], { fs: true });
    expect(out).toEqual(['ENOENT', 'keys 1010002 1010002 42010002', 'EINVAL', 'EINVAL', 'after unlink: ENOENT']);
  });

  it('shmget with IPC_CREAT|IPC_EXCL, IPC_PRIVATE, sizes and permissions; shmat and shmdt; shmctl IPC_STAT and IPC_RMID', async () => {
    const out: string[] = [];
    const key = 0x5eed;
    const closed = 0x600d;
    const sim = await world([
      ['owner', async (sys, shm) => {
        out.push(`no key: ${said(await shm.shmget(key, 64, 0o600))}, size 0: ${said(await shm.shmget(key, 0, IPC_CREAT | 0o600))}`);
        const g = await shm.shmget(key, 64, IPC_CREAT | IPC_EXCL | 0o644);
        if (!g.ok) return 1;
        await shm.shmget(closed, 8, IPC_CREAT | 0o600);
        const again = await shm.shmget(key, 32, IPC_CREAT);
        out.push(`again: ${said(await shm.shmget(key, 64, IPC_CREAT | IPC_EXCL))}, IPC_CREAT finds ${again.ok && again.shmid === g.shmid ? 'the same' : 'another'}, too big: ${said(await shm.shmget(key, 65, 0))}`);
        const p1 = await shm.shmget(IPC_PRIVATE, 8, 0o600);
        const p2 = await shm.shmget(IPC_PRIVATE, 8, 0o600);
        out.push(`IPC_PRIVATE twice: ${p1.ok && p2.ok && p1.shmid !== p2.shmid ? 'two segments' : 'one'}`);
        const a = await shm.shmat(g.shmid);
        if (!a.ok) return 1;
        a.view[0] = 42;
        await sys.sleep(10);
        const stat = await shm.shmctl(g.shmid, IPC_STAT);
        out.push(`stat: ${stat.ok ? JSON.stringify({ ...stat.ds, owner: stat.ds!.owner === sys.pid, cpid: stat.ds!.cpid === sys.pid, lpid: undefined }) : stat.errno}`);
        out.push(`rmid: ${said(await shm.shmctl(g.shmid, IPC_RMID))}, then shmat ${said(await shm.shmat(g.shmid))}, shmget ${said(await shm.shmget(key, 64, 0))}, shmctl ${said(await shm.shmctl(g.shmid, IPC_STAT))}`);
        out.push(`bad cmd: ${said(await shm.shmctl(p1.ok ? p1.shmid : 0, 99))}, shmdt of a stranger view: ${said(await shm.shmdt(new Uint8Array(1)))}`);
        a.view[1] = 43; // removed, but attached: still shared
        await shm.shmdt(a.view);
      }],
      ['stranger', async (sys, shm) => {
        await sys.sleep(2);
        out.push(`stranger asks rw: ${said(await shm.shmget(key, 0, 0o666))}`);
        const g = await shm.shmget(key, 0, 0);
        if (!g.ok) return 1;
        out.push(`stranger shmat rw: ${said(await shm.shmat(g.shmid))}`);
        const a = await shm.shmat(g.shmid, SHM_RDONLY);
        if (!a.ok) return 1;
        const c = await shm.shmget(closed, 0, 0);
        out.push(`stranger reads ${a.view[0]}; rmid: ${said(await shm.shmctl(g.shmid, IPC_RMID))}; 0600 segment: shmget ${said(c)}, shmat ${c.ok ? said(await shm.shmat(c.shmid, SHM_RDONLY)) : '-'}, stat ${c.ok ? said(await shm.shmctl(c.shmid, IPC_STAT)) : '-'}`);
        await sys.sleep(10);
        out.push(`stranger after rmid: ${a.view[1]}, detach ${said(await shm.shmdt(a.view))}, again ${said(await shm.shmdt(a.view))}`);
        const left = await shm.ipcs();
        out.push(`left: ${left.ok ? left.segments.map((s) => `${s.id} key ${s.key}`).join(', ') : left.errno}`);
      }],
    ]);
    expect(out).toEqual([
      'no key: ENOENT, size 0: EINVAL',
      'again: EEXIST, IPC_CREAT finds the same, too big: EINVAL',
      'IPC_PRIVATE twice: two segments',
      'stranger asks rw: EACCES',
      'stranger shmat rw: EACCES',
      'stranger reads 42; rmid: EPERM; 0600 segment: shmget ok, shmat EACCES, stat EACCES',
      'stat: {"key":24301,"size":64,"owner":true,"mode":420,"cpid":true,"nattch":2}',
      'rmid: ok, then shmat EINVAL, shmget ENOENT, shmctl EINVAL',
      'bad cmd: EINVAL, shmdt of a stranger view: EINVAL',
      'stranger after rmid: 43, detach ok, again EINVAL',
      'left: 2 key 24589, 3 key null, 4 key null',
    ]);
    expect(audit(sim.kernel).problems).toEqual([]);
  });
});

describe('task_info shows the regions a process maps', () => {
  it('each mapping with its region, size, MAP_SHARED or not, and how it is mapped; gone after unmap; a fork copies a private one', async () => {
    const out: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('p', async (sys) => {
        const a = (await sys.region_create(16, true, 'a')).region!;
        const b = (await sys.region_create(8, false, 'b')).region!;
        out.push((await sys.task_info()).pcb!.regions);
        await sys.region_map(a);
        await sys.region_map(b, false);
        const both = (await sys.task_info()).pcb!.regions;
        out.push(both.map((r) => ({ ...r, region: r.region > 0 })));
        await sys.fork(async (c) => {
          const mine = (await c.task_info()).pcb!.regions;
          out.push(mine.map((r) => ({ size: r.size, shared: r.shared, copied: !both.some((x) => x.region === r.region) })));
        }, { wait: true });
        await sys.region_unmap(a);
        out.push((await sys.task_info()).pcb!.regions.map((r) => r.size));
      });
    });
    expect(out).toEqual([
      [],
      [{ region: true, size: 16, shared: true, writable: true }, { region: true, size: 8, shared: false, writable: false }],
      [{ size: 16, shared: true, copied: false }, { size: 8, shared: false, copied: true }],
      [8],
    ]);
  });
});

describe('the race and its fix, by seed', () => {
  it('seeds 1-5 lose the same updates every time; the lost stores are named; a semaphore loses none', async () => {
    const runs = await Promise.all([1, 2, 3, 4, 5].map((s) => race(s, false)));
    expect(runs.map((r) => r.final)).toEqual([6, 5, 5, 6, 6]);
    expect(runs.map((r) => r.lost.length)).toEqual([4, 5, 5, 4, 4]); // exactly 10 − final
    expect(runs[2]!.lost).toEqual([
      { who: 'B', t: 4, value: 2, by: 'A', at: 6 },
      { who: 'B', t: 7, value: 3, by: 'A', at: 10 },
      { who: 'B', t: 11, value: 4, by: 'A', at: 17 },
      { who: 'B', t: 12, value: 5, by: 'A', at: 20 },
      { who: 'B', t: 19, value: 6, by: 'A', at: 20 },
    ]);
    expect((await race(3, false)).accesses).toEqual(runs[2]!.accesses);
    // A's 2 ms compute ends its quantum at t=2: it loads 1, and its next compute waits behind B.
    expect(timeline(runs[2]!.accesses, runs[2]!.lost).slice(2, 8)).toEqual([
      '    2  store 1                   1',
      '    2  load 1                    1',
      '    2           load 1           1',
      '    4           store 2 ✗        2',
      '    4           load 2           2',
      "    6  store 2                   2  ← A loaded 1 at t=2, before B's store of 2 (t=4): 1 update lost",
    ]);
    expect(timeline(runs[2]!.accesses, runs[2]!.lost)[20]).toBe("   20  store 5                   5  ← A loaded 4 at t=17, before B's store of 5 (t=12), B's store of 6 (t=19): 2 updates lost");
    const synced = await Promise.all([1, 2, 3, 4, 5].map((s) => race(s, true)));
    expect(synced.map((r) => [r.final, r.lost.length])).toEqual([[10, 0], [10, 0], [10, 0], [10, 0], [10, 0]]);
    expect(lostUpdates([])).toEqual([]);
  });
});

describe('the shared buffer', () => {
  it('busy waiting uses BUFFER_SIZE − 1 slots and burns CPU; semaphores use all BUFFER_SIZE and block instead', async () => {
    const spin = await sharedBuffer(1, 'spin');
    const sleep = await sharedBuffer(1, 'sleep');
    const sems = await sharedBuffer(1, 'semaphores');
    const figures = (f: typeof spin) => [f.consumed, f.inOrder, f.maxInBuffer, f.time, f.itemsPerSecond, f.cpuTime, f.busyWait, f.blocked];
    expect(figures(spin)).toEqual([ITEMS, true, BUFFER_SIZE - 1, 59, 339, 105, 17, 0]);
    expect(figures(sleep)).toEqual([ITEMS, true, BUFFER_SIZE - 1, 59, 339, 88, 0, 17]);
    expect(figures(sems)).toEqual([ITEMS, true, BUFFER_SIZE, 61, 328, 88, 0, 18]);
  });
});

describe('shared memory as a messaging model', () => {
  it('runs the workloads: no message between tasks, what it cannot express said', async () => {
    const [ping] = await compare(WORKLOADS.pingPong, { models: ['shm'] });
    expect([ping!.status, ping!.userMessages, ping!.delivered]).toEqual(['done', 0, 20]);
    expect(ping!.deliveries['client->server']).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const crash = await compare(WORKLOADS.crash, { models: ['shm'] });
    expect([crash[0]!.status, crash[0]!.couldNotExpress, crash[0]!.delivered, crash[0]!.retried]).toEqual(['done', [], 16, 0]);
    const pool = await compare(WORKLOADS.workerPool, { models: ['shm'] });
    expect([pool[0]!.couldNotExpress, pool[0]!.delivered]).toEqual([[], 24]);
    const many = await compare(WORKLOADS.manyClients, { models: ['shm'] });
    expect([many[0]!.couldNotExpress, many[0]!.delivered]).toEqual([['pass-right'], 40]);
  });
});
