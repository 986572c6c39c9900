import { boot, KERN_SUCCESS, traceLines, type Kernel, type RunReport, type Sys } from '../../index.ts';
import { CRASH, newProc, Programs } from './interpret.ts';
import { auditObjects } from '../../kernel/audit.ts';
import { bookProblems, FifoBook, Ledger, reportProblems, stateProblems, type PortObj } from './invariants.ts';
import type { Workload } from './workload.ts';

export { CRASH } from './interpret.ts';

/** Options of `runWorkload`. */
export interface RunWorkloadOptions {
  /** Keep trace records and return the last `traceTail` lines before the first problem (default 0: trace off, faster). */
  traceTail?: number;
  /** Virtual ms after which the run stops with 'time-limit' (default 10,000). */
  until?: number;
  /** Wall-clock ms to wait for a report before giving up with a 'report:' problem (default 20,000). */
  wallLimit?: number;
}

/** What one run of a workload gave. */
export interface Outcome {
  /** No invariant broke. */
  ok: boolean;
  /** Broken invariants, each prefixed with its class; the first ones only (at most 8). */
  problems: string[];
  /** How the run ended ('none': no report within the wall-clock limit). */
  status: RunReport['status'] | 'none';
  /** Steps executed (every task, child and thread). */
  steps: number;
  /** Virtual time at the end (ms). */
  time: number;
  /** A few counters, for coverage figures. */
  counters: {
    messages: number; destroyed: number; timeouts: number; notifications: number; tasks: number; killed: number; crashed: number;
    /** Links, mailboxes and regions made; messages sent with success on links and to mailboxes; semaphore calls that succeeded; calls on them cut short (task ended or still blocked at the end). */
    links: number; mailboxes: number; regions: number; linkMessages: number; mailboxMessages: number; semOps: number; cutShort: number;
  };
  /** The last trace lines before the first problem (or the end), when asked for. */
  trace: string[];
}

const TRACE_KINDS = ['syscall', 'return', 'send', 'cache', 'receive', 'timeout', 'notify', 'destroy', 'port-death', 'exit', 'deadlock'] as const;

/**
 * Contract: runs `w` on a fresh `boot({ seed: w.seed })` kernel and checks the
 * invariants after every step of every task (and once at the end); never
 * throws, never rejects. The same workload gives the same outcome: programs
 * make no random choice of their own, and the kernel is deterministic.
 *
 * @example
 * const out = await runWorkload(generate(7), { traceTail: 30 });
 * if (!out.ok) console.log(out.problems.join('\n'), out.trace.join('\n'));
 */
export async function runWorkload(w: Workload, options: RunWorkloadOptions = {}): Promise<Outcome> {
  const tail = options.traceTail ?? 0;
  const k: Kernel<Sys> = boot({
    seed: w.seed,
    console: false,
    trace: tail > 0 ? { limit: 20_000 } : false,
    sched: { policy: w.sched.policy, cpus: w.sched.cpus, quantum: w.sched.quantum },
    process: { init: true, cascade: w.cascade },
  });
  const fifo = new FifoBook();
  const ledger = new Ledger();
  const verdict = new Verdict(k);
  const moved = new Set<PortObj>();
  const pids: number[] = [];
  const programs = new Programs({
    kernel: k,
    fifo,
    ledger,
    services: w.tasks.length,
    pids,
    failed: () => verdict.failed,
    check: (sys, where) => {
      if (verdict.failed) return false;
      const objects = auditObjects(k);
      ledger.check(objects.semaphores, objects.mailboxes);
      verdict.fail(where, [...stateProblems(k, sys.pid), ...bookProblems(k, moved), ...fifo.problems, ...objects.problems.map((p) => `object: ${p}`), ...ledger.problems]);
      return !verdict.failed;
    },
    moving: (sys, name) => {
      const port = k.tasks.get(sys.pid)?.space.lookup(name)?.port;
      if (port) moved.add(port);
    },
  });
  try {
    build(k, w, programs, pids);
  } catch (err) {
    verdict.fail('setup', [`error: setting the world up threw: ${(err as Error).message}`]);
  }
  return finish(k, options, programs, fifo, ledger, verdict, moved);
}

/** The problems found in a run (the first 8), and where in the trace the first one was seen. */
class Verdict {
  readonly problems: string[] = [];
  /** The trace's record count when the first problem was seen (-1: none yet). */
  at = -1;

  constructor(private readonly k: Kernel<Sys>) {}

  get failed(): boolean {
    return this.at >= 0;
  }

  fail(where: string, list: readonly string[]): void {
    if (list.length === 0) return;
    if (this.at < 0) this.at = this.k.trace.total;
    for (const p of list) if (this.problems.length < 8) this.problems.push(`${p} [after ${where}]`);
  }
}

