import type { ExitStatus } from '../tasks/pcb.ts';
import type { Task } from '../tasks/task.ts';
import type { Kernel, RunOptions, RunReport } from '../kernel/kernel.ts';
import type { TraceKind, TraceRecord } from '../trace/trace.ts';

/** What `simulate` hands back: the kernel after its run, and ways to look at it. */
export interface Simulation<S = unknown> {
  kernel: Kernel<S>;
  report: RunReport;
  records: TraceRecord[];
  /** The task with this name (the first one, if several share it). */
  task(name: string): Task;
  /** How the task with this name ended (null if it has not). */
  exit(name: string): ExitStatus | null;
  /** Lines the task wrote with sys.log (all tasks when name is omitted, as `name: line`). */
  logs(name?: string): string[];
  /** The trace as compact lines, for asserting order (see `traceLines`). */
  lines(kinds?: readonly TraceKind[]): string[];
}

/**
 * Runs a small world and hands it back for assertions: `setup` spawns tasks on
 * the kernel, then the kernel runs until they end or nothing can move.
 *
 * @example
 * const sim = await simulate(boot({ seed: 1 }), (k) => {
 *   k.spawn('a', async (sys) => { sys.log('hello'); });
 * });
 * sim.logs('a'); // ['hello']
 * sim.report.status; // 'done'
 */
export async function simulate<S>(kernel: Kernel<S>, setup: (k: Kernel<S>) => void, options: RunOptions = {}): Promise<Simulation<S>> {
  setup(kernel);
  const report = await kernel.run(options);
  const records = kernel.trace.records;
  const byName = (name: string): Task => {
    for (const t of kernel.tasks.values()) if (t.name === name) return t;
    throw new Error(`no task named ${JSON.stringify(name)}`);
  };
  return {
    kernel,
    report,
    records,
    task: byName,
    exit: (name) => byName(name).pcb.exit,
    logs: (name) =>
      records
        .filter((r) => r.kind === 'log' && (name === undefined || r.task === name))
        .map((r) => (name === undefined ? `${r.task}: ${r.detail}` : (r.detail ?? ''))),
    lines: (kinds) => traceLines(records, kinds),
  };
}

const DEFAULT_KINDS: readonly TraceKind[] = ['send', 'cache', 'receive', 'timeout', 'notify', 'destroy', 'port-death', 'exit', 'deadlock'];

/**
 * The trace as one short line per record, for tests that assert order and
 * time as text: `t=10 client send port 7 (echo) id 1`, `t=10 server receive port 7 (echo) id 1 from client`
 * (a port's label follows its id when it has one).
 * Only the given kinds are kept (default: message events, notifications, deaths, exits).
 */
export function traceLines(records: readonly TraceRecord[], kinds: readonly TraceKind[] = DEFAULT_KINDS): string[] {
  const keep = new Set(kinds);
  const out: string[] = [];
  for (const r of records) {
    if (!keep.has(r.kind)) continue;
    const parts = [`t=${r.t}`, r.task, r.kind];
    if (r.op && r.kind !== 'state') parts.push(r.op);
    if (r.kind === 'state') parts.push(`${r.from}->${r.op}`);
    if (r.port !== undefined) parts.push(r.portLabel ? `port ${r.port} (${r.portLabel})` : `port ${r.port}`);
    if (r.msgId !== undefined) parts.push(`id ${r.msgId}`);
    if (r.kind === 'receive' && r.peerTask !== undefined) parts.push(`from ${r.peerTask}`);
    if (r.codeName !== undefined) parts.push(r.codeName);
    if (r.kind === 'exit') parts.push(`${r.code} (${r.detail})`);
    else if ((r.kind === 'log' || r.kind === 'deadlock') && r.detail) parts.push(r.detail);
    out.push(parts.join(' '));
  }
  return out;
}

/**
 * The records that tell a scenario's story: without the system-call chatter
 * (requests to the kernel and their replies, traps, syscall records) and
 * without sleeps (`sys.sleep` is a receive with a timeout on a private port:
 * its block, timeout and wake), unless asked to keep them; and without the
 * deaths of empty ports and the kernel's reaping of its own children.
 *
 * @example
 * renderMermaid(focus(k.trace.records)) // only the tasks' own messages
 */
export function focus(records: readonly TraceRecord[], keep: { syscalls?: boolean; sleeps?: boolean } = {}): TraceRecord[] {
  // Tasks whose block was dropped: their next wake goes too (a task on another host than the default is `host|pid`: pids are per host).
  const hidden = new Set<number | string>();
  const who = (r: TraceRecord): number | string => (r.host === undefined ? r.pid : `${r.host}|${r.pid}`);
  const out: TraceRecord[] = [];
  for (const r of records) {
    // A port dying with nothing in it, and the kernel reaping its own children, tell nothing.
    if (r.kind === 'port-death' && r.pending === 0) continue;
    if (r.kind === 'reap' && r.peer === 0) continue;
    if (!keep.sleeps) {
      if (r.kind === 'block' && r.wait === 'sleep') {
        hidden.add(who(r));
        continue;
      }
      if (r.kind === 'timeout' && r.wait === 'sleep') continue;
      if (r.kind === 'wake' && hidden.delete(who(r))) continue;
    }
    if (!keep.syscalls) {
      if (r.kind === 'trap' || r.kind === 'syscall') continue;
      // A notification shows once, as its 'notify' record.
      if (r.kind === 'send' && r.pid === 0 && r.op !== undefined) continue;
      const kernelSide = r.pid === 0 || r.peer === 0;
      if ((r.kind === 'send' || r.kind === 'receive') && kernelSide && r.op === undefined) continue;
      // A task blocked only for the kernel's answer (on its reply port): not part of the story.
      if (r.kind === 'block' && r.role === 'reply') {
        hidden.add(who(r));
        continue;
      }
      if (r.kind === 'wake' && hidden.delete(who(r))) continue;
    }
    out.push(r);
  }
  return out;
}
