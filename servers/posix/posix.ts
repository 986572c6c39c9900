/**
 * The POSIX emulation library: descriptors, pipes, FIFOs, fork and exec for a
 * task, in the task (as Mach 3's BSD emulation library and the Hurd's libc
 * are), built from system calls to the pipe server and the file server.
 *
 * A descriptor is a send right underneath: fd 3 names a send right to a pipe
 * end's port (the pipe server holds the receive right). dup2 adds a user
 * reference; close drops one (port_deallocate); fork shares the names with the
 * child; exit drops them all. When the last send right to an end goes, wherever
 * it was, the pipe server hears of it (no-senders) and the end is closed: that
 * is why a forgotten close or a forked child's copy keeps a pipe open, as on Unix.
 *
 * fds 0, 1, 2 of a process that inherits nothing are the console's streams,
 * served by the pipe server: fd 0 reads what `startPipes(k, { stdin })` was
 * given, then end of file; what fds 1 and 2 write is kept in order
 * (`pipes.console.text()`, for the scenario to read) and never blocks.
 *
 * @example
 * k.spawn('parent', async (sys) => {
 *   const io = await posix(sys);
 *   const { fds: [r, w] } = await io.pipe();
 *   await io.fork(async (child) => {
 *     await child.close(w);                           // the child reads: it closes the write end
 *     const { text } = await child.readAll(r);        // 'hello' (then end of file)
 *     await child.write(1, `child read ${text}\n`);   // to the console
 *   });
 *   await io.close(r);                                // the parent writes: it closes the read end
 *   await io.write(w, 'hello');
 *   await io.close(w);                                // now the child sees end of file
 * });
 */
import type { ForkOptions, ForkResult, Sys } from '../../syscalls/sys.ts';
import { FsClient, fsClient } from '../fs/client.ts';
import type { Stat } from '../fs/namespace.ts';
import { IO, PIPE } from '../pipe/defs.ts';
import { EBADF, EINVAL, EMFILE, ENXIO, O_ACCMODE, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY, OPEN_MAX } from './errno.ts';
import { callOn } from './mig.ts';
import { F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, POSIX_ARGS, ReadResult, type PosixState } from './results.ts';
import { FdTable, type Desc } from './table.ts';

export { F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, POSIX_ARGS, ReadResult, type PosixState } from './results.ts';

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Options of `posix()`. */
export interface PosixOptions {
  /** The state a parent handed over (io.fork does this). */
  inherit?: PosixState;
  /** The pipe server's and the file server's names in the name service (default 'pipe', 'fs'). */
  pipe?: string;
  fs?: string;
}

/**
 * Builds a task's POSIX library: from an inherited state (a fork's, or the one
 * `exec` put in `sys.args`), or fresh, with fds 0, 1, 2 on the console (waiting
 * for the pipe server to check in). Returns the library.
 *
 * @example
 * const io = await posix(sys);
 * await io.write(1, 'hello\n'); // { code: 0, n: 6 }
 */
export async function posix(sys: Sys, opts: PosixOptions = {}): Promise<Posix> {
  const fromExec = (sys.args as Record<string, unknown> | null)?.[POSIX_ARGS] as PosixState | undefined;
  // The program's own args: exec wrapped them beside the table (a forked child keeps its parent's).
  const args = fromExec ? (sys.args as { args?: unknown }).args : sys.args;
  const state = opts.inherit ?? fromExec;
  if (state) {
    const io = new Posix(sys, FdTable.from(state), state.pipe, state.fs, args, opts.fs);
    if (opts.inherit) {
      // fork gave the child one user reference per name: one more per extra descriptor naming it.
      for (const [name, count] of io.table.names()) if (count > 1) await sys.port_mod_refs(name, 'send', count - 1);
    } else for (const [key, port] of state.replies ?? []) io.replies.set(key, port);
    return io;
  }
  const server = (await sys.netname_look_up(opts.pipe ?? 'pipe', { wait: true })).port!;
  const r = await sys.call(server, PIPE.console_open.id, {});
  const table = new FdTable();
  const names = (r.ports ?? []).map((p) => p.name);
  const labels = ['console in', 'console out', 'console err'];
  names.forEach((name, i) => table.install(name, { kind: 'console', access: i === 0 ? 'r' : 'w', label: labels[i]!, nonblock: false }));
  return new Posix(sys, table, server, 0, args, opts.fs);
}

