/**
 * The file server's client stubs: what a program (or another server, such as
 * the shared-memory part's ftok and shm_open) calls. Each is one MIG-style call
 * to the server's port (`FS` in `defs.ts`); codes are errnos (`errnoName(code)`
 * names them) or Mach codes (MIG_SERVER_DIED, …).
 *
 * @example
 * const fs = await fsClient(sys);                          // looks up 'fs' (waits for it)
 * await fs.create('/tmp/key', { mode: 0o600 });            // { code: 0, stat }
 * (await fs.stat('/tmp/key')).stat!.ino;                   // 2 (ftok's inode)
 * await fs.exists('/tmp/none');                            // false
 * errnoName(await fs.unlink('/tmp/none'));                 // 'ENOENT'
 */
import type { Disposition } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { FS } from './defs.ts';
import type { Stat } from './namespace.ts';

/** Options of `create`. */
export interface CreateOptions {
  /** 'file' (default), 'fifo', 'duplex', or a word of the caller's ('shm', …). */
  type?: string;
  /** Permission bits (default 0o644). */
  mode?: number;
  /** A send right the node stands for (required for 'fifo' and 'duplex'): handed to whoever opens the path. */
  port?: number;
  /** Move the right to the server (default: copy it; the caller keeps its own). */
  move?: boolean;
}

/** The stubs of one task to one file server. */
export class FsClient {
  constructor(
    readonly sys: Sys,
    /** A send right to the file server's port. */
    readonly server: number,
  ) {}

  /**
   * Creates a path (mknod): `{ code, stat }`. Codes: 0, EEXIST, EINVAL (path, type,
   * mode; a fifo without its object), ENAMETOOLONG.
   *
   * @example
   * await fs.create('/tmp/lock', { type: 'file', mode: 0o600 });
   */
  async create(path: string, opts: CreateOptions = {}): Promise<{ code: number; stat?: Stat }> {
    const body = { path, type: opts.type ?? 'file', mode: opts.mode ?? 0o644 };
    const disposition: Disposition = opts.move ? 'move-send' : 'copy-send';
    const r = await this.sys.call(this.server, FS.fs_create.id, body, opts.port ? [{ name: opts.port, disposition }] : undefined);
    return r.code === 0 ? { code: 0, stat: r.stat as Stat } : { code: r.code };
  }

  /** What a path is: `{ code, stat }` (type, owner, mode, ino, dev, size, times). Codes: 0, ENOENT, EINVAL. */
  async stat(path: string): Promise<{ code: number; stat?: Stat }> {
    const r = await this.sys.call(this.server, FS.fs_stat.id, { path });
    return r.code === 0 ? { code: 0, stat: r.stat as Stat } : { code: r.code };
  }

  /** Removes a path (the owner only). Returns the code: 0, ENOENT, EPERM, EINVAL. */
  async unlink(path: string): Promise<number> {
    return (await this.sys.call(this.server, FS.fs_unlink.id, { path })).code;
  }

  /** Whether a path exists (false for a malformed path too). */
  async exists(path: string): Promise<boolean> {
    const r = await this.sys.call(this.server, FS.fs_exists.id, { path });
    return r.code === 0 && r.exists === true;
  }

  /**
   * Opens a path: `{ code, stat, port }`, port being a send right (an open regular
   * file's port, or a copy of a FIFO's object). Most programs call `posix(sys).open`,
   * which goes on to open a FIFO at the pipe server. Codes: 0, ENOENT, EEXIST, EACCES, EINVAL.
   */
  async open(path: string, flags: number, mode?: number): Promise<{ code: number; stat?: Stat; port?: number }> {
    const r = await this.sys.call(this.server, FS.fs_open.id, mode === undefined ? { path, flags } : { path, flags, mode });
    if (r.code !== 0) return { code: r.code };
    const port = r.ports?.[0]?.name;
    return port ? { code: 0, stat: r.stat as Stat, port } : { code: 0, stat: r.stat as Stat };
  }

  /** Changes a path's mode bits (the owner only). Returns the code: 0, ENOENT, EPERM, EINVAL. */
  async chmod(path: string, mode: number): Promise<number> {
    return (await this.sys.call(this.server, FS.fs_chmod.id, { path, mode })).code;
  }

  /** Every path starting with prefix (default all), sorted. */
  async list(prefix = '/'): Promise<string[]> {
    const r = await this.sys.call(this.server, FS.fs_list.id, { prefix });
    return r.code === 0 ? (r.paths as string[]) : [];
  }
}

/**
 * Connects a task to the file server checked in as `netname` (default 'fs'),
 * waiting for it to check in. Returns the stubs.
 */
export async function fsClient(sys: Sys, netname = 'fs'): Promise<FsClient> {
  const r = await sys.netname_look_up(netname, { wait: true });
  return new FsClient(sys, r.port!);
}
