import { audit, type Kernel, type RunReport, type Sys, type Task } from '../../index.ts';

/**
 * The invariants the fuzz runner checks, each problem a line that starts with
 * its class (`audit:`, `fifo:`, `state:`, `cpu:`, `report:`, `error:`, `bug:`).
 */
export type ProblemClass = 'audit' | 'fifo' | 'state' | 'cpu' | 'report' | 'error' | 'bug';

/** The class of a problem line (its prefix). */
export function classOf(problem: string): ProblemClass {
  return problem.slice(0, problem.indexOf(':')) as ProblemClass;
}

const AUDIT_KINDS = ['messages not conserved', 'sorights', 'srights', 'negative', 'receive right'] as const;

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

/**
 * Contract: the kernel's books balance (`audit()`: rights counted, messages
 * conserved) and no illegal state arrow was taken (`kernel.bugs`). Problems
 * are prefixed `audit:` and `bug:`.
 */
export function bookProblems(kernel: Kernel<Sys>): string[] {
  const out = audit(kernel).problems.map((p) => `audit: ${p}`);
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
