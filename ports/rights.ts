import {
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_SUCCESS,
  KERN_UREFS_OVERFLOW,
} from './codes.ts';
import type { Disposition, ReceivedRight, RightInTransit } from './message.ts';
import { MACH_PORT_DEAD, type Port } from './port.ts';
import { IpcSpace, MACH_PORT_UREFS_MAX, type Entry } from './space.ts';

/**
 * Test-only planted bug for the fuzz runner (`testing/fuzz/`, `test/fuzz.test.ts`):
 * with the environment variable `XMACH_PLANTED_BUG=srights` (read once, here), a send
 * right received into a name that already holds one forgets to give back its count, so
 * the port's `srights` ends one too high (`putRight` below). Off by default; when off it
 * costs one test of a constant.
 */
const PLANTED_SRIGHTS = typeof process !== 'undefined' && process.env?.XMACH_PLANTED_BUG === 'srights';

/**
 * What the rights layer asks of the kernel when a right's end has consequences
 * (GNU Mach `ipc_right` calls into `ipc_notify` and `ipc_port_destroy`).
 */
export interface RightHooks {
  /** A send-once right was destroyed unused: send a send-once notification to its port. */
  sendOnceDestroyed(port: Port): void;
  /** The last send right of a port went away. */
  noSenders(port: Port): void;
  /** A receive right was destroyed: the port dies. */
  receiveDestroyed(port: Port): void;
  /** A receive right left a space (moved into a message): waiters there lose it. */
  receiveLeft(port: Port, space: IpcSpace): void;
}

/** True when an entry can give one right with this disposition (a single right: see checkRights for several). */
export function canGive(e: Entry, disposition: Disposition): boolean {
  switch (disposition) {
    case 'copy-send':
    case 'move-send':
      return e.sendRefs > 0 || e.deadRefs > 0;
    case 'make-send':
    case 'make-send-once':
    case 'move-receive':
      return e.receive;
    case 'move-send-once':
      return e.sendOnce || e.deadRefs > 0;
    default:
      return false;
  }
}

/**
 * Checks that a space can give each (name, disposition) in the list, counting
 * repeated moves of one name. Nothing is changed.
 * Returns -1 when all can be given, else the index of the first that cannot.
 */
export function checkRights(space: IpcSpace, list: readonly { name: number; disposition: Disposition }[]): number {
  const moved = new Map<number, number>();
  for (let i = 0; i < list.length; i++) {
    const { name, disposition } = list[i]!;
    const e = space.lookup(name);
    if (!e) return i;
    const uses = (moved.get(name) ?? 0) + 1;
    switch (disposition) {
      case 'copy-send':
        if (e.sendRefs === 0 && e.deadRefs === 0) return i;
        break;
      case 'move-send':
        if (e.sendRefs < uses && e.deadRefs < uses) return i;
        moved.set(name, uses);
        break;
      case 'make-send':
      case 'make-send-once':
        if (!e.receive) return i;
        break;
      case 'move-send-once':
        if ((!e.sendOnce && e.deadRefs === 0) || uses > 1) return i;
        moved.set(name, uses);
        break;
      case 'move-receive':
        if (!e.receive || uses > 1) return i;
        moved.set(name, uses);
        break;
      default:
        return i;
    }
  }
  return -1;
}

/**
 * Takes a right out of a space for a message (copy-in). The caller has
 * checked it with `checkRights`. A dead name travels as a dead right.
 */
export function takeRight(space: IpcSpace, name: number, disposition: Disposition, hooks: RightHooks): RightInTransit {
  const e = space.lookup(name)!;
  if (e.deadRefs > 0 && !e.receive && e.sendRefs === 0 && !e.sendOnce) {
    if (disposition === 'move-send' || disposition === 'move-send-once') {
      e.deadRefs--;
      space.freeIfEmpty(e);
    }
    return { kind: 'dead', port: null };
  }
  const port = e.port!;
  switch (disposition) {
    case 'copy-send':
      port.srights++;
      return { kind: 'send', port };
    case 'move-send':
      if (e.sendRefs > 1) {
        e.sendRefs--;
        port.srights++;
      } else {
        e.sendRefs = 0;
        space.freeIfEmpty(e);
      }
      return { kind: 'send', port };
    case 'make-send':
      port.mscount++;
      port.srights++;
      return { kind: 'send', port };
    case 'make-send-once':
      port.sorights++;
      return { kind: 'send-once', port };
    case 'move-send-once':
      e.sendOnce = false;
      space.freeIfEmpty(e);
      return { kind: 'send-once', port };
    case 'move-receive':
      e.receive = false;
      port.lastReceiver = space.pid;
      port.receiver = null;
      if (port.pset) {
        port.pset.members.delete(port);
        port.pset = null;
      }
      space.freeIfEmpty(e);
      hooks.receiveLeft(port, space);
      return { kind: 'receive', port };
  }
}

/**
 * Puts a right from a message into a space (copy-out). Returns the name it
 * got there. A send right merges with the space's existing name for the port.
 */
export function putRight(space: IpcSpace, r: RightInTransit, hooks: RightHooks): ReceivedRight {
  if (r.kind === 'dead' || !r.port) return { name: MACH_PORT_DEAD, right: 'dead' };
  const port = r.port;
  if (r.kind !== 'receive' && !port.active) {
    releaseRight(r, hooks);
    return { name: MACH_PORT_DEAD, right: 'dead' };
  }
  switch (r.kind) {
    case 'send': {
      const e = space.entryFor(port) ?? space.allocate(port, true);
      if (e.sendRefs > 0) {
        if (!PLANTED_SRIGHTS) port.srights--;
        if (e.sendRefs < MACH_PORT_UREFS_MAX) e.sendRefs++;
      } else e.sendRefs = 1;
      return { name: e.name, right: 'send' };
    }
    case 'send-once': {
      const e = space.allocate(port, false);
      e.sendOnce = true;
      return { name: e.name, right: 'send-once' };
    }
    case 'receive': {
      const e = space.entryFor(port) ?? space.allocate(port, true);
      e.receive = true;
      port.receiver = space;
      port.mscount = 0;
      port.seqno = 0;
      return { name: e.name, right: 'receive' };
    }
  }
}

