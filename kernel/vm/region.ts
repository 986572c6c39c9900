import type { Port } from '../../ports/port.ts';
import type { Task } from '../../tasks/task.ts';

/**
 * A memory region (Mach's memory object, named by a port): bytes that tasks
 * map into their address space. Two tasks that map one region see each other's
 * writes at once, with no system call and no copy: their views are over the
 * same bytes. What a mapping gives a program is a `Uint8Array` over the
 * region's buffer (JavaScript cannot trap a write, so a read-only mapping is a
 * promise the program keeps, not a protection the kernel enforces).
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

  /** Unmaps it from task. Returns false if it was not mapped there. */
  unmap(task: Task): boolean {
    task.mapped?.delete(this);
    return this.mappings.delete(task);
  }

  /** A private copy of the region (MAP_PRIVATE across fork): the same bytes, now its own. */
  copy(port: Port): Region {
    const r = new Region(port, this.size, false);
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
