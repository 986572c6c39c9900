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

/**
 * One name in a task's name space (GNU Mach `ipc_entry`). Send and receive
 * rights for a port share one entry; each send-once right has its own.
 */
export interface Entry {
  readonly name: number;
  /** The port named, or null for a port set or an allocated dead name. */
  port: Port | null;
  pset: PortSet | null;
  receive: boolean;
  /** User references for send rights (0 = no send right). */
  sendRefs: number;
  sendOnce: boolean;
  /** User references of a dead name (0 = not a dead name). */
  deadRefs: number;
  /** Pending msg-accepted request for a message forced onto this send right. */
  marequest: boolean;
  /** Dead-name request registered for this name (so the port can find it on death). */
  dnrequest: boolean;
}

/**
 * A task's port name space (GNU Mach `ipc_space`): small integer names, local
 * to the task, mapped to rights. Names are handed out in increasing order and
 * never reused within a space, so a stale name can never alias a new right.
 */
export class IpcSpace {
  readonly entries = new Map<number, Entry>();
  /** The entry holding send/receive rights for a port (one name per port). */
  private readonly byPort = new Map<Port, Entry>();
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
    return this.byPort.get(port);
  }

  /** A fresh entry under a new name. */
  allocate(port: Port | null, shared: boolean): Entry {
    const e: Entry = {
      name: this.nextName++,
      port,
      pset: null,
      receive: false,
      sendRefs: 0,
      sendOnce: false,
      deadRefs: 0,
      marequest: false,
      dnrequest: false,
    };
    this.entries.set(e.name, e);
    if (port && shared) this.byPort.set(port, e);
    return e;
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
    if (e.port && this.byPort.get(e.port) === e) this.byPort.delete(e.port);
  }

  /** Forgets every entry at once (the space is gone). */
  clear(): void {
    this.entries.clear();
    this.byPort.clear();
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
    if (e.port && this.byPort.get(e.port) === e) this.byPort.delete(e.port);
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