/** The POSIX calls of one process (see the file's comment). Codes are errnos (`errnoName`) or Mach codes. */
export class Posix {
  /** Reply ports of blocking calls, by what they are for (`read(fd 3)`): a deadlock report names the call. */
  readonly replies = new Map<string, number>();
  /** What each reply port's label says the descriptor is. */
  private readonly labels = new Map<number, string>();
  private fsc: FsClient | null = null;

  constructor(
    /** The task's system calls. */
    readonly sys: Sys,
    /** The descriptor table. */
    readonly table: FdTable,
    /** Send rights to the pipe server and the file server (0 until first used). */
    private readonly pipeServer: number,
    private fsPort: number,
    /** The program's own arguments (exec passes them through). */
    readonly args: unknown,
    private readonly fsName = 'fs',
  ) {
    if (fsPort) this.fsc = new FsClient(sys, fsPort);
  }

  /**
   * pipe(2): a new pipe of `capacity` bytes (default the server's, 65,536).
   * Returns `{ code, fds: [read, write] }` (fds [-1, -1] on failure). Codes: 0, EINVAL, EMFILE.
   *
   * @example
   * const { fds: [r, w] } = await io.pipe({ capacity: 512 });
   */
  async pipe(opts: { capacity?: number; cloexec?: boolean; nonblock?: boolean } = {}): Promise<{ code: number; fds: [number, number] }> {
    const r = await this.sys.call(this.pipeServer, PIPE.pipe_create.id, opts.capacity === undefined ? {} : { capacity: opts.capacity });
    if (r.code !== 0) return { code: r.code, fds: [-1, -1] };
    const [rd, wr] = r.ports!.map((p) => p.name) as [number, number];
    const nonblock = opts.nonblock === true;
    const fr = this.table.install(rd, { kind: 'pipe', access: 'r', label: `pipe ${r.id} read end`, nonblock }, opts.cloexec);
    const fw = fr < 0 ? -1 : this.table.install(wr, { kind: 'pipe', access: 'w', label: `pipe ${r.id} write end`, nonblock }, opts.cloexec);
    if (fw < 0) {
      if (fr >= 0) this.table.remove(fr);
      await this.sys.port_deallocate(rd);
      await this.sys.port_deallocate(wr);
      return { code: EMFILE, fds: [-1, -1] };
    }
    return { code: 0, fds: [fr, fw] };
  }

  /**
   * read(2): up to n bytes, as soon as there are some; blocks on an empty pipe
   * (unless O_NONBLOCK: EAGAIN); end of file (`eof`, 0 bytes) once no writer is
   * left. Codes: 0, EBADF, EINVAL, EAGAIN.
   *
   * @example
   * const r = await io.read(0, 4096);
   * if (r.eof) io.sys.log('end of file'); else io.sys.log(r.text);
   */
  async read(fd: number, n: number): Promise<ReadResult> {
    const f = this.table.get(fd);
    const d = this.table.desc(fd);
    if (!f || !d || d.access === 'w') return new ReadResult(EBADF, EMPTY, false);
    if (!Number.isInteger(n) || n < 0) return new ReadResult(EINVAL, EMPTY, false);
    const r = await callOn(this.sys, f.name, IO.io_read.id, d.nonblock ? { n, nonblock: true } : { n }, await this.reply('read', fd));
    return new ReadResult(r.code, (r.data as Uint8Array | undefined) ?? EMPTY, r.eof === true, r.more === true);
  }

