import { audit, type Kernel, type RunReport, type Sys, type Task } from '../../index.ts';
import type { ObjectsReport, SemaphoreView } from '../../kernel/audit.ts';

/**
 * The invariants the fuzz runner checks, each problem a line that starts with
 * its class (`audit:`, `fifo:`, `state:`, `cpu:`, `report:`, `error:`, `bug:`).
 */
export type ProblemClass = 'audit' | 'fifo' | 'state' | 'cpu' | 'report' | 'error' | 'bug' | 'lost' | 'sem' | 'object';

/** The class of a problem line (its prefix). */
export function classOf(problem: string): ProblemClass {
  return problem.slice(0, problem.indexOf(':')) as ProblemClass;
}

const AUDIT_KINDS = ['messages not conserved', 'stranded', 'sorights', 'srights', 'negative', 'receive right'] as const;

/**
 * What kind of failure a problem is, finer than its class for the audit's
 * (`audit/srights`, `audit/sorights`, `audit/messages not conserved`, …): the
 * shrinker keeps a smaller workload only when its first problem is of the same kind.
 */
export function kindOf(problem: string): string {
  const cls = classOf(problem);
  if (cls !== 'audit') return cls;
  return `audit/${AUDIT_KINDS.find((k) => problem.includes(k)) ?? 'other'}`;
}

/** Marks a body so the receiver can check per-sender FIFO: `fz` the sender's pid, `n` its count. */
export interface Mark {
  fz: number;
  n: number;
}

const isMark = (b: unknown): b is Mark => typeof b === 'object' && b !== null && typeof (b as Mark).fz === 'number' && typeof (b as Mark).n === 'number';

/**
 * Per-sender FIFO and exactly-once delivery, checked end to end from the
 * programs' side: each sender numbers its messages (`mark`) in the order it
 * sends them; each receiver reports what it got (`received`) with the seqno
 * the port stamped when the message left its queue. For every port, receiving
 * space and sender, the numbers must rise with the seqno (threads of one space
 * may see their messages in another order than they were dequeued: the seqno
 * says which left first); a message must come from the task that sent it, and
 * none may arrive twice. Messages that time out, are handed back or are
 * destroyed leave gaps, which is fine.
 */
export class FifoBook {
  private readonly next = new Map<number, number>();
  /** (port, receiving space, sender) → [seqno, number] pairs seen. */
  private readonly seenBy = new Map<string, [number, number][]>();
  private readonly seen = new Set<string>();
  readonly problems: string[] = [];

  /** The body of sender's next message. */
  mark(sender: number): Mark {
    const n = this.next.get(sender) ?? 0;
    this.next.set(sender, n + 1);
    return { fz: sender, n };
  }

  /** A message with this seqno was received from the port with global id `portId` into the space of process `space`. */
  received(portId: number, space: number, seqno: number, sender: number, body: unknown): void {
    if (!isMark(body)) return;
    const id = `${body.fz}#${body.n}`;
    if (this.seen.has(id)) this.problems.push(`fifo: message ${body.n} of pid ${body.fz} delivered twice (now on port ${portId})`);
    this.seen.add(id);
    if (sender !== body.fz) this.problems.push(`fifo: message ${body.n} of pid ${body.fz} arrived on port ${portId} naming pid ${sender} as its sender`);
    const key = `${portId}/${space}/${body.fz}`;
    const list = this.seenBy.get(key) ?? [];
    for (const [q, n] of list) {
      if (n !== body.n && (q < seqno) !== (n < body.n)) {
        this.problems.push(`fifo: port ${portId} dequeued message ${q < seqno ? n : body.n} of pid ${body.fz} after its message ${q < seqno ? body.n : n} (seqnos ${Math.min(q, seqno)}, ${Math.max(q, seqno)})`);
        break;
      }
    }
    list.push([seqno, body.n]);
    this.seenBy.set(key, list);
  }

