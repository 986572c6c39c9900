import type { KMsg, RightInTransit } from '../ports/message.ts';
import type { Port } from '../ports/port.ts';
import type { IpcSpace } from '../ports/space.ts';
import type { Kernel } from './kernel.ts';
import { Semaphore } from './sync/semaphore.ts';
import { pendingRequests } from './task/proc.ts';
import { Region } from './vm/region.ts';

/** Totals the audit found, beside the problems. */
export interface AuditReport {
  /** Broken invariants, in words. Empty when all hold. */
  problems: string[];
  /** Messages sitting in queues now. */
  queued: number;
  /** Live ports reachable from some space or message. */
  ports: number;
}

/**
 * Checks the kernel's bookkeeping against what is really there. Walks every
 * space (tasks' and the kernel's), every reachable port's queue and blocked
 * senders, and the requests the name service holds, then checks:
 * - no user-reference count, send-right count or send-once count is negative;
 * - each live port's `srights` equals the spaces holding send rights to it
 *   plus the send rights in transit; `sorights` likewise for send-once rights
 *   (counting those the kernel holds for notification requests);
 * - messages are conserved: sent = received + queued + destroyed.
 *
 * @example
 * const { problems } = audit(kernel); // [] in a correct run
 */
export function audit(kernel: Kernel<any>): AuditReport {
  const k = kernel.core;
  const problems: string[] = [];
  const ports = new Set<Port>();
  const send = new Map<Port, number>();
  const once = new Map<Port, number>();
  const bump = (m: Map<Port, number>, p: Port) => m.set(p, (m.get(p) ?? 0) + 1);
  const seenMsgs = new Set<KMsg>();
  const pendingMsgs: KMsg[] = [];

  const visitRight = (r: RightInTransit | null): void => {
    if (!r || !r.port) return;
    ports.add(r.port);
    if (r.kind === 'send') bump(send, r.port);
    else if (r.kind === 'send-once') bump(once, r.port);
  };
  const visitMsg = (m: KMsg): void => {
    if (seenMsgs.has(m)) return;
    seenMsgs.add(m);
    ports.add(m.dest);
    visitRight(m.destRight);
    visitRight(m.reply);
    for (const r of m.rights) visitRight(r);
  };
  const visitSpace = (space: IpcSpace): void => {
    if (!space.active) return;
    for (const e of space.entries.values()) {
      const p = e.port;
      if (e.sendRefs < 0 || e.deadRefs < 0) problems.push(`${space.label}: name ${e.name} has negative urefs`);
      if (!p) continue;
      ports.add(p);
      if (!p.active) continue;
      if (e.sendRefs > 0) bump(send, p);
      if (e.sendOnce) bump(once, p);
      if (e.receive && p.receiver !== space) problems.push(`${space.label}: name ${e.name} holds a receive right the port does not know`);
    }
  };

  visitSpace(k.kspace);
  visitSpace(k.unclaimed);
  // Threads share their process's space: visit each space once.
  for (const space of new Set([...k.tasks.values()].map((t) => t.space))) visitSpace(space);
  for (const list of k.netnameWaiters.values()) for (const m of list) pendingMsgs.push(m);
  for (const t of k.tasks.values()) for (const m of pendingRequests(t)) pendingMsgs.push(m);
  for (const mb of k.mailboxes) for (const w of mb.waiting) pendingMsgs.push(w.request);
  // A task blocked on a semaphore: its request (and the send-once right for its answer) waits there.
  for (const e of k.kspace.entries.values()) if (e.port?.active && e.port.kobject instanceof Semaphore) for (const w of e.port.kobject.waiters) pendingMsgs.push(w.request);
  for (const m of pendingMsgs) visitMsg(m);

  // Walk ports found so far; messages in their queues may carry more ports.
  const done = new Set<Port>();
  let queued = 0;
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of [...ports]) {
      if (done.has(p)) continue;
      done.add(p);
      grew = true;
      if (!p.active) continue;
      queued += p.queue.length;
      for (const m of p.queue) visitMsg(m);
      for (const s of p.senders) visitMsg(s.kmsg);
      for (const req of p.dnrequests ?? []) {
        ports.add(req.notify);
        bump(once, req.notify);
      }
      if (p.nsrequest) {
        ports.add(p.nsrequest);
        bump(once, p.nsrequest);
      }
    }
  }

  let live = 0;
  for (const p of ports) {
    if (!p.active) continue;
    live++;
    const name = `port ${p.id}${p.label ? ` (${p.label})` : ''}`;
    if (p.srights < 0 || p.sorights < 0) problems.push(`${name}: negative right count (srights ${p.srights}, sorights ${p.sorights})`);
    if (p.srights !== (send.get(p) ?? 0)) problems.push(`${name}: srights ${p.srights} but ${send.get(p) ?? 0} send rights exist`);
    if (p.sorights !== (once.get(p) ?? 0)) problems.push(`${name}: sorights ${p.sorights} but ${once.get(p) ?? 0} send-once rights exist`);
  }

  const c = k.trace.counters;
  if (c.messagesSent !== c.messagesReceived + queued + c.messagesDestroyed) {
    problems.push(
      `messages not conserved: sent ${c.messagesSent} ≠ received ${c.messagesReceived} + queued ${queued} + destroyed ${c.messagesDestroyed}`,
    );
  }
  return { problems, queued, ports: live };
}

