/**
 * The shared-memory server's books, as plain data: its segments (each a kernel
 * region the server holds a send right to), their names (POSIX) and keys
 * (System V), who has each open and attached, and the permission rule.
 */

/** Who asks: the task's pid (from the message's trailer) and the user it acts as (`users.ts`). */
export interface Cred {
  pid: number;
  user: number;
}

/** A shared-memory segment. */
export interface Segment {
  /** The segment's id: the shmid of a System V segment; the handle's id of a POSIX one. */
  id: number;
  kind: 'posix' | 'sysv';
  /** The server's name for the region's send right. */
  region: number;
  size: number;
  /** POSIX: its name (kept for display once unlinked). System V: its key (null for IPC_PRIVATE). */
  name: string | null;
  key: number | null;
  /** The owner (a user: the pid its creator's session started from); permission bits (rwxrwxrwx: the owner's and the others' are used; group bits are kept, unused: xmach has no groups, as in the file server). */
  owner: number;
  mode: number;
  /** pid of the creator, and of the last task to attach or detach. */
  cpid: number;
  lpid: number;
  /** shm_unlink or shmctl(IPC_RMID) was called: no new opens or attaches; it goes when the last one ends. */
  removed: boolean;
  /** POSIX opens by pid (a count, and whether one of them is O_RDWR). */
  opens: Map<number, { count: number; writable: boolean }>;
  /** Attachments (mmap, shmat) by pid. */
  attached: Map<number, number>;
}

/** What `shm_list` (ipcs) shows of a segment. */
export interface SegmentRow {
  id: number;
  kind: 'posix' | 'sysv';
  name: string | null;
  key: number | null;
  size: number;
  owner: number;
  mode: number;
  nattch: number;
  opens: number;
  removed: boolean;
}

/** Read and write, as permission bits. */
export const R = 4;
export const W = 2;

/**
 * Whether `user` may have the access `want` (R, W or R|W) to seg: the owner's
 * bits if it is the owner, else the others' (the file server's rule).
 *
 * @example
 * const seg = { owner: 4, mode: 0o640 };
 * permits(seg, 4, R | W); // true
 * permits(seg, 7, R);     // false: others get nothing (the group bits are not used)
 */
export function permits(seg: Pick<Segment, 'owner' | 'mode'>, user: number, want: number): boolean {
  const bits = user === seg.owner ? seg.mode >> 6 : seg.mode;
  return (want & ~bits & 7) === 0;
}

/** Attachments of a segment, summed over tasks (System V's shm_nattch). */
export function nattch(seg: Segment): number {
  let n = 0;
  for (const c of seg.attached.values()) n += c;
  return n;
}

/** True when a removed segment has no open handle and no mapping left: it can go. */
export function unused(seg: Segment): boolean {
  return seg.removed && seg.opens.size === 0 && seg.attached.size === 0;
}

/** The table of segments, by id, POSIX name and System V key. */
export class Segments {
  readonly byId = new Map<number, Segment>();
  readonly byName = new Map<string, Segment>();
  readonly byKey = new Map<number, Segment>();
  private nextId = 1;

  /** Adds a new segment (not yet removed, not open, not attached); returns it. */
  add(fields: Omit<Segment, 'id' | 'removed' | 'opens' | 'attached' | 'lpid'>): Segment {
    const seg: Segment = { ...fields, id: this.nextId++, removed: false, opens: new Map(), attached: new Map(), lpid: fields.cpid };
    this.byId.set(seg.id, seg);
    if (seg.kind === 'posix' && seg.name !== null) this.byName.set(seg.name, seg);
    if (seg.kind === 'sysv' && seg.key !== null) this.byKey.set(seg.key, seg);
    return seg;
  }

  /** Marks seg removed: its name or key is free at once. */
  remove(seg: Segment): void {
    seg.removed = true;
    if (seg.name !== null && this.byName.get(seg.name) === seg) this.byName.delete(seg.name);
    if (seg.key !== null && this.byKey.get(seg.key) === seg) this.byKey.delete(seg.key);
  }

  /** Forgets seg altogether (the caller gives its region right back). */
  drop(seg: Segment): void {
    this.remove(seg);
    this.byId.delete(seg.id);
  }

  /** A task ended: its opens and attachments go. Returns the segments it had. */
  forget(pid: number): Segment[] {
    const touched: Segment[] = [];
    for (const seg of this.byId.values()) {
      const opened = seg.opens.delete(pid);
      const attached = seg.attached.delete(pid);
      if (opened || attached) touched.push(seg);
    }
    return touched;
  }

  /** Every segment, by id, as ipcs shows it. */
  rows(): SegmentRow[] {
    return [...this.byId.values()].map((s) => ({
      id: s.id, kind: s.kind, name: s.name, key: s.key, size: s.size, owner: s.owner, mode: s.mode,
      nattch: nattch(s), opens: [...s.opens.values()].reduce((n, o) => n + o.count, 0), removed: s.removed,
    }));
  }
}
