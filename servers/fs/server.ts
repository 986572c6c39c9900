/**
 * The file server: a task (`fs` in ps, checked in as `fs`) that keeps a small
 * namespace of paths (`namespace.ts`) and serves the `FS` routines on its port,
 * and the `IO` routines (read, write, stat) on the port of each open regular
 * file. Built only from system calls.
 *
 * Who asks: a request's sender pid comes from the kernel (the message's audit
 * trailer), so it cannot be forged. The user a pid acts as is the pid of the
 * process its session started from: walking up the parents (`ps`), the last
 * process below the kernel (or init, when pid 1 is init). A task spawned with `k.spawn` is its own
 * user; its forked children act as it, as Unix children keep their parent's
 * uid. (A process orphaned before it first asks, whose parent is now init, is
 * its own user.) Each pid's user is found once and kept.
 *
 * A node may stand for an object another server serves (a FIFO: the pipe
 * server's object): the node holds a send right to it, `fs_open` hands a copy to
 * whoever may open it, and `fs_unlink` gives it up (the Hurd calls such a node a
 * translator). A regular file's bytes live here; each open gets a port of its
 * own with its offset (the open file description), freed when its last send
 * right goes (a no-senders notification on that port).
 *
 * @example
 * const k = boot({ seed: 1 });
 * startFs(k);              // a daemon task named fs
 * // tasks: const fs = await fsClient(sys); await fs.create('/tmp/key', { mode: 0o600 });
 */
import { KERN_SUCCESS } from '../../ports/codes.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { EACCES, EBADF, EEXIST, EINVAL, ENOENT, EPERM, O_ACCMODE, O_APPEND, O_CREAT, O_EXCL, O_KNOWN, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../posix/errno.ts';
import { DEFER, fail, ok, serveSet, type Answer, type Request } from '../posix/mig.ts';
import { IO } from '../pipe/defs.ts';
import { SessionUsers } from '../shm/users.ts';
import { FS } from './defs.ts';
import { Namespace, normalPath, statOf, validMode, type Node } from './namespace.ts';

/** Options of the file server. */
export interface FsServerOptions {
  /** The name it checks in with the name service (default 'fs'). */
  netname?: string;
  /** Its device number, in stat (default 1). */
  dev?: number;
}

/** An open regular file: the node, the offset, what it was opened for. */
interface OpenFile {
  port: number;
  node: Node;
  offset: number;
  append: boolean;
  read: boolean;
  write: boolean;
}

type Result = Answer | typeof DEFER | undefined;
const EMPTY = new Uint8Array(0);

/** The file server's program and its namespace; `startFs` runs it as a daemon task. */
export class FsServer {
  readonly ns: Namespace;
  readonly netname: string;
  private readonly users = new SessionUsers();
  private readonly files = new Map<number, OpenFile>();
  private sys!: Sys;
  private set = 0;
  private service = 0;

  constructor(opts: FsServerOptions = {}) {
    this.netname = opts.netname ?? 'fs';
    this.ns = new Namespace(opts.dev ?? 1);
  }

  /** The task's program: a port set with the service port, check in, serve forever. */
  async run(sys: Sys): Promise<number> {
    this.sys = sys;
    this.set = (await sys.port_allocate('port-set', 'fs set')).name!;
    this.service = await this.newPort('file server');
    await sys.netname_check_in(this.netname, this.service);
    return serveSet(sys, this.set, (req) => this.handle(req));
  }

  /** One line per path: type, owner, mode, size (`ls -l`, for reports). */
  listing(): string[] {
    return this.ns.list().map((p) => {
      const n = this.ns.lookup(p)!;
      return `${n.type.padEnd(6)} ${n.mode.toString(8).padStart(4, '0')} owner ${n.owner} ${String(n.size).padStart(6)} ${p}`;
    });
  }

  private handle(req: Request): Result | Promise<Result> {
    const f = this.files.get(req.port);
    if (f) {
      if (req.notification) return this.closeFile(f).then(() => DEFER);
      if (req.id === IO.io_read.id) return this.read(f, req);
      if (req.id === IO.io_write.id) return this.write(f, req);
      if (req.id === IO.io_stat.id) return ok({ kind: 'file', id: f.node.ino, label: f.node.path, buffered: f.node.size - f.offset, capacity: 0, pipeBuf: 0, size: f.node.size });
      return undefined;
    }
    if (req.port !== this.service || req.notification) return DEFER;
    const path = normalPath(req.body.path);
    if (req.id === FS.fs_list.id) return ok({ paths: this.ns.list(typeof req.body.prefix === 'string' ? req.body.prefix : '/') });
    if (typeof path === 'number') return req.id >= FS.fs_create.id && req.id <= FS.fs_chmod.id ? fail(path) : undefined;
    switch (req.id) {
      case FS.fs_create.id:
        return this.create(path, req);
      case FS.fs_stat.id: {
        const n = this.ns.lookup(path);
        return n ? ok({ stat: statOf(n) }) : fail(ENOENT);
      }
      case FS.fs_unlink.id:
        return this.unlink(path, req);
      case FS.fs_exists.id:
        return ok({ exists: this.ns.lookup(path) !== undefined });
      case FS.fs_open.id:
        return this.open(path, req);
      case FS.fs_chmod.id:
        return this.chmod(path, req);
      default:
        return undefined;
    }
  }

