/**
 * The shared-memory server's routines: one handler per routine of `SHM`, each
 * given the server's sys (it makes, resizes and gives back regions with system
 * calls), the table, the request and the caller's credentials, and answering
 * `{ body, rights? }` (a copy of a region's send right for the caller).
 */
import type { Sys } from '../../syscalls/sys.ts';
import { EACCES, EBADF, EEXIST, EINVAL, ENOENT, EPERM } from '../posix/errno.ts';
import { fail, ok, type Answer } from '../posix/mig.ts';
import type { SHM } from './defs.ts';
import { IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_STAT, O_CREAT, O_EXCL, O_RDWR, O_TRUNC, SHM_MAX } from './defs.ts';
import { nattch, permits, R, unused, W, type Cred, type Segment, type Segments } from './segments.ts';

type Handler = (sys: Sys, table: Segments, req: Record<string, unknown>, cred: Cred) => Promise<Answer>;

/** Success, with the routine's fields and, if given, a copy of the server's send right to a region. */
const done = (fields: Record<string, unknown> = {}, region?: number): Answer => (region === undefined ? ok(fields) : ok(fields, [{ name: region, disposition: 'copy-send' }]));
const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const goodSize = (v: unknown): v is number => int(v) && v >= 0 && v <= SHM_MAX;
/** A POSIX name: `/` then 1 to 254 characters, none of them `/`. */
const goodName = (v: unknown): v is string => typeof v === 'string' && /^\/[^/]{1,254}$/.test(v);

/** Gives the region back once a removed segment has no open handle and no mapping left. */
export async function releaseIfUnused(sys: Sys, table: Segments, seg: Segment): Promise<void> {
  if (!unused(seg) || !table.byId.has(seg.id)) return;
  table.drop(seg);
  await sys.port_deallocate(seg.region);
}

/** A new segment of `size` bytes: a region made by the kernel, its send right kept by the server. */
async function create(sys: Sys, table: Segments, fields: Omit<Segment, 'id' | 'removed' | 'opens' | 'attached' | 'lpid' | 'region'>): Promise<Segment> {
  const label = fields.kind === 'posix' ? `shm ${fields.name}` : `sysv ${fields.key ?? 'private'}`;
  const { region } = await sys.region_create(fields.size, true, label);
  return table.add({ ...fields, region: region! });
}

/**
 * The handlers. Codes: 0, or ENOENT, EEXIST, EACCES, EINVAL, EBADF, EPERM
 * (servers/posix/errno.ts); each routine's are in the client's header (`client.ts`).
 */