/** A semaphore as `auditObjects` found it. */
export interface SemaphoreView {
  /** Its port's global id. */
  id: number;
  value: number;
  mutex: boolean;
  /** Pids of its blocked waiters, first come first; `ended` those whose task has ended (they lose their turn at the next signal). */
  waiters: { pid: number; ended: boolean }[];
}

/** What `auditObjects` found: broken invariants of the kernel objects a user reaches through ports, the semaphores and the mailboxes. */
export interface ObjectsReport {
  problems: string[];
  semaphores: SemaphoreView[];
  /** Each live mailbox's port id and its waiting receivers (pids, first come first; `ended`: their task has ended). */
  mailboxes: { id: number; waiters: { pid: number; ended: boolean }[] }[];
}

/**
 * Checks the kernel objects named by ports whose receive right the kernel
 * holds (semaphores, memory regions), beside `audit()`'s books:
 * - a semaphore's value is a whole number, never negative;
 * - a semaphore with a value above 0 has no live waiter (a wake-up lost);
 * - a mutex's value is 0 or 1;
 * - a memory region lives while a task maps it or a send right names it: a live
 *   region with neither is leaked (the kernel frees it with its last reference:
 *   kernel/vm/region.ts `freeIfUnused`).
 * Returns the problems ([] when all hold), each live semaphore's value and
 * waiters (for checks across time: waiters woken first come, first served),
 * and each live mailbox's waiting receivers.
 * `regions: false` leaves the regions out.
 */
export function auditObjects(kernel: Kernel<any>, options: { regions?: boolean } = {}): ObjectsReport {
  const k = kernel.core;
  const problems: string[] = [];
  const semaphores: SemaphoreView[] = [];
  const mailboxes: ObjectsReport['mailboxes'] = [];
  for (const mb of k.mailboxes) if (mb.port.active) mailboxes.push({ id: mb.port.id, waiters: mb.waiting.map((w) => ({ pid: w.task.pid, ended: w.task.state === 'terminated' })) });
  for (const e of k.kspace.entries.values()) {
    const p = e.port;
    if (!p?.active) continue;
    const name = `port ${p.id}${p.label ? ` (${p.label})` : ''}`;
    const o = p.kobject;
    if (o instanceof Semaphore) {
      const waiters = o.waiters.map((w) => ({ pid: w.task.pid, ended: w.task.state === 'terminated' }));
      semaphores.push({ id: p.id, value: o.value, mutex: o.mutex, waiters });
      if (!Number.isInteger(o.value) || o.value < 0) problems.push(`semaphore ${name}: value ${o.value}`);
      if (o.mutex && o.value > 1) problems.push(`semaphore ${name}: a mutex at value ${o.value}`);
      const live = waiters.find((w) => !w.ended);
      if (o.value > 0 && live) problems.push(`semaphore ${name}: value ${o.value} while pid ${live.pid} waits (a wake-up lost)`);
    } else if (o instanceof Region && options.regions !== false) {
      if (p.srights === 0 && p.sorights === 0 && o.mappings.size === 0) problems.push(`region ${name}: leaked (${o.size} bytes, no mapping and no send right)`);
    }
  }
  return { problems, semaphores, mailboxes };
}