  // --- the namespace ---------------------------------------------------------------
  private async create(path: string, req: Request): Promise<Answer> {
    const right = req.rights[0];
    const port = right && right.right === 'send' ? right.name : 0;
    const needsObject = req.body.type === 'fifo' || req.body.type === 'duplex';
    const give = async (code: number): Promise<Answer> => {
      if (port) await this.sys.port_deallocate(port); // not kept: give the right back to the kernel
      return fail(code);
    };
    if (needsObject && !port) return give(EINVAL);
    const user = await this.userOf(req.sender);
    const r = this.ns.create(path, req.body.type, req.body.mode, user, this.sys.now(), port);
    if (r.code !== KERN_SUCCESS) return give(r.code);
    return ok({ stat: statOf(r.node!) });
  }

  private async unlink(path: string, req: Request): Promise<Answer> {
    const r = this.ns.unlink(path, await this.userOf(req.sender));
    if (r.code !== KERN_SUCCESS) return fail(r.code);
    if (r.node!.port) await this.sys.port_deallocate(r.node!.port);
    return ok();
  }

  private async chmod(path: string, req: Request): Promise<Answer> {
    const n = this.ns.lookup(path);
    if (!n) return fail(ENOENT);
    if (!validMode(req.body.mode)) return fail(EINVAL);
    if (n.owner !== (await this.userOf(req.sender))) return fail(EPERM);
    n.mode = req.body.mode;
    return ok();
  }

  /** open(2): O_CREAT makes a regular file; the access the flags ask for must be granted by the mode bits. */
  private async open(path: string, req: Request): Promise<Answer> {
    const flags = req.body.flags;
    if (!Number.isInteger(flags) || ((flags as number) & ~O_KNOWN) !== 0 || ((flags as number) & O_ACCMODE) === O_ACCMODE) return fail(EINVAL);
    const fl = flags as number;
    const user = await this.userOf(req.sender);
    let node = this.ns.lookup(path);
    let created = false;
    if (!node) {
      if (!(fl & O_CREAT)) return fail(ENOENT);
      const r = this.ns.create(path, 'file', req.body.mode ?? 0o644, user, this.sys.now());
      if (r.code !== KERN_SUCCESS) return fail(r.code);
      node = r.node!;
      created = true;
    } else if ((fl & O_CREAT) && (fl & O_EXCL)) return fail(EEXIST);
    const acc = fl & O_ACCMODE;
    const access = acc === O_RDONLY ? 'r' : acc === O_WRONLY ? 'w' : 'rw';
    if (!created && !this.ns.may(node, user, access)) return fail(EACCES);
    const stat = statOf(node);
    if (node.port) return ok({ stat }, [{ name: node.port, disposition: 'copy-send' }]);
    if (node.type !== 'file') return ok({ stat });
    if ((fl & O_TRUNC) && acc !== O_RDONLY) {
      node.data = EMPTY;
      node.size = 0;
      node.mtime = this.sys.now();
    }
    const port = await this.newPort(`file ${path}`);
    this.files.set(port, { port, node, offset: 0, append: (fl & O_APPEND) !== 0, read: acc !== O_WRONLY, write: acc === O_WRONLY || acc === O_RDWR });
    return ok({ stat: statOf(node) }, [{ name: port, disposition: 'make-send' }], async () => {
      await this.sys.port_request_notification(port, 'no-senders', port);
    });
  }

  // --- open regular files ------------------------------------------------------------
  private read(f: OpenFile, req: Request): Answer {
    if (!f.read) return fail(EBADF);
    const n = req.body.n;
    if (!Number.isInteger(n) || (n as number) < 0) return fail(EINVAL);
    const data = f.node.data.slice(f.offset, Math.min(f.node.size, f.offset + (n as number)));
    f.offset += data.length;
    return data.length === 0 && (n as number) > 0 ? ok({ data, eof: true }) : ok({ data });
  }

  private write(f: OpenFile, req: Request): Answer {
    if (!f.write) return fail(EBADF);
    const data = req.body.data;
    if (!(data instanceof Uint8Array)) return fail(EINVAL);
    const node = f.node;
    const at = f.append ? node.size : f.offset;
    const end = at + data.length;
    if (end > node.data.length) {
      const grown = new Uint8Array(Math.max(end, node.data.length * 2, 64));
      grown.set(node.data.subarray(0, node.size));
      node.data = grown;
    }
    node.data.set(data, at);
    node.size = Math.max(node.size, end);
    node.mtime = this.sys.now();
    f.offset = end;
    return ok({ n: data.length });
  }

  private async closeFile(f: OpenFile): Promise<void> {
    this.files.delete(f.port);
    await this.sys.port_destroy(f.port);
  }

  // --- helpers ----------------------------------------------------------------------
  private async newPort(label: string): Promise<number> {
    const port = (await this.sys.port_allocate('receive', label)).name!;
    await this.sys.port_move_member(port, this.set);
    return port;
  }

  /** The user a pid acts as: the process its session started from (found once with ps, then kept). */
  private userOf(pid: number): Promise<number> {
    return this.users.of(this.sys, pid);
  }
}