  /**
   * A message was received with no seqno to order it by (from a mailbox, whose
   * receivers take it through the kernel): only exactly-once and its sender are checked.
   */
  receivedOnce(portId: number, sender: number, body: unknown): void {
    if (!isMark(body)) return;
    const id = `${body.fz}#${body.n}`;
    if (this.seen.has(id)) this.problems.push(`fifo: message ${body.n} of pid ${body.fz} delivered twice (now from mailbox port ${portId})`);
    this.seen.add(id);
    if (sender !== body.fz) this.problems.push(`fifo: message ${body.n} of pid ${body.fz} arrived from mailbox port ${portId} naming pid ${sender} as its sender`);
  }
}

const markId = (m: Mark): string => `${m.fz}#${m.n}`;

/** One semaphore's books, from the programs' side. */
interface SemBook {
  /** Its value when made. */
  initial: number;
  /** Signals and waits that returned KERN_SUCCESS. */
  signals: number;
  waits: number;
  /** Calls under way (started, not returned): by pid. */
  open: Map<number, { kind: 'wait' | 'signal'; n: number }>;
}

/**
 * The books of the other kernel objects, kept from the programs' side and
 * checked against the kernel's:
 * - links and mailboxes: every message whose send returned success is received
 *   by a program exactly once, or is still queued at the end, or was destroyed
 *   with its receiver (the link's receiving process ended, the mailbox was
 *   destroyed); the only other excuse is a receive that never returned (its task
 *   ended, or stays blocked or stopped, after the kernel handed it the message),
 *   at most one message per such receive, counted per receiving process (links)
 *   or per mailbox — and not a mailbox receiver seen waiting after its task had
 *   ended, or still waiting at the end (it has taken nothing);
 * - semaphores: the value is what the calls that returned say, within what the
 *   calls under way (or cut short by their task's end) may have done, and a
 *   waiter that had ended before a signal never takes it; waiters are woken
 *   first come, first served (a waiter that returns KERN_SUCCESS was not behind
 *   a live waiter that still waits).
 * Problems are prefixed `lost:` and `sem:`.
 */
export class Ledger {
  /** Messages sent with success: the kernel port they went to, and who receives there (`p<pid>` or `m<port id>`). */
  private readonly sent = new Map<string, { mark: Mark; port: PortObj; at: string }>();
  private readonly got = new Set<string>();
  /** Receives under way by context (`p<pid>` or `m<port id>`): tid → count. */
  private readonly inFlight = new Map<string, Map<number, number>>();
  private readonly sems = new Map<number, SemBook>();
  /** `<sem id>/<pid>`, `m<mailbox id>/<pid>`: seen waiting on the semaphore or mailbox after its task had ended (it can never take a signal or a message). */
  private readonly stale = new Set<string>();
  /** Waiters per semaphore at the last check, in order. */
  private last = new Map<number, number[]>();
  /** Waits that returned KERN_SUCCESS since the last check: [sem id, pid]. */
  private woken: [number, number][] = [];
  readonly problems: string[] = [];
  /** Coverage: messages sent with success on links and to mailboxes, semaphore calls that returned success, calls still under way at the end. */
  readonly stats = { linkMessages: 0, mailboxMessages: 0, semOps: 0, cutShort: 0 };

  /** A message was sent with success to `port`, where `at` receives. */
  sentTo(mark: Mark, port: PortObj, at: string): void {
    this.sent.set(markId(mark), { mark, port, at });
    if (at.startsWith('m')) this.stats.mailboxMessages++;
    else this.stats.linkMessages++;
  }

  /** A program received a message (its body). */
  received(body: unknown): void {
    if (isMark(body)) this.got.add(markId(body));
  }

  /** Task `tid` starts a receive in context `at`; returns the function to call when it returns. */
  receiving(at: string, tid: number): () => void {
    let m = this.inFlight.get(at);
    if (!m) this.inFlight.set(at, (m = new Map()));
    m.set(tid, (m.get(tid) ?? 0) + 1);
    return () => {
      const n = m.get(tid)! - 1;
      if (n === 0) m.delete(tid);
      else m.set(tid, n);
    };
  }

  /** A semaphore was made at `value` (`id`: its port's id). */
  semCreated(id: number, value: number): void {
    this.sems.set(id, { initial: value, signals: 0, waits: 0, open: new Map() });
  }