/**
 * How a right in transit ends:
 * - `destroyed` (default): its message was destroyed or refused. A send right is
 *   released (no-senders when it was the last); a send-once right sends a
 *   send-once notification to its live port; a receive right lets the port die.
 * - `used`: the right carried its own message to delivery (the destination
 *   right of a received message). A send-once right is spent without a
 *   notification; a send right is released as above.
 * - `abandoned`: the task that would have been answered is gone or is another
 *   program now (exit, exec): the right is counted out, nothing is sent.
 */
export type RightEnd = 'destroyed' | 'used' | 'abandoned';

/**
 * Routine: releaseRight
 * Purpose: the one path that ends a right in transit, with Mach's consequences
 * (see `RightEnd`). Every message's destination, reply and body rights end here.
 */
export function releaseRight(r: RightInTransit, hooks: RightHooks, end: RightEnd = 'destroyed'): void {
  const port = r.port;
  if (!port) return;
  switch (r.kind) {
    case 'send':
      if (end === 'abandoned') port.srights--;
      else dropSendRight(port, hooks);
      break;
    case 'send-once':
      port.sorights--;
      if (end === 'destroyed' && port.active) hooks.sendOnceDestroyed(port);
      break;
    case 'receive':
      hooks.receiveDestroyed(port);
      break;
  }
}

function dropSendRight(port: Port, hooks: RightHooks): void {
  port.srights--;
  if (port.srights === 0 && port.active) hooks.noSenders(port);
}

/**
 * Releases one user reference of a name (Mach's `mach_port_deallocate`, with
 * Mach 2.5's `port_deallocate` meaning for a name that holds only a receive
 * right: the port is destroyed).
 * Returns KERN_SUCCESS, KERN_INVALID_NAME (no such name) or KERN_INVALID_RIGHT (a port set).
 */
export function deallocateName(space: IpcSpace, name: number, hooks: RightHooks): number {
  const e = space.lookup(name);
  if (!e) return KERN_INVALID_NAME;
  if (e.sendRefs > 0) {
    e.sendRefs--;
    if (e.sendRefs === 0) {
      const port = e.port!;
      space.freeIfEmpty(e);
      dropSendRight(port, hooks);
    }
    return KERN_SUCCESS;
  }
  if (e.sendOnce) {
    const port = e.port!;
    e.sendOnce = false;
    space.freeIfEmpty(e);
    port.sorights--;
    hooks.sendOnceDestroyed(port);
    return KERN_SUCCESS;
  }
  if (e.deadRefs > 0) {
    e.deadRefs--;
    space.freeIfEmpty(e);
    return KERN_SUCCESS;
  }
  if (e.receive) {
    destroyReceive(space, e, hooks);
    return KERN_SUCCESS;
  }
  return KERN_INVALID_RIGHT;
}

/** Takes the receive right out of an entry and lets the port die. */
export function destroyReceive(space: IpcSpace, e: Entry, hooks: RightHooks): void {
  const port = e.port!;
  e.receive = false;
  port.lastReceiver = space.pid;
  port.receiver = null;
  if (e.sendRefs > 0) {
    // The space's own send rights die with the port: they become a dead name.
    space.makeDead(e);
  } else space.freeIfEmpty(e);
  hooks.receiveDestroyed(port);
}

/**
 * Adds delta user references to a send right or dead name
 * (`mach_port_mod_refs`). Returns KERN_SUCCESS, KERN_INVALID_NAME,
 * KERN_INVALID_RIGHT (the name lacks that right) or KERN_UREFS_OVERFLOW.
 */
export function modRefs(space: IpcSpace, name: number, right: 'send' | 'dead-name', delta: number, hooks: RightHooks): number {
  const e = space.lookup(name);
  if (!e) return KERN_INVALID_NAME;
  const refs = right === 'send' ? e.sendRefs : e.deadRefs;
  if (refs === 0) return KERN_INVALID_RIGHT;
  const next = refs + delta;
  if (next > MACH_PORT_UREFS_MAX) return KERN_UREFS_OVERFLOW;
  if (next < 0) return KERN_INVALID_RIGHT;
  if (right === 'dead-name') {
    e.deadRefs = next;
    space.freeIfEmpty(e);
    return KERN_SUCCESS;
  }
  e.sendRefs = next;
  if (next === 0) {
    const port = e.port!;
    space.freeIfEmpty(e);
    dropSendRight(port, hooks);
  }
  return KERN_SUCCESS;
}

/** Every right a space holds, destroyed (the task is gone). Ports it received on die. */
export function destroySpace(space: IpcSpace, hooks: RightHooks): void {
  space.active = false;
  for (const e of [...space.entries.values()]) {
    space.lookup(e.name);
    if (e.receive) destroyReceive(space, e, hooks);
    if (e.sendRefs > 0) {
      const port = e.port!;
      e.sendRefs = 0;
      dropSendRight(port, hooks);
    }
    if (e.sendOnce) {
      const port = e.port!;
      e.sendOnce = false;
      port.sorights--;
      hooks.sendOnceDestroyed(port);
    }
    if (e.pset) e.pset.active = false;
  }
  space.clear();
}
