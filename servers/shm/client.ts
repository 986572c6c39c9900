/**
 * The shared-memory client stubs: POSIX (`shm_open`, `ftruncate`, `mmap`,
 * `munmap`, `close`, `shm_unlink`) and System V (`ftok`, `shmget`, `shmat`,
 * `shmdt`, `shmctl`) as calls to the shm server, plus `region_map` /
 * `region_unmap` to the kernel for the memory itself.
 *
 * A POSIX handle (`fd`) is the region's send right, a name in the task's
 * space: the server copies it in shm_open's reply (opening one segment twice
 * gives the same name with two references; close drops one), and a mapping
 * holds a reference of its own, so munmap works after close. The stubs send
 * no credentials: the server knows the sender's pid from the kernel and the
 * user it acts as (`users.ts`). `ftok` asks the file server (servers/fs) for
 * the path's inode and device, so it needs one running (`startFs(k)`).
 */
import type { Sys } from '../../syscalls/sys.ts';
import { EBADF, EINVAL, errnoName, isErrno } from '../posix/errno.ts';
import { PROT_READ, PROT_WRITE, SHM, SHM_RDONLY, SHM_SERVICE } from './defs.ts';
import { fsClient, type FsClient } from '../fs/client.ts';
import type { SegmentRow } from './segments.ts';

/**
 * What a stub resolves to: `ok` and the routine's fields, or the error's name
 * (`'ENOENT'`; a Mach name such as `'MIG_SERVER_DIED'` when the call itself
 * failed) and its code (servers/posix/errno.ts).
 */
export type ShmResult<T = object> = ({ ok: true; errno: null } & T) | { ok: false; errno: string; code: number };

/** shmctl(IPC_STAT)'s answer (System V's shmid_ds). */
export interface ShmidDs {
  key: number;
  size: number;
  /** The owner: a user, which is a pid (the process its creator's session started from). */
  owner: number;
  mode: number;
  cpid: number;
  lpid: number;
  nattch: number;
}

/** The stubs a task calls (see `shmClient`). */
export interface ShmClient {
  /** Opens (O_CREAT: makes, with mode; O_EXCL: refuses one that exists) the segment `/name`, O_RDONLY or O_RDWR. Errors: EINVAL, ENOENT, EEXIST, EACCES. */
  shm_open(name: string, flags: number, mode?: number): Promise<ShmResult<{ fd: number; size: number }>>;
  /** Sets its size (a new segment has 0 bytes); mappings follow. Errors: EBADF, EINVAL (opened read-only, or a bad size). */
  ftruncate(fd: number, size: number): Promise<ShmResult>;
  /** Maps the whole segment: `view` over its bytes, shared with every task that maps it. Errors: EBADF, EACCES (PROT_WRITE on a read-only handle), EINVAL (size 0). */
  mmap(fd: number, prot?: number): Promise<ShmResult<{ view: Uint8Array }>>;
  /** Unmaps a view mmap or shmat gave. Errors: EINVAL. */
  munmap(view: Uint8Array): Promise<ShmResult>;
  /** Closes a handle (its mappings stay). Errors: EBADF. */
  close(fd: number): Promise<ShmResult>;
  /** Removes the name; the segment lives on until the last handle is closed and the last mapping unmapped. Errors: EINVAL, ENOENT, EACCES (not the owner). */
  shm_unlink(name: string): Promise<ShmResult>;
  /** A System V key from a file that exists (its inode and device, from the file server's stat) and the low 8 bits of id. Errors: ENOENT, EINVAL (id's low 8 bits are 0; a malformed path). */
  ftok(path: string, id: number): Promise<ShmResult<{ key: number }>>;
  /** The segment of key (IPC_CREAT: make it, of size bytes, with the mode in flags' low 9 bits; IPC_EXCL: refuse one that exists). Errors: ENOENT, EEXIST, EINVAL, EACCES. */
  shmget(key: number, size: number, flags: number): Promise<ShmResult<{ shmid: number }>>;
  /** Attaches a segment (SHM_RDONLY: read only). Errors: EINVAL (no such shmid, or removed), EACCES. */
  shmat(shmid: number, flags?: number): Promise<ShmResult<{ view: Uint8Array }>>;
  /** Detaches a view shmat gave. Errors: EINVAL. */
  shmdt(view: Uint8Array): Promise<ShmResult>;
  /** IPC_RMID (remove once nobody is attached; EPERM unless the owner) or IPC_STAT (`ds`; EACCES without read permission). Errors: EINVAL. */
  shmctl(shmid: number, cmd: number): Promise<ShmResult<{ ds?: ShmidDs }>>;
  /** Every segment the server knows, as `ipcs -m` lists them (removed ones still mapped too). */
  ipcs(): Promise<ShmResult<{ segments: SegmentRow[] }>>;
}

/**
 * The shared-memory stubs for one task. The server is found as `shm` with the
 * name service (waiting for it to check in).
 *
 * @example
 * const shm = shmClient(sys);
 * const o = await shm.shm_open('/board', O_CREAT | O_RDWR, 0o644);
 * if (o.ok) {
 *   await shm.ftruncate(o.fd, 4096);
 *   const m = await shm.mmap(o.fd);
 *   if (m.ok) m.view[0] = 42; // every task that maps /board sees 42, with no message
 * }
 */
