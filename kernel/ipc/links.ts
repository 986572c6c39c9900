import { MACH_PORT_QLIMIT_DEFAULT, type Port, type PortSet } from '../../ports/port.ts';
import type { IpcSpace } from '../../ports/space.ts';
import type { Task } from '../../tasks/task.ts';

/**
 * Direct communication (the course's send(P, message) / receive(Q, message)),
 * built from Mach objects: a link between two processes is a pair of hidden
 * ports, one per direction. The port from A to B has its receive right in B's
 * space (in B's set of links, so B can receive from ANY) and a send right in
 * A's. Links are made on first use, exactly one per pair, and carry messages
 * both ways. Why ports: every message still goes through the same traps,
 * queues, policies, blocking, trace and counters as Mach's, so the two models
 * differ only in naming (pids instead of rights), which is what the course
 * compares.
 */
export interface Link {
  /** The two processes, lower pid first. */
  readonly a: Task;
  readonly b: Task;
  /** a → b (received by b), and b → a. */
  readonly ab: Port;
  readonly ba: Port;
  /** Capacity of each direction: 0 (rendezvous), n, or Infinity. */
  readonly capacity: number;
}

/** What the link table needs of the kernel. */
export interface LinkKernel {
  newPort(space: IpcSpace, label?: string, role?: string): Port;
  newPortSet(space: IpcSpace): PortSet;
  giveSend(space: IpcSpace, port: Port): number;
  readonly trace: { readonly counters: { linksCreated: number } };
}

/** Names, in one process's space, of its side of a link: where it sends, where it receives, its set of links. */
export interface LinkNames {
  send: number;
  recv: number;
  set: number;
}

/** The kernel's table of direct links: one per pair of processes. */
export class Links {
  private readonly byPair = new Map<string, Link>();
  /** Each process's set of incoming links (receive from ANY), made with its first link. */
  private readonly sets = new Map<Task, { set: PortSet; name: number }>();

  constructor(private readonly k: LinkKernel) {}

  /** The link between two processes, if one was made. */
  find(p: Task, q: Task): Link | undefined {
    return this.byPair.get(key(p, q));
  }

  /**
   * Routine: open
   * Purpose: the link between `me` and `peer`, made now (with `capacity` each
   * way) if it does not exist yet. Returns `me`'s names for it, or null when
   * the link exists but the peer has ended (its side died with it). The caller
   * has checked that both are processes and not the same one.
   */
  open(me: Task, peer: Task, capacity = MACH_PORT_QLIMIT_DEFAULT): LinkNames | null {
    let link = this.find(me, peer);
    if (!link) {
      const [a, b] = me.pid < peer.pid ? [me, peer] : [peer, me];
      const ab = this.direction(a, b, capacity);
      const ba = this.direction(b, a, capacity);
      link = { a, b, ab, ba, capacity };
      this.byPair.set(key(a, b), link);
      this.k.trace.counters.linksCreated++;
    }
    const out = link.a === me ? link.ab : link.ba;
    const into = link.a === me ? link.ba : link.ab;
    // When the peer has ended, its side of the link died with it: no send name (0, a send
    // to it says XMACH_PEER_ENDED), but what it sent before may still wait on this side.
    const send = out.active ? (me.space.entryFor(out)?.name ?? 0) : 0;
    const recv = into.active ? me.space.entryFor(into)?.name : undefined;
    if (recv === undefined) return null;
    return { send, recv, set: this.setOf(me).name };
  }

  /** Makes the port from → to: its receive right joins to's set of links, from gets a send right. */
  private direction(from: Task, to: Task, capacity: number): Port {
    const port = this.k.newPort(to.space, `${from.name}→${to.name}`);
    port.direct = true;
    port.qlimit = capacity;
    const set = this.setOf(to).set;
    port.pset = set;
    set.members.add(port);
    this.k.giveSend(from.space, port);
    return port;
  }

  /** The name, in task's space, of its set of incoming links (receive from ANY), made now if need be. */
  setName(task: Task): number {
    return this.setOf(task).name;
  }

  /** A process's set of incoming links, made on first use. */
  private setOf(task: Task): { set: PortSet; name: number } {
    let s = this.sets.get(task);
    if (!s) {
      const set = this.k.newPortSet(task.space);
      let name = 0;
      for (const e of task.space.entries.values()) if (e.pset === set) name = e.name;
      s = { set, name };
      this.sets.set(task, s);
    }
    return s;
  }
}

function key(p: Task, q: Task): string {
  return p.pid < q.pid ? `${p.pid}-${q.pid}` : `${q.pid}-${p.pid}`;
}