  /**
   * write(2): bytes (a string goes as UTF-8). Returns `{ code, n }`: n is every
   * byte on success; less after a partial write (O_NONBLOCK over PIPE_BUF, or the
   * reader left midway). Codes: 0, EPIPE, EAGAIN, EBADF.
   *
   * @example
   * const { code } = await io.write(w, 'hello');
   * if (code === EPIPE) io.sys.log('nobody reads');
   */
  async write(fd: number, data: Uint8Array | string): Promise<{ code: number; n: number }> {
    const f = this.table.get(fd);
    const d = this.table.desc(fd);
    if (!f || !d || d.access === 'r') return { code: EBADF, n: 0 };
    // A view into a larger buffer would be copied whole: send only its bytes.
    const bytes = typeof data === 'string' ? encoder.encode(data) : data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    const r = await callOn(this.sys, f.name, IO.io_write.id, d.nonblock ? { data: bytes, nonblock: true } : { data: bytes }, await this.reply('write', fd));
    return { code: r.code, n: (r.n as number | undefined) ?? 0 };
  }

  /** Reads until end of file (or an error): `{ code, bytes, text }`. */
  async readAll(fd: number, chunk = 65536): Promise<{ code: number; bytes: Uint8Array; text: string }> {
    const parts: Uint8Array[] = [];
    let code = 0;
    for (;;) {
      const r = await this.read(fd, chunk);
      if (r.code !== 0 || r.eof) {
        code = r.code;
        break;
      }
      parts.push(r.bytes);
    }
    const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) bytes.set(p, (at += p.length) - p.length);
    return { code, bytes, text: decoder.decode(bytes) };
  }

  /** close(2): drops the descriptor's send right (one user reference). Returns 0 or EBADF. */
  async close(fd: number): Promise<number> {
    if (!this.table.get(fd)) return EBADF;
    const { name } = this.table.remove(fd);
    await this.sys.port_deallocate(name);
    return 0;
  }

  /**
   * dup2(2): makes `to` name what `from` names (closing `to` first if open); one more
   * user reference of the send right. Returns `{ code, fd }`. Codes: 0, EBADF.
   *
   * @example
   * await io.dup2(w, 1); // stdout now goes into the pipe
   */
  async dup2(from: number, to: number): Promise<{ code: number; fd: number }> {
    if (!this.table.get(from) || !Number.isInteger(to) || to < 0 || to >= OPEN_MAX) return { code: EBADF, fd: -1 };
    if (from === to) return { code: 0, fd: to };
    if (this.table.get(to)) await this.close(to);
    await this.sys.port_mod_refs(this.table.get(from)!.name, 'send', 1);
    this.table.dupTo(from, to);
    return { code: 0, fd: to };
  }

  /** dup(2): the lowest free descriptor, naming what `fd` names. Returns `{ code, fd }`. Codes: 0, EBADF, EMFILE. */
  async dup(fd: number): Promise<{ code: number; fd: number }> {
    if (!this.table.get(fd)) return { code: EBADF, fd: -1 };
    const to = this.table.lowestFree();
    return to < 0 ? { code: EMFILE, fd: -1 } : this.dup2(fd, to);
  }

  /**
   * fcntl(2): F_GETFD / F_SETFD (FD_CLOEXEC), F_GETFL / F_SETFL (O_NONBLOCK; the
   * access mode is read-only). Returns `{ code, value }`. Codes: 0, EBADF, EINVAL.
   */
  fcntl(fd: number, cmd: number, arg = 0): { code: number; value: number } {
    const f = this.table.get(fd);
    const d = this.table.desc(fd);
    if (!f || !d) return { code: EBADF, value: -1 };
    const acc = d.access === 'r' ? O_RDONLY : d.access === 'w' ? O_WRONLY : 2;
    switch (cmd) {
      case F_GETFD: return { code: 0, value: f.cloexec ? FD_CLOEXEC : 0 };
      case F_SETFD: f.cloexec = (arg & FD_CLOEXEC) !== 0; return { code: 0, value: 0 };
      case F_GETFL: return { code: 0, value: acc | (d.nonblock ? O_NONBLOCK : 0) };
      case F_SETFL: d.nonblock = (arg & O_NONBLOCK) !== 0; return { code: 0, value: 0 };
      default: return { code: EINVAL, value: -1 };
    }
  }

  /** fstat: what the descriptor's server says of it (`kind`, `label`, `buffered`, `capacity`, `pipeBuf`). Codes: 0, EBADF. */
  async fstat(fd: number): Promise<{ code: number; [field: string]: unknown }> {
    const f = this.table.get(fd);
    if (!f) return { code: EBADF };
    const { ports: _ports, ...rest } = await this.sys.call(f.name, IO.io_stat.id, {});
    return rest;
  }

  /**
   * open(2) of a path in the file server: a regular file (O_CREAT makes one), or a
   * FIFO, which blocks until the other side opens it (O_RDONLY waits for a writer,
   * O_WRONLY for a reader; O_NONBLOCK: a reader goes on, a writer gets ENXIO). A
   * duplex named pipe is opened O_RDWR: the first opener gets side 0, the next side 1
   * (EBUSY when both are taken). Returns `{ code, fd }`. Codes: 0, ENOENT, EEXIST,
   * EACCES, EINVAL, ENXIO, EBUSY, EMFILE.
   *
   * @example
   * const { fd } = await io.open('/tmp/fifo', O_RDONLY); // waits for a writer
   */
  async open(path: string, flags: number, mode?: number): Promise<{ code: number; fd: number }> {
    const fs = await this.fs();
    const r = await fs.open(path, flags, mode);
    if (r.code !== 0) return { code: r.code, fd: -1 };
    const stat = r.stat!;
    let name = r.port ?? 0;
    const acc = flags & O_ACCMODE;
    const access: Desc['access'] = acc === O_RDONLY ? 'r' : acc === O_WRONLY ? 'w' : 'rw';
    let kind: Desc['kind'] = 'file';
    let label = `file ${stat.path}`;
    if (stat.type === 'fifo' || stat.type === 'duplex') {
      const object = name;
      const port = await this.reply('open', -1);
      await this.sys.port_set_label(port, `open('${stat.path}', ${accName(acc)})`);
      const o = await callOn(this.sys, object, PIPE.fifo_open.id, { flags: flags & ~O_CLOEXEC }, port);
      await this.sys.port_deallocate(object);
      if (o.code !== 0) return { code: o.code, fd: -1 };
      name = o.ports![0]!.name;
      kind = stat.type === 'fifo' ? 'fifo' : 'side';
      label = o.label as string;
    } else if (!name) return { code: ENXIO, fd: -1 };
    const fd = this.table.install(name, { kind, access, label, nonblock: (flags & O_NONBLOCK) !== 0 }, (flags & O_CLOEXEC) !== 0);
    if (fd < 0) {
      await this.sys.port_deallocate(name);
      return { code: EMFILE, fd: -1 };
    }
    return { code: 0, fd };
  }

  /**
   * mkfifo(3): a named pipe at `path` (a FIFO object made at the pipe server, its name
   * kept by the file server). `{ duplex: true }` makes a Windows-style duplex named
   * pipe instead (both directions, message mode). Returns the code: 0, EEXIST, EINVAL, ENAMETOOLONG.
   *
   * @example
   * await io.mkfifo('/tmp/fifo', 0o666);
   */
  async mkfifo(path: string, mode = 0o666, opts: { duplex?: boolean; capacity?: number } = {}): Promise<number> {
    const body: Record<string, unknown> = { label: path };
    if (opts.duplex) body.duplex = true;
    if (opts.capacity !== undefined) body.capacity = opts.capacity;
    const r = await this.sys.call(this.pipeServer, PIPE.fifo_create.id, body);
    if (r.code !== 0) return r.code;
    const fs = await this.fs();
    return (await fs.create(path, { type: opts.duplex ? 'duplex' : 'fifo', mode, port: r.ports![0]!.name, move: true })).code;
  }

  /** unlink(2): removes a path (its owner only). A FIFO's open ends go on working. Codes: 0, ENOENT, EPERM, EINVAL. */
  async unlink(path: string): Promise<number> {
    return (await this.fs()).unlink(path);
  }

  /** stat(2): `{ code, stat }`. Codes: 0, ENOENT, EINVAL. */
  async stat(path: string): Promise<{ code: number; stat?: Stat }> {
    return (await this.fs()).stat(path);
  }

  /**
   * fork(2): a child with a copy of the descriptor table. The send rights come with
   * the fork (`share` of the descriptors' names, besides whatever `opts.share` asks;
   * default every send right, as sys.fork); the child builds its own library from
   * the table and runs `child(io, data)`. Returns sys.fork's result.
   *
   * @example
   * const { pid } = await io.fork(async (c) => { await c.write(1, 'from the child\n'); });
   */
  async fork<D = unknown>(child: (io: Posix, data: D) => unknown, opts: ForkOptions<D> = {}): Promise<ForkResult> {
    const state = this.state();
    const mine = [...this.table.names().keys(), this.pipeServer, ...(this.fsPort ? [this.fsPort] : [])];
    const share = opts.share === undefined || opts.share === 'all' ? 'all' : [...new Set([...(opts.share === 'none' ? [] : opts.share), ...mine])];
    const run = async (cs: Sys, d: { state: PosixState; data: D }): Promise<unknown> => child(await posix(cs, { inherit: d.state, fs: this.fsName }), d.data);
    return this.sys.fork(run, { ...opts, share, data: { state, data: opts.data as D } });
  }

  /**
   * exec: closes the close-on-exec descriptors, then replaces the program; the new
   * program's `posix(sys)` finds the table (in `sys.args.__posix`) and its own args
   * as `io.args`. Resolves only on failure (the code). xmach closes the
   * close-on-exec descriptors before the exec trap, so they are closed even if it fails.
   *
   * @example
   * await io.dup2(w, 1); await io.close(w);
   * await io.exec('/bin/producer');
   */
  async exec(program: Parameters<Sys['exec']>[0], opts: { args?: unknown; name?: string } = {}): Promise<number> {
    for (const fd of this.table.open()) if (this.table.get(fd)!.cloexec) await this.close(fd);
    const args = { [POSIX_ARGS]: { ...this.state(), replies: [...this.replies] }, args: opts.args };
    return this.sys.exec(program, opts.name === undefined ? { args } : { args, name: opts.name });
  }

  /** The state fork and exec hand on: the table and the servers' names. */
  state(): PosixState {
    return { ...this.table.data(), pipe: this.pipeServer, fs: this.fsPort };
  }

  /** The file server's stubs (looked up on first use, waiting for it to check in). */
  async fs(): Promise<FsClient> {
    if (!this.fsc) {
      this.fsc = await fsClient(this.sys, this.fsName);
      this.fsPort = this.fsc.server;
    }
    return this.fsc;
  }

  /**
   * The reply port of a blocking call on a descriptor, labelled with the call and
   * what the descriptor is (`read(fd 0) on pipe 1 read end`), so a deadlock report
   * names them; relabelled when the descriptor has come to name something else.
   */
  private async reply(op: string, fd: number): Promise<number> {
    const key = fd < 0 ? op : `${op}(fd ${fd})`;
    let port = this.replies.get(key);
    const desc = fd < 0 ? undefined : this.table.desc(fd);
    if (port === undefined) {
      port = (await this.sys.port_allocate('receive', desc ? `${key} on ${desc.label}` : key)).name!;
      this.replies.set(key, port);
      if (desc) this.labels.set(port, desc.label);
    } else if (desc && this.labels.get(port) !== desc.label) {
      this.labels.set(port, desc.label);
      await this.sys.port_set_label(port, `${key} on ${desc.label}`);
    }
    return port;
  }
}

function accName(acc: number): string {
  return acc === O_RDONLY ? 'O_RDONLY' : acc === O_WRONLY ? 'O_WRONLY' : 'O_RDWR';
}