export const ROUTINES: { readonly [N in keyof typeof SHM]: Handler } = {
  async shm_open(sys, table, req, cred) {
    const flags = req.flags;
    const mode = req.mode ?? 0o600;
    if (!goodName(req.name) || !int(flags) || !int(mode)) return fail(EINVAL);
    const access = flags & 3;
    if (access !== 0 && access !== O_RDWR) return fail(EINVAL);
    const rdwr = access === O_RDWR;
    let seg = table.byName.get(req.name);
    if (seg) {
      if (flags & O_CREAT && flags & O_EXCL) return fail(EEXIST);
      if (!permits(seg, cred.user, rdwr ? R | W : R)) return fail(EACCES);
    } else {
      if (!(flags & O_CREAT)) return fail(ENOENT);
      seg = await create(sys, table, { kind: 'posix', size: 0, name: req.name, key: null, owner: cred.user, mode: mode & 0o777, cpid: cred.pid });
    }
    if (flags & O_TRUNC) {
      if (!rdwr) return fail(EACCES);
      await sys.region_resize(seg.region, 0);
      seg.size = 0;
    }
    const open = seg.opens.get(cred.pid) ?? { count: 0, writable: false };
    open.count++;
    open.writable ||= rdwr;
    seg.opens.set(cred.pid, open);
    return done({ id: seg.id, size: seg.size, writable: rdwr }, seg.region);
  },

  async shm_ftruncate(sys, table, req, cred) {
    const seg = int(req.id) ? table.byId.get(req.id) : undefined;
    const open = seg?.opens.get(cred.pid);
    if (!seg || !open) return fail(EBADF);
    if (!open.writable || !goodSize(req.size)) return fail(EINVAL);
    if ((await sys.region_resize(seg.region, req.size)) !== 0) return fail(EINVAL);
    seg.size = req.size;
    return done({ size: seg.size });
  },

  async shm_map(_sys, table, req, cred) {
    const seg = int(req.id) ? table.byId.get(req.id) : undefined;
    const open = seg?.opens.get(cred.pid);
    if (!seg || !open) return fail(EBADF);
    if (req.writable === true && !open.writable) return fail(EACCES);
    if (seg.size === 0) return fail(EINVAL);
    seg.attached.set(cred.pid, (seg.attached.get(cred.pid) ?? 0) + 1);
    seg.lpid = cred.pid;
    return done({ size: seg.size });
  },

  async shm_detach(sys, table, req, cred) {
    const seg = int(req.id) ? table.byId.get(req.id) : undefined;
    const n = seg?.attached.get(cred.pid) ?? 0;
    if (!seg || n === 0) return fail(EINVAL);
    if (n === 1) seg.attached.delete(cred.pid);
    else seg.attached.set(cred.pid, n - 1);
    seg.lpid = cred.pid;
    await releaseIfUnused(sys, table, seg);
    return done();
  },

  async shm_close(sys, table, req, cred) {
    const seg = int(req.id) ? table.byId.get(req.id) : undefined;
    const open = seg?.opens.get(cred.pid);
    if (!seg || !open) return fail(EBADF);
    if (--open.count === 0) seg.opens.delete(cred.pid);
    await releaseIfUnused(sys, table, seg);
    return done();
  },

  async shm_unlink(sys, table, req, cred) {
    if (!goodName(req.name)) return fail(EINVAL);
    const seg = table.byName.get(req.name);
    if (!seg) return fail(ENOENT);
    if (cred.user !== seg.owner) return fail(EACCES);
    table.remove(seg);
    await releaseIfUnused(sys, table, seg);
    return done();
  },

  async shmget(sys, table, req, cred) {
    const { key, size, flags } = req;
    if (!int(key) || !goodSize(size) || !int(flags)) return fail(EINVAL);
    const seg = key === IPC_PRIVATE ? undefined : table.byKey.get(key);
    if (seg) {
      if (flags & IPC_CREAT && flags & IPC_EXCL) return fail(EEXIST);
      if (size > seg.size) return fail(EINVAL);
      // Linux's rule: the permission bits in flags are the access asked for.
      const f = flags & 0o777;
      if (!permits(seg, cred.user, ((f >> 6) | (f >> 3) | f) & 7)) return fail(EACCES);
      return done({ shmid: seg.id });
    }
    if (key !== IPC_PRIVATE && !(flags & IPC_CREAT)) return fail(ENOENT);
    if (size < 1) return fail(EINVAL);
    const made = await create(sys, table, { kind: 'sysv', size, name: null, key: key === IPC_PRIVATE ? null : key, owner: cred.user, mode: flags & 0o777, cpid: cred.pid });
    return done({ shmid: made.id });
  },

  async shmat(_sys, table, req, cred) {
    const seg = int(req.shmid) ? table.byId.get(req.shmid) : undefined;
    if (!seg || seg.kind !== 'sysv' || seg.removed) return fail(EINVAL);
    if (!permits(seg, cred.user, req.readonly === true ? R : R | W)) return fail(EACCES);
    seg.attached.set(cred.pid, (seg.attached.get(cred.pid) ?? 0) + 1);
    seg.lpid = cred.pid;
    return done({ size: seg.size }, seg.region);
  },

  async shmctl(sys, table, req, cred) {
    const seg = int(req.shmid) ? table.byId.get(req.shmid) : undefined;
    if (!seg || seg.kind !== 'sysv' || seg.removed) return fail(EINVAL);
    if (req.cmd === IPC_RMID) {
      if (cred.user !== seg.owner) return fail(EPERM);
      table.remove(seg);
      await releaseIfUnused(sys, table, seg);
      return done();
    }
    if (req.cmd === IPC_STAT) {
      if (!permits(seg, cred.user, R)) return fail(EACCES);
      const { size, owner, mode, cpid, lpid } = seg;
      return done({ ds: { key: seg.key ?? IPC_PRIVATE, size, owner, mode, cpid, lpid, nattch: nattch(seg) } });
    }
    return fail(EINVAL);
  },

  async shm_list(_sys, table) {
    return done({ segments: table.rows() });
  },
};