/** Makes the world: each task's service port, its program (with the faults it injects into itself), the monkey that kills. */
function build(k: Kernel<Sys>, w: Workload, programs: Programs, pids: number[]): void {
  const n = w.tasks.length;
  const ports = w.tasks.map((t, i) => k.port(`s${i}`, t.qlimit === null ? { qlimit: Infinity } : { qlimit: t.qlimit }));
  w.tasks.forEach((spec, i) => {
    const faults = w.faults.filter((f) => f.task === i);
    const crash = faults.filter((f) => f.kind === 'crash').reduce<number | null>((m, f) => (m === null ? f.at : Math.min(m, f.at)), null);
    const grants: Record<string, { port: (typeof ports)[number]; right: 'receive' } | (typeof ports)[number]> = { mine: { port: ports[i]!, right: 'receive' } };
    ports.forEach((port, j) => j !== i && (grants[`s${j}`] = port));
    const task = k.spawn(
      `t${i}`,
      async (sys) => {
        const p = newProc(i, spec.qlimit, 0);
        p.mine = sys.ports.mine!;
        for (let j = 0; j < n; j++) if (j !== i) p.peers.set(j, sys.ports[`s${j}`]!);
        // Published, so forked children (and peers after a loss) can look it up.
        await sys.netname_check_in(`s${i}`, p.mine);
        if (faults.some((f) => f.kind === 'kill' || f.kind === 'kill-blocked')) {
          const self = await sys.task_self();
          if (self.code === KERN_SUCCESS) await sys.netname_check_in(`t${i}`, self.name!);
        }
        for (const f of faults) if (f.kind === 'port-death' || f.kind === 'loss') await sys.thread_create((t: Sys, shared: typeof p) => programs.fault(f, t, shared), p);
        return programs.runSteps(sys, p, spec.steps, crash);
      },
      { priority: spec.priority, at: spec.at, ports: grants },
    );
    pids.push(task.pid);
  });
  const kills = w.faults.filter((f) => (f.kind === 'kill' || f.kind === 'kill-blocked') && f.task < n).sort((a, b) => a.at - b.at);
  if (kills.length > 0) {
    // The monkey: a daemon that kills tasks at their fault times, through handles the tasks published.
    k.spawn(
      'monkey',
      async (sys) => {
        for (const f of kills) {
          if (f.at > sys.now()) await sys.sleep(f.at - sys.now());
          const r = await sys.netname_look_up(`t${f.task}`, { wait: true });
          if (r.code !== KERN_SUCCESS) continue;
          // kill-blocked: wait (at most 30 ms) until the task waits in a system call.
          for (let i = 0; f.kind === 'kill-blocked' && i < 30; i++) {
            const info = await sys.task_info(r.port!);
            if (info.code !== KERN_SUCCESS || info.pcb!.state === 'waiting' || info.pcb!.state === 'terminated') break;
            await sys.sleep(1);
          }
          await sys.kill(r.port!, 'kill');
        }
      },
      { daemon: true },
    );
  }
}

/** Runs the world to its report, checks the end, and sums the outcome up. */
async function finish(k: Kernel<Sys>, options: RunWorkloadOptions, programs: Programs, fifo: FifoBook, ledger: Ledger, verdict: Verdict, moved: ReadonlySet<PortObj>): Promise<Outcome> {
  const tail = options.traceTail ?? 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const report = await Promise.race([
    k.run({ until: options.until ?? 10_000, spinLimit: 20_000, outsideGrace: 2_000, progress: false }),
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), options.wallLimit ?? 20_000))),
  ]).catch((err: Error) => {
    verdict.fail('run', [`report: run() rejected: ${err.message}`]);
    return null;
  });
  clearTimeout(timer);
  if (report) {
    const objects = auditObjects(k);
    ledger.check(objects.semaphores, objects.mailboxes);
    const end = [
      ...bookProblems(k, moved), ...fifo.problems, ...objects.problems.map((p) => `object: ${p}`), ...ledger.problems,
      ...ledger.end(k, objects.semaphores, objects.mailboxes), ...reportProblems(k, report, CRASH),
    ];
    verdict.fail('the end', end);
  } else if (!verdict.failed) verdict.fail('the end', [`report: no report after ${options.wallLimit ?? 20_000} ms of wall-clock time`]);

  const c = k.trace.counters;
  let killed = 0;
  let crashed = 0;
  for (const t of k.tasks.values()) {
    if (t.pcb.exit?.reason === 'killed') killed++;
    if (t.pcb.exit?.error === CRASH) crashed++;
  }
  let trace: string[] = [];
  if (tail > 0) {
    const upTo = verdict.failed ? verdict.at : Infinity;
    // One line per system call and per user message: the kernel's own sends and receives of requests and replies are left out.
    const story = k.trace.records.filter((r) => r.seq < upTo && !((r.kind === 'send' || r.kind === 'receive') && (r.pid === 0 || r.peer === 0) && r.op === undefined));
    trace = traceLines(story, TRACE_KINDS).slice(-tail);
  }
  return {
    ok: !verdict.failed,
    problems: verdict.problems,
    status: report?.status ?? 'none',
    steps: programs.steps,
    time: k.now(),
    counters: {
      messages: c.userMessages, destroyed: c.messagesDestroyed, timeouts: c.timeouts, notifications: c.notifications, tasks: k.tasks.size, killed, crashed,
      links: c.linksCreated, mailboxes: c.mailboxesCreated, regions: c.regionsCreated, ...ledger.stats,
    },
    trace,
  };
}
