import type { Port } from '../../ports/port.ts';
import { destroyReceive, type RightHooks } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';

/**
 * A memory region (Mach's memory object, named by a port): bytes that tasks
 * map into their address space. Two tasks that map one region see each other's
 * writes at once, with no system call and no copy: their views are over the
 * same bytes. What a mapping gives a program is a `Uint8Array` over the
 * region's buffer (JavaScript cannot trap a write, so a read-only mapping is a
 * promise the program keeps, not a protection the kernel enforces).
 *
 * A region lives while anything refers to it, as Mach's memory object does:
 * a send right to its port (in a space or in a message) or a task that maps
 * it. When the last of both goes (the port's no-senders in the kernel, an
 * unmap, the end of the process that mapped it) the region is freed: its
 * bytes are dropped and its port is destroyed (`freeIfUnused`). A private copy
 * made at fork has no send right, so it goes with the child's last mapping.
 */
export class Region {
  /** The bytes, grown (never moved while mapped smaller) by `resize`. */
  buffer: ArrayBuffer;
  /** Tasks (processes) that map it, with how. */
  readonly mappings = new Map<Task, Mapping>();

  constructor(
    readonly port: Port,
    size: number,
    /** MAP_SHARED (a fork shares it) or MAP_PRIVATE (a fork copies it). */
    readonly shared: boolean,
    /** The IPC layer, told when the region's port is destroyed (the kernel's `Ipc`). */
    private readonly hooks: RightHooks,
  ) {
    this.buffer = new ArrayBuffer(size, { maxByteLength: Math.max(size, REGION_MAX) });
    port.kobject = this;
  }

  get size(): number {
    return this.buffer.byteLength;
  }

  /**
   * Sets the size (`ftruncate`): growing keeps the bytes and zero-fills the rest;
   * every view already handed out sees the new length (a resizable buffer).
   * Returns false when size is out of range.
   */
  resize(size: number): boolean {
    if (!Number.isInteger(size) || size < 0 || size > REGION_MAX) return false;
    this.buffer.resize(size);
    return true;
  }

  /** Maps the region into task (a process): the view it gets (the same one if it is mapped already). */
  map(task: Task, writable: boolean): Mapping {
    let m = this.mappings.get(task);
    if (!m) {
      m = { region: this, view: new Uint8Array(this.buffer), writable };
      this.mappings.set(task, m);
      (task.mapped ??= new Set()).add(this);
    }
    return m;
  }

  /**
   * Unmaps it from task; the region is freed if that was its last reference
   * (no other mapping, no send right). Returns false if it was not mapped there.
   */
  unmap(task: Task): boolean {
    task.mapped?.delete(this);
    if (!this.mappings.delete(task)) return false;
    this.freeIfUnused();
    return true;
  }

  /**
   * Contract: frees the region when nothing refers to it any more (no task
   * maps it, no send or send-once right to its port exists): its bytes are
   * dropped, its port's receive right is destroyed in the kernel's space (the
   * port dies; it held no rights, so nobody is told) and the port no longer
   * names it. Returns true when it freed the region, false when it still lives
   * (or was freed already).
   */
  freeIfUnused(): boolean {
    const port = this.port;
    if (!port.active || port.srights > 0 || port.sorights > 0 || this.mappings.size > 0) return false;
    // The kernel lets go of the bytes; a view a program kept past its unmap still holds them (JavaScript cannot take them back).
    this.buffer = new ArrayBuffer(0);
    const space = port.receiver;
    const e = space?.entryFor(port);
    if (space && e?.receive) destroyReceive(space, e, this.hooks);
    port.kobject = null;
    return true;
  }

  /** A private copy of the region (MAP_PRIVATE across fork): the same bytes, now its own, with no send right (its mappings keep it). */
  copy(port: Port): Region {
    const r = new Region(port, this.size, false, this.hooks);
    new Uint8Array(r.buffer).set(new Uint8Array(this.buffer));
    return r;
  }
}

/** A region as one task maps it. */
export interface Mapping {
  region: Region;
  /** Length-tracking: it follows the region's size. */
  view: Uint8Array;
  writable: boolean;
}

/** The largest region (64 MiB). */
export const REGION_MAX = 64 * 1024 * 1024;