  /** Task `tid` starts a wait or signal on semaphore `id`; returns the function to call with its code when it returns. */
  semCall(id: number, tid: number, kind: 'wait' | 'signal'): (ok: boolean) => void {
    const b = this.sems.get(id);
    if (!b) return () => {};
    const o = b.open.get(tid) ?? { kind, n: 0 };
    o.n++;
    b.open.set(tid, o);
    return (ok) => {
      if (--o.n === 0) b.open.delete(tid);
      if (!ok) return;
      this.stats.semOps++;
      if (kind === 'signal') b.signals++;
      else {
        b.waits++;
        this.woken.push([id, tid]);
      }
    };
  }

  /**
   * After a step: checks the semaphores the kernel has now against the books
   * (`view`: from `auditObjects`), and keeps their waiters for the next check.
   */
  check(view: readonly SemaphoreView[], mailboxes: ObjectsReport['mailboxes'] = []): void {
    for (const m of mailboxes) for (const w of m.waiters) if (w.ended) this.stale.add(`m${m.id}/${w.pid}`);
    const now = new Map<number, SemaphoreView>();
    for (const s of view) now.set(s.id, s);
    for (const [id, pid] of this.woken) {
      const before = this.last.get(id);
      const at = before?.indexOf(pid) ?? -1;
      const still = now.get(id)?.waiters ?? [];
      for (let i = 0; i < at; i++) {
        const y = before![i]!;
        if (still.some((w) => w.pid === y && !w.ended)) {
          this.problems.push(`sem: semaphore port ${id} woke pid ${pid} before pid ${y}, which waited longer and still waits`);
          break;
        }
      }
    }
    this.woken = [];
    this.last = new Map();
    for (const s of view) {
      this.last.set(s.id, s.waiters.map((w) => w.pid));
      for (const w of s.waiters) if (w.ended) this.stale.add(`${s.id}/${w.pid}`);
    }
  }

  /**
   * At the end of the run: every message accounted for, every semaphore's value
   * within its books. `kernel` gives the ports' queues and the tasks' states.
   */
  end(kernel: Kernel<Sys>, view: readonly SemaphoreView[], mailboxes: ObjectsReport['mailboxes'] = []): string[] {
    const out: string[] = [];
    // Messages still queued somewhere (a mailbox's answer waits in its receiver's reply port with the body inside).
    const queued = new Set<string>();
    const look = (body: unknown): void => {
      if (isMark(body)) queued.add(markId(body));
      else if (typeof body === 'object' && body !== null && isMark((body as { body?: unknown }).body)) queued.add(markId((body as { body: Mark }).body));
    };
    const core = kernel.core;
    const spaces = [core.kspace, core.unclaimed, ...new Set([...kernel.tasks.values()].map((t) => t.space))];
    for (const sp of spaces) {
      if (!sp.active) continue;
      for (const e of sp.entries.values()) {
        const p = e.port;
        if (!p?.active) continue;
        for (const m of p.queue) look(m.body);
        for (const w of p.senders) look(w.kmsg.body);
      }
    }
    // Receives that never returned: their tasks ended in them, or still wait (blocked or stopped).
    const slack = new Map<string, number>();
    // A mailbox receiver seen waiting after its end, or waiting still, has taken nothing.
    const waitingNow = new Set<string>();
    for (const m of mailboxes) for (const w of m.waiters) waitingNow.add(`m${m.id}/${w.pid}`);
    for (const [at, m] of this.inFlight) {
      for (const [tid, n] of m) if (!this.stale.has(`${at}/${tid}`) && !waitingNow.has(`${at}/${tid}`)) slack.set(at, (slack.get(at) ?? 0) + n);
    }
    for (const n of slack.values()) this.stats.cutShort += n;
    for (const b of this.sems.values()) for (const o of b.open.values()) this.stats.cutShort += o.n;
    const missing = new Map<string, string[]>();
    for (const [id, s] of this.sent) {
      if (this.got.has(id) || !s.port.active || queued.has(id)) continue;
      const list = missing.get(s.at) ?? [];
      list.push(`message ${s.mark.n} of pid ${s.mark.fz} (port ${s.port.id}${s.port.label ? ` ${s.port.label}` : ''})`);
      missing.set(s.at, list);
    }
    for (const [at, list] of missing) {
      const may = slack.get(at) ?? 0;
      if (list.length > may) out.push(`lost: ${list.length} message${list.length === 1 ? '' : 's'} sent with success never received, not queued, not destroyed (${at.startsWith('m') ? `mailbox port ${at.slice(1)}` : `to pid ${at.slice(1)}`}; ${may} receive${may === 1 ? '' : 's'} cut short): ${list.slice(0, 3).join(', ')}`);
    }
    for (const s of view) {
      const b = this.sems.get(s.id);
      if (!b) continue;
      let slackW = 0;
      let slackS = 0;
      for (const [pid, o] of b.open) {
        if (o.kind === 'signal') slackS += o.n;
        else if (!s.waiters.some((w) => w.pid === pid) && !this.stale.has(`${s.id}/${pid}`)) slackW += o.n;
      }
      const base = b.initial + b.signals - b.waits;
      if (s.value < base - slackW || s.value > base + slackS) {
        out.push(`sem: semaphore port ${s.id} has value ${s.value}, its books say ${base} (made at ${b.initial}, ${b.signals} signals and ${b.waits} waits returned; calls under way: ${slackW} waits, ${slackS} signals)`);
      }
    }
    return out;
  }
}

