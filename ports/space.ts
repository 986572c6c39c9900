import type { Port, PortSet } from './port.ts';

/** Right bits of a name, as `mach_port_type` reports them (GNU Mach `mach/port.h`). */
export const MACH_PORT_TYPE_SEND = 0x10000;
export const MACH_PORT_TYPE_RECEIVE = 0x20000;
export const MACH_PORT_TYPE_SEND_ONCE = 0x40000;
export const MACH_PORT_TYPE_PORT_SET = 0x80000;
export const MACH_PORT_TYPE_DEAD_NAME = 0x100000;
/** A dead-name request is registered on this name. */
export const MACH_PORT_TYPE_DNREQUEST = 0x80000000;
/** A message was forced onto this send right (SEND_NOTIFY) and its msg-accepted is pending. */
export const MACH_PORT_TYPE_MAREQUEST = 0x40000000;
/** Largest user-reference count of one name (Mach: 65535). */
export const MACH_PORT_UREFS_MAX = 65535;

/** The right kinds a name can hold, as strings for readable APIs and traces. */
export type RightKind = 'receive' | 'send' | 'send-once' | 'port-set' | 'dead-name';

// An entry's flags, packed in one number (fewer fields per entry: a task holds five or more).
const RECEIVE = 1;
const SEND_ONCE = 2;
const MAREQUEST = 4;
const DNREQUEST = 8;
/** The entry is the space's one entry for its port (found by `entryFor`). */
const SHARED = 16;

/**
 * One name in a task's name space (GNU Mach `ipc_entry`). Send and receive
 * rights for a port share one entry; each send-once right has its own.
 * The four flags are kept as bits of one field, read and written as booleans.
 */
export class Entry {
  /** @internal The flags as bits. */
  bits = 0;
  /** User references for send rights (0 = no send right). */
  sendRefs = 0;
  /** User references of a dead name (0 = not a dead name). */
  deadRefs = 0;
  pset: PortSet | null = null;

  constructor(
    readonly name: number,
    /** The port named, or null for a port set or an allocated dead name. */
    public port: Port | null,
  ) {}

  /** Holds the port's receive right. */
  get receive(): boolean {
    return (this.bits & RECEIVE) !== 0;
  }
  set receive(v: boolean) {
    this.bits = v ? this.bits | RECEIVE : this.bits & ~RECEIVE;
  }

  /** Holds a send-once right. */
  get sendOnce(): boolean {
    return (this.bits & SEND_ONCE) !== 0;
  }
  set sendOnce(v: boolean) {
    this.bits = v ? this.bits | SEND_ONCE : this.bits & ~SEND_ONCE;
  }

  /** Pending msg-accepted request for a message forced onto this send right. */
  get marequest(): boolean {
    return (this.bits & MAREQUEST) !== 0;
  }
  set marequest(v: boolean) {
    this.bits = v ? this.bits | MAREQUEST : this.bits & ~MAREQUEST;
  }

  /** Dead-name request registered for this name (so the port can find it on death). */
  get dnrequest(): boolean {
    return (this.bits & DNREQUEST) !== 0;
  }
  set dnrequest(v: boolean) {
    this.bits = v ? this.bits | DNREQUEST : this.bits & ~DNREQUEST;
  }
}

/** Above this many shared entries a space indexes them by port in a Map; up to it, a short array is scanned. */
const BY_PORT_MAP_AT = 8;

/**
 * A task's port name space (GNU Mach `ipc_space`): small integer names, local
 * to the task, mapped to rights. Names are handed out in increasing order and
 * never reused within a space, so a stale name can never alias a new right.
 */
export class IpcSpace {
  readonly entries = new Map<number, Entry>();
  /**
   * The entries holding send/receive rights for a port (one name per port): a short array
   * while there are few (most tasks hold five or six names), a Map by port above
   * `BY_PORT_MAP_AT` (made then, once).
   */
  private shared: (Entry | undefined)[] | null = null;
  private nShared = 0;
  private byPort: Map<Port, Entry> | null = null;
  private nextName = 1;
  /** False once the task is gone. */
  active = true;

  constructor(
    /** pid of the task that owns this space (0 for the kernel). */
    readonly pid: number,
    readonly label: string,
  ) {}

  /** The entry for a name, after turning a send right to a dead port into a dead name. */
  lookup(name: number): Entry | undefined {
    const e = this.entries.get(name);
    if (e && e.port && !e.port.active && (e.sendRefs > 0 || e.sendOnce)) this.makeDead(e);
    return e;
  }

