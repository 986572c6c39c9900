/**
 * The file server's namespace, without system calls: paths that exist, each
 * with a type, an owner, mode bits and an inode number; the path rules and the
 * permission rule. `server.ts` serves it.
 *
 * The rules:
 * - A path is absolute (`/tmp/fifo`); repeated slashes collapse; `.` and `..`
 *   components are EINVAL (there are no directories to walk: the namespace is
 *   flat, like one big sticky /tmp); over PATH_MAX bytes or a component over
 *   NAME_MAX is ENAMETOOLONG.
 * - Owners are users, and a user is a pid: the pid of the process a session started
 *   from (see `server.ts`). The owner gets the owner bits (0o600); anyone else the
 *   other bits (0o006). Group bits are kept and shown but not used: xmach has no groups.
 * - Anyone may create a path; only its owner may unlink it or change its mode
 *   (EPERM), as in a sticky directory.
 *
 * @example
 * const ns = new Namespace();
 * ns.create('/tmp/key', 'file', 0o600, 4, 0).code; // 0
 * ns.may(ns.lookup('/tmp/key')!, 5, 'r');          // false: pid 5 is not the owner
 */
import { KERN_SUCCESS } from '../../ports/codes.ts';
import { EEXIST, EINVAL, ENAMETOOLONG, ENOENT, EPERM, NAME_MAX, PATH_MAX } from '../posix/errno.ts';

/** What stat says of a path. */
export interface Stat {
  path: string;
  /** Inode number: unique in this server, never reused (ftok uses it). */
  ino: number;
  /** Device number of this file server. */
  dev: number;
  /** 'file', 'fifo', 'duplex' (a duplex named pipe), or a word another server chose ('shm', …). */
  type: string;
  /** The owner: a user, which is a pid (the process its session started from). */
  owner: number;
  /** Permission bits, 0 to 0o7777. */
  mode: number;
  /** Bytes in a regular file (0 for the rest). */
  size: number;
  /** Virtual ms of creation and of the last write. */
  ctime: number;
  mtime: number;
}

/** A path that exists: its stat, the object it stands for (a send right's name in the server, or 0), a file's bytes. */
export interface Node extends Stat {
  port: number;
  data: Uint8Array;
}

const TYPE = /^[a-z][a-z0-9-]{0,31}$/;

/** Checks a path: its normal form, or an errno (EINVAL, ENAMETOOLONG). */
export function normalPath(path: unknown): string | number {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) return EINVAL;
  if (new TextEncoder().encode(path).length > PATH_MAX) return ENAMETOOLONG;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return EINVAL;
  for (const p of parts) {
    if (p === '.' || p === '..') return EINVAL;
    if (p.length > NAME_MAX) return ENAMETOOLONG;
  }
  return '/' + parts.join('/');
}

/** True for a mode a node may have (a whole number from 0 to 0o7777). */
export function validMode(mode: unknown): mode is number {
  return Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o7777;
}

/** The paths of one file server. */
export class Namespace {
  private readonly nodes = new Map<string, Node>();
  private nextIno = 2;

  constructor(readonly dev = 1) {}

  /** The node at a normal path, if any. */
  lookup(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  /**
   * Creates a node at a normal path, owned by `owner`, at virtual time `now`.
   * Returns `{ code, node }`: EEXIST (the path exists), EINVAL (a bad type or mode).
   */
  create(path: string, type: unknown, mode: unknown, owner: number, now: number, port = 0): { code: number; node?: Node } {
    if (typeof type !== 'string' || !TYPE.test(type) || !validMode(mode)) return { code: EINVAL };
    if (this.nodes.has(path)) return { code: EEXIST };
    const node: Node = { path, ino: this.nextIno++, dev: this.dev, type, owner, mode, size: 0, ctime: now, mtime: now, port, data: new Uint8Array(0) };
    this.nodes.set(path, node);
    return { code: KERN_SUCCESS, node };
  }

  /** Removes a node; only its owner may (the sticky rule). Returns `{ code, node }`: ENOENT, EPERM. */
  unlink(path: string, user: number): { code: number; node?: Node } {
    const node = this.nodes.get(path);
    if (!node) return { code: ENOENT };
    if (node.owner !== user) return { code: EPERM };
    this.nodes.delete(path);
    return { code: KERN_SUCCESS, node };
  }

  /** Whether `user` may read ('r'), write ('w') or both ('rw') a node, by its mode bits. */
  may(node: Node, user: number, access: 'r' | 'w' | 'rw'): boolean {
    const shift = node.owner === user ? 6 : 0;
    const bits = (node.mode >> shift) & 0o7;
    return (!access.includes('r') || (bits & 0o4) !== 0) && (!access.includes('w') || (bits & 0o2) !== 0);
  }

  /** Every path starting with prefix, sorted. */
  list(prefix = '/'): string[] {
    return [...this.nodes.keys()].filter((p) => p.startsWith(prefix)).sort();
  }
}

/** A node's stat, as a plain copy (what replies carry). */
export function statOf(n: Node): Stat {
  return { path: n.path, ino: n.ino, dev: n.dev, type: n.type, owner: n.owner, mode: n.mode, size: n.size, ctime: n.ctime, mtime: n.mtime };
}