const who = (t: Task): string => `${t.name}(${t.pid})`;

/**
 * Contract: the process states and the CPUs agree, at a moment when a task's
 * program code executes (between two of its system calls). Returns problems,
 * [] when all hold:
 * - the executing task is `executing`, and it is running;
 * - no task is both running and waiting: a running task has no wait and holds a CPU
 *   that names it; a task that is not running holds no CPU;
 * - no CPU runs two tasks: each CPU's task is running and names that CPU, and no task
 *   is on two CPUs.
 */
export function stateProblems(kernel: Kernel<Sys>, executing: number): string[] {
  const problems: string[] = [];
  const cpu = kernel.core.cpu;
  const current = cpu.current;
  if (!current || current.pid !== executing) problems.push(`state: program code of pid ${executing} executes while the kernel says ${current ? who(current) : 'nobody'} does`);
  const onCpu = new Map<Task, number>();
  for (const c of cpu.cpus) {
    const t = c.task;
    if (!t) continue;
    if (onCpu.has(t)) problems.push(`cpu: ${who(t)} is on cpu ${onCpu.get(t)} and cpu ${c.id}`);
    onCpu.set(t, c.id);
    if (t.state !== 'running') problems.push(`cpu: cpu ${c.id} runs ${who(t)}, which is ${t.state}`);
    if (c.switching) problems.push(`cpu: cpu ${c.id} runs ${who(t)} while loading ${who(c.switching)}`);
  }
  for (const t of kernel.tasks.values()) {
    if (t.state === 'running') {
      if (t.wait) problems.push(`state: ${who(t)} is running and waiting (${t.wait.what()})`);
      if (!onCpu.has(t)) problems.push(`state: ${who(t)} is running on no CPU`);
      else if (t.pcb.cpu !== onCpu.get(t)) problems.push(`state: ${who(t)} runs on cpu ${onCpu.get(t)} but its PCB says ${t.pcb.cpu}`);
    } else {
      if (onCpu.has(t)) problems.push(`state: ${who(t)} is ${t.state} but holds cpu ${onCpu.get(t)}`);
      if (t.state === 'terminated' && t.wait) problems.push(`state: ${who(t)} has ended but still waits (${t.wait.what()})`);
    }
  }
  return problems;
}

/** A port object, as the kernel keeps it (its type, through the kernel's own). */
export type PortObj = NonNullable<NonNullable<ReturnType<Kernel<Sys>['core']['kspace']['lookup']>>['port']>;
type Msg = PortObj['queue'] extends Iterable<infer M> ? M : never;