  /** The entry holding send or receive rights for port, if any. */
  entryFor(port: Port): Entry | undefined {
    if (this.byPort) return this.byPort.get(port);
    const a = this.shared;
    if (a) for (let i = 0; i < this.nShared; i++) if (a[i]!.port === port) return a[i];
    return undefined;
  }

  /** A fresh entry under a new name. */
  allocate(port: Port | null, shared: boolean): Entry {
    const e = new Entry(this.nextName++, port);
    this.entries.set(e.name, e);
    if (port && shared) this.index(e, port);
    return e;
  }

  private index(e: Entry, port: Port): void {
    // A second entry for the same port takes over (as a Map's set would).
    const old = this.entryFor(port);
    if (old) this.unindex(old);
    e.bits |= SHARED;
    if (this.byPort) {
      this.byPort.set(port, e);
      return;
    }
    // A fixed array of BY_PORT_MAP_AT slots (an empty array's first push would reserve 17).
    const a = (this.shared ??= new Array<Entry | undefined>(BY_PORT_MAP_AT));
    if (this.nShared < BY_PORT_MAP_AT) {
      a[this.nShared++] = e;
      return;
    }
    this.byPort = new Map();
    for (let i = 0; i < this.nShared; i++) this.byPort.set(a[i]!.port!, a[i]!);
    this.byPort.set(port, e);
    this.shared = null;
    this.nShared = 0;
  }

  private unindex(e: Entry): void {
    if ((e.bits & SHARED) === 0) return;
    e.bits &= ~SHARED;
    if (this.byPort) {
      this.byPort.delete(e.port!);
      return;
    }
    const a = this.shared;
    if (!a) return;
    const n = this.nShared;
    for (let i = 0; i < n; i++) {
      if (a[i] !== e) continue;
      // Close the gap, the rest in order.
      for (let j = i + 1; j < n; j++) a[j - 1] = a[j];
      a[n - 1] = undefined;
      this.nShared = n - 1;
      return;
    }
  }

  /** A fresh entry under a chosen name, or undefined if the name is taken. Later names come after it. */
  allocateAt(name: number, port: Port | null, shared: boolean): Entry | undefined {
    if (this.entries.has(name) || !Number.isInteger(name) || name <= 0) return undefined;
    const saved = this.nextName;
    this.nextName = name;
    const e = this.allocate(port, shared);
    this.nextName = Math.max(saved, name + 1);
    return e;
  }

  /** Forgets an entry that holds no right any more. */
  free(e: Entry): void {
    this.entries.delete(e.name);
    if (e.port) this.unindex(e);
  }

  /** Forgets every entry at once (the space is gone). */
  clear(): void {
    for (const e of this.entries.values()) e.bits &= ~SHARED;
    this.entries.clear();
    this.shared = null;
    this.nShared = 0;
    this.byPort = null;
  }

  /** Frees the entry if it holds nothing; returns true if it was freed. */
  freeIfEmpty(e: Entry): boolean {
    if (e.receive || e.sendRefs > 0 || e.sendOnce || e.deadRefs > 0 || e.pset) return false;
    this.free(e);
    return true;
  }

  /**
   * Turns an entry's send or send-once right into a dead name (the port died).
   * Its urefs carry over (a send-once right becomes one dead-name uref).
   */
  makeDead(e: Entry): void {
    const refs = e.sendRefs + (e.sendOnce ? 1 : 0);
    if (e.port) this.unindex(e);
    e.sendRefs = 0;
    e.sendOnce = false;
    e.receive = false;
    e.marequest = false;
    e.deadRefs += refs;
    e.port = null;
  }

  /** The `mach_port_type` bits of an entry. */
  static typeOf(e: Entry): number {
    let t = 0;
    if (e.receive) t |= MACH_PORT_TYPE_RECEIVE;
    if (e.sendRefs > 0) t |= MACH_PORT_TYPE_SEND;
    if (e.sendOnce) t |= MACH_PORT_TYPE_SEND_ONCE;
    if (e.pset) t |= MACH_PORT_TYPE_PORT_SET;
    if (e.deadRefs > 0) t |= MACH_PORT_TYPE_DEAD_NAME;
    if (e.dnrequest) t |= MACH_PORT_TYPE_DNREQUEST;
    if (e.marequest) t |= MACH_PORT_TYPE_MAREQUEST;
    return t;
  }

  /** The kinds of right an entry holds, for readable output. */
  static kinds(e: Entry): RightKind[] {
    const k: RightKind[] = [];
    if (e.receive) k.push('receive');
    if (e.sendRefs > 0) k.push('send');
    if (e.sendOnce) k.push('send-once');
    if (e.pset) k.push('port-set');
    if (e.deadRefs > 0) k.push('dead-name');
    return k;
  }
}
