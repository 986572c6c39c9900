/**
 * A process's descriptor table, as the emulation library keeps it in the task
 * (the way Mach's BSD emulation library and the Hurd's libc keep it): plain
 * bookkeeping, no system calls.
 *
 * A descriptor is a small integer naming a send right in the task's space (a
 * port of the pipe server or the file server). Two descriptors made by dup share
 * one name (the right's user references count them: one per descriptor). What
 * POSIX calls the open file description (access, O_NONBLOCK) is kept per name;
 * FD_CLOEXEC per descriptor.
 *
 * @example
 * const t = new FdTable();
 * t.install(7, { kind: 'pipe', access: 'r', label: 'pipe 1 read end', nonblock: false }); // 0
 * t.dupTo(0, 5); t.get(5)!.name;                                                           // 7
 */
import { OPEN_MAX } from './errno.ts';

/** An open file description: what the send right is, and its status flags. */
export interface Desc {
  kind: 'pipe' | 'fifo' | 'side' | 'file' | 'console' | 'socket';
  access: 'r' | 'w' | 'rw';
  /** The server's name for the stream (`pipe 1 read end`, `console out`, `file /tmp/x`). */
  label: string;
  nonblock: boolean;
}

/** One descriptor: the send right's name and its close-on-exec flag. */
export interface Fd {
  name: number;
  cloexec: boolean;
}

/** The table as plain data: what fork hands the child and exec the new program. */
export interface TableData {
  fds: [fd: number, name: number, cloexec: boolean][];
  descs: [name: number, desc: Desc][];
}

/** The descriptors of one process. */
export class FdTable {
  private readonly fds: (Fd | undefined)[] = [];
  private readonly descs = new Map<number, Desc>();
  private readonly refs = new Map<number, number>();

  /** The table's contents from plain data (a fork's or an exec's). */
  static from(data: TableData): FdTable {
    const t = new FdTable();
    for (const [name, desc] of data.descs) t.descs.set(name, { ...desc });
    for (const [fd, name, cloexec] of data.fds) t.put(fd, name, cloexec);
    return t;
  }

  /** The descriptor, if open. */
  get(fd: number): Fd | undefined {
    return Number.isInteger(fd) ? this.fds[fd] : undefined;
  }

  /** The description of an open descriptor. */
  desc(fd: number): Desc | undefined {
    const f = this.get(fd);
    return f ? this.descs.get(f.name) : undefined;
  }

  /** The lowest free descriptor at or above `from`, or -1 (EMFILE). */
  lowestFree(from = 0): number {
    for (let fd = from; fd < OPEN_MAX; fd++) if (!this.fds[fd]) return fd;
    return -1;
  }

  /** Puts a new right in at the lowest free descriptor; its description is kept unless the name has one. Returns the fd, or -1. */
  install(name: number, desc: Desc, cloexec = false): number {
    const fd = this.lowestFree();
    if (fd < 0) return -1;
    if (!this.descs.has(name)) this.descs.set(name, desc);
    this.put(fd, name, cloexec);
    return fd;
  }

  /** Makes `to` name what `from` names (dup2 after `to` was closed). */
  dupTo(from: number, to: number): void {
    this.put(to, this.fds[from]!.name, false);
  }

  /** Forgets a descriptor. Returns its name and whether another descriptor still names it. */
  remove(fd: number): { name: number; shared: boolean } {
    const { name } = this.fds[fd]!;
    this.fds[fd] = undefined;
    const left = (this.refs.get(name) ?? 1) - 1;
    if (left > 0) this.refs.set(name, left);
    else {
      this.refs.delete(name);
      this.descs.delete(name);
    }
    return { name, shared: left > 0 };
  }

  /** Open descriptors, in order. */
  open(): number[] {
    const out: number[] = [];
    this.fds.forEach((f, fd) => f && out.push(fd));
    return out;
  }

  /** The names of the send rights the descriptors hold, each once, with how many descriptors name it. */
  names(): Map<number, number> {
    return new Map(this.refs);
  }

  /** The table as plain data. */
  data(): TableData {
    return {
      fds: this.open().map((fd) => [fd, this.fds[fd]!.name, this.fds[fd]!.cloexec]),
      descs: [...this.descs.entries()].map(([n, d]) => [n, { ...d }]),
    };
  }

  private put(fd: number, name: number, cloexec: boolean): void {
    this.fds[fd] = { name, cloexec };
    this.refs.set(name, (this.refs.get(name) ?? 0) + 1);
  }
}