/** Every port reachable from seeds through queued messages (their destinations and the rights they carry) and blocked senders' messages. */
function closure(seeds: Iterable<PortObj>): Set<PortObj> {
  const seen = new Set<PortObj>();
  const todo: PortObj[] = [];
  const add = (p: PortObj | null | undefined): void => {
    if (p && !seen.has(p)) {
      seen.add(p);
      todo.push(p);
    }
  };
  const visit = (m: Msg): void => {
    add(m.dest);
    add(m.destRight?.port);
    add(m.reply?.port);
    for (const r of m.rights) add(r.port);
  };
  for (const p of seeds) add(p);
  for (let p = todo.pop(); p; p = todo.pop()) {
    if (!p.active) continue;
    for (const m of p.queue) visit(m);
    for (const w of p.senders) visit(w.kmsg);
  }
  return seen;
}

/**
 * When the audit finds messages not conserved, whether the missing ones sit
 * on live ports no space can reach — ports whose receive rights travel in each
 * other's queues (a cycle of receive rights in transit) — found from the ports
 * whose receive rights the workload moved. Returns the problem line that says
 * so, or null when that does not explain the gap.
 */
function stranded(kernel: Kernel<Sys>, moved: ReadonlySet<PortObj>, auditQueued: number): string | null {
  const core = kernel.core;
  const spaces = [core.kspace, core.unclaimed, ...new Set([...kernel.tasks.values()].map((t) => t.space))];
  const held: PortObj[] = [];
  for (const sp of spaces) if (sp.active) for (const e of sp.entries.values()) if (e.port) held.push(e.port);
  const reach = closure(held);
  const all = closure([...held, ...moved]);
  const c = kernel.trace.counters;
  let queued = 0;
  for (const p of all) if (p.active) queued += p.queue.length;
  if (c.messagesSent !== c.messagesReceived + queued + c.messagesDestroyed) return null;
  const lost = [...all].filter((p) => p.active && !reach.has(p));
  const gap = c.messagesSent - c.messagesReceived - c.messagesDestroyed - auditQueued;
  return `audit: ${gap} message${gap === 1 ? '' : 's'} stranded on ports no space can reach (receive rights in transit in a cycle): ${lost.map((p) => `port ${p.id}${p.label ? ` (${p.label})` : ''} ${p.queue.length} queued`).join(', ')}`;
}

/**
 * Contract: the kernel's books balance (`audit()`: rights counted, messages
 * conserved) and no illegal state arrow was taken (`kernel.bugs`). Problems
 * are prefixed `audit:` and `bug:`. Messages that are not conserved because
 * they sit on ports no space can reach (see `moved`: ports whose receive
 * rights the workload moved) are reported as stranded, a problem of its own.
 */
export function bookProblems(kernel: Kernel<Sys>, moved: ReadonlySet<PortObj> = new Set()): string[] {
  const a = audit(kernel);
  const out: string[] = [];
  for (const p of a.problems) {
    const why = p.startsWith('messages not conserved') && moved.size > 0 ? stranded(kernel, moved, a.queued) : null;
    out.push(why ?? `audit: ${p}`);
  }
  for (const b of kernel.bugs) out.push(`bug: ${b.message}`);
  return out;
}

/**
 * Contract: the run ended with a report that says what happened — one of the
 * five statuses; 'done' only when every non-daemon task ended; 'deadlock' naming
 * at least one task; never 'stuck' or 'livelock' (the workload's programs await
 * only system calls and make a bounded number of them); and no task ended by
 * throwing, except the crashes the workload injected (`crash` is their message).
 */
export function reportProblems(kernel: Kernel<Sys>, report: RunReport, crash: string): string[] {
  const out: string[] = [];
  switch (report.status) {
    case 'done':
      for (const t of kernel.tasks.values()) if (!t.daemon && t.state !== 'terminated') out.push(`report: status done but ${who(t)} is ${t.state}`);
      break;
    case 'deadlock':
      if (report.deadlock.length === 0) out.push('report: deadlock naming no task');
      break;
    case 'time-limit':
      break;
    case 'stuck':
    case 'livelock':
      out.push(`report: ${report.status}: ${report.culprit?.name ?? '?'} ${report.culprit?.why ?? ''}`);
      break;
    default:
      out.push(`report: unknown status ${JSON.stringify(report.status)}`);
  }
  for (const t of kernel.tasks.values()) {
    const e = t.pcb.exit;
    if (e?.reason === 'error' && e.error !== crash) out.push(`error: ${who(t)} threw: ${e.error}`);
  }
  return out;
}