export function shmClient(sys: Sys): ShmClient {
  let server = 0;
  let files: FsClient | null = null;
  let introduced = false;
  const fds = new Map<number, { id: number; writable: boolean }>();
  const views = new Map<Uint8Array, { id: number; region: number; count: number }>();

  /** One routine call: the token rides along until the server has answered once; the reply's code named. */
  const call = async (routine: keyof typeof SHM, args: Record<string, unknown>): Promise<{ errno: string | null; code: number; r: Record<string, unknown> }> => {
    if (server === 0) server = (await sys.netname_look_up(SHM_SERVICE, { wait: true })).port ?? 0;
    const rights = introduced ? undefined : [{ name: sys.notifyPort, disposition: 'make-send' as const }];
    const r = await sys.call(server, SHM[routine].id, args, rights);
    if (r.code === 0 || isErrno(r.code)) introduced = true; // the server has it (an errno is an answer too)
    return { errno: r.code === 0 ? null : errnoName(r.code), code: r.code, r };
  };
  const failed = (code: number) => ({ ok: false as const, errno: errnoName(code), code });
  const good = <T extends object>(fields: T) => ({ ok: true as const, errno: null, ...fields });

  /** Maps region (a name in this task's space) for segment id; a mapping holds a reference of its own. */
  const mapRegion = async (id: number, region: number, writable: boolean, extraRef: boolean): Promise<ShmResult<{ view: Uint8Array }>> => {
    if (extraRef) await sys.port_mod_refs(region, 'send', 1);
    const m = await sys.region_map(region, writable);
    if (m.code !== 0 || !m.view) return failed(m.code);
    const v = views.get(m.view) ?? { id, region, count: 0 };
    v.count++;
    views.set(m.view, v);
    return good({ view: m.view });
  };
  const unmapView = async (view: Uint8Array): Promise<ShmResult> => {
    const v = views.get(view);
    if (!v) return failed(EINVAL);
    const r = await call('shm_detach', { id: v.id });
    if (r.errno) return failed(r.code);
    if (--v.count === 0) {
      views.delete(view);
      await sys.region_unmap(v.region);
    }
    await sys.port_deallocate(v.region);
    return good({});
  };

  return {
    async shm_open(name, flags, mode = 0o600) {
      const r = await call('shm_open', { name, flags, mode });
      if (r.errno) return failed(r.code);
      const fd = (r.r.ports as { name: number }[] | undefined)?.[0]?.name ?? 0;
      const known = fds.get(fd);
      fds.set(fd, { id: r.r.id as number, writable: (known?.writable ?? false) || r.r.writable === true });
      return good({ fd, size: r.r.size as number });
    },
    async ftruncate(fd, size) {
      const f = fds.get(fd);
      if (!f) return failed(EBADF);
      const r = await call('shm_ftruncate', { id: f.id, size });
      return r.errno ? failed(r.code) : good({});
    },
    async mmap(fd, prot = PROT_READ | PROT_WRITE) {
      const f = fds.get(fd);
      if (!f) return failed(EBADF);
      const writable = (prot & PROT_WRITE) !== 0;
      const r = await call('shm_map', { id: f.id, writable });
      if (r.errno) return failed(r.code);
      return mapRegion(f.id, fd, writable, true);
    },
    munmap: unmapView,
    async close(fd) {
      const f = fds.get(fd);
      if (!f) return failed(EBADF);
      const r = await call('shm_close', { id: f.id });
      if (r.errno) return failed(r.code);
      if ((await sys.port_get_refs(fd, 'send')).refs === 1) fds.delete(fd);
      await sys.port_deallocate(fd);
      return good({});
    },
    async shm_unlink(name) {
      const r = await call('shm_unlink', { name });
      return r.errno ? failed(r.code) : good({});
    },
    async ftok(path, id) {
      if ((id & 0xff) === 0) return failed(EINVAL);
      files ??= await fsClient(sys);
      const { code, stat } = await files.stat(path);
      if (code !== 0 || !stat) return failed(code);
      return good({ key: (((id & 0xff) << 24) | ((stat.dev & 0xff) << 16) | (stat.ino & 0xffff)) >>> 0 });
    },
    async shmget(key, size, flags) {
      const r = await call('shmget', { key, size, flags });
      return r.errno ? failed(r.code) : good({ shmid: r.r.shmid as number });
    },
    async shmat(shmid, flags = 0) {
      const readonly = (flags & SHM_RDONLY) !== 0;
      const r = await call('shmat', { shmid, readonly });
      if (r.errno) return failed(r.code);
      const region = (r.r.ports as { name: number }[] | undefined)?.[0]?.name ?? 0;
      return mapRegion(shmid, region, !readonly, false);
    },
    shmdt: unmapView,
    async shmctl(shmid, cmd) {
      const r = await call('shmctl', { shmid, cmd });
      if (r.errno) return failed(r.code);
      return good(r.r.ds ? { ds: r.r.ds as ShmidDs } : {});
    },
    async ipcs() {
      const r = await call('shm_list', {});
      return r.errno ? failed(r.code) : good({ segments: r.r.segments as SegmentRow[] });
    },
  };
}
