import type { ProcessState } from '../tasks/task-machine.ts';
import type { TraceRecord } from './trace.ts';

/** A stretch of time a task spent in one state (on one CPU, when running). */
export interface Interval {
  pid: number;
  task: string;
  state: ProcessState;
  from: number;
  to: number;
  cpu?: number;
}

/**
 * The per-task state timeline of a run, from its 'state' records: every
 * stretch each task spent new, ready, running or waiting, in time order.
 * Zero-length stretches are dropped. `end` closes what is still open.
 */
export function intervals(records: readonly TraceRecord[], end?: number): Interval[] {
  const open = new Map<number, Interval>();
  const out: Interval[] = [];
  let last = 0;
  for (const r of records) {
    last = Math.max(last, r.t);
    if (r.kind === 'spawn') {
      open.set(r.pid, { pid: r.pid, task: r.task, state: 'new', from: r.t, to: r.t });
      continue;
    }
    if (r.kind !== 'state') continue;
    const cur = open.get(r.pid);
    if (cur) {
      cur.to = r.t;
      if (cur.to > cur.from) out.push(cur);
    }
    const state = r.op as ProcessState;
    if (state === 'terminated') open.delete(r.pid);
    else open.set(r.pid, { pid: r.pid, task: r.task, state, from: r.t, to: r.t, ...(r.cpu !== undefined ? { cpu: r.cpu } : {}) });
  }
  const close = end ?? last;
  for (const cur of open.values()) {
    cur.to = close;
    if (cur.to > cur.from) out.push(cur);
  }
  return out.sort((a, b) => a.from - b.from || a.pid - b.pid);
}

/**
 * Which task ran on each CPU and when, as one line per CPU — the form
 * textbooks draw Gantt charts in. Adjacent stretches of one task merge.
 *
 * @example
 * cpuTimeline(k.trace.records) // ['cpu0: P1 0-4 | P2 4-7 | P3 7-10 | P1 10-30']
 */
export function cpuTimeline(records: readonly TraceRecord[]): string[] {
  const byCpu = new Map<number, Interval[]>();
  for (const iv of intervals(records)) {
    if (iv.state !== 'running' || iv.cpu === undefined) continue;
    const list = byCpu.get(iv.cpu) ?? [];
    const prev = list.at(-1);
    if (prev && prev.pid === iv.pid && prev.to === iv.from) prev.to = iv.to;
    else list.push({ ...iv });
    byCpu.set(iv.cpu, list);
  }
  return [...byCpu.keys()]
    .sort((a, b) => a - b)
    .map((cpu) => `cpu${cpu}: ${byCpu.get(cpu)!.map((iv) => `${iv.task} ${iv.from}-${iv.to}`).join(' | ')}`);
}

const GLYPH: Record<ProcessState, string> = { new: ' ', ready: '.', running: '#', waiting: '-', terminated: ' ' };

/**
 * A text Gantt chart: one row per task, one column per `scale` ms;
 * `#` running, `.` ready, `-` waiting, blank before it arrives and after it ends.
 *
 * @example
 * renderGantt(records, { scale: 1 })
 * // t(ms)  0         10        20
 * // P1     ####......##########
 */
export function renderGantt(records: readonly TraceRecord[], opts: { scale?: number; width?: number } = {}): string {
  const ivs = intervals(records);
  const end = ivs.reduce((m, iv) => Math.max(m, iv.to), 0);
  const scale = opts.scale ?? Math.max(1, Math.ceil(end / (opts.width ?? 80)));
  const cols = Math.max(1, Math.ceil(end / scale));
  const tasks = new Map<number, string>();
  for (const iv of ivs) if (!tasks.has(iv.pid)) tasks.set(iv.pid, iv.task);
  const label = Math.max(6, ...[...tasks.values()].map((n) => n.length + 1));
  let axis = '';
  for (let c = 0; c < cols; c += 10) axis += String(c * scale).padEnd(10);
  const lines = [`${'t(ms)'.padEnd(label)}${axis.trimEnd()}`];
  for (const [pid, name] of tasks) {
    const row = Array.from({ length: cols }, () => ' ');
    for (const iv of ivs) {
      if (iv.pid !== pid) continue;
      // A column shows the state that covers most of it; running wins ties (it is what a CPU did).
      for (let c = Math.floor(iv.from / scale); c < Math.ceil(iv.to / scale) && c < cols; c++) {
        const overlap = Math.min(iv.to, (c + 1) * scale) - Math.max(iv.from, c * scale);
        if (overlap * 2 >= scale || iv.state === 'running') row[c] = GLYPH[iv.state];
      }
    }
    lines.push(`${name.padEnd(label)}${row.join('').trimEnd()}`);
  }
  lines.push(`${''.padEnd(label)}# running  . ready  - waiting   (1 column = ${scale} ms)`);
  return lines.join('\n');
}

/**
 * A Mermaid `gantt` of the run: a section per task, a bar per stretch it was
 * running (and, with `states: true`, ready and waiting too). Times are ms.
 */
export function renderMermaidGantt(records: readonly TraceRecord[], opts: { title?: string; states?: boolean } = {}): string {
  const lines = ['gantt', `  title ${opts.title ?? 'CPU timeline'}`, '  dateFormat x', '  axisFormat %L'];
  const ivs = intervals(records);
  const tasks = new Map<number, string>();
  for (const iv of ivs) if (!tasks.has(iv.pid)) tasks.set(iv.pid, iv.task);
  for (const [pid, name] of tasks) {
    // Adjacent stretches of one state on one CPU are one bar.
    const bars: Interval[] = [];
    for (const iv of ivs) {
      if (iv.pid !== pid || (iv.state !== 'running' && !opts.states) || iv.state === 'new') continue;
      const prev = bars.at(-1);
      if (prev && prev.state === iv.state && prev.cpu === iv.cpu && prev.to === iv.from) prev.to = iv.to;
      else bars.push({ ...iv });
    }
    if (bars.length === 0) continue;
    lines.push(`  section ${name.replace(/[:#;]/g, '_')}`);
    for (const iv of bars) {
      const tag = iv.state === 'running' ? 'active, ' : iv.state === 'waiting' ? 'done, ' : '';
      const what = iv.state === 'running' ? `cpu${iv.cpu ?? 0}` : iv.state;
      lines.push(`    ${what} :${tag}${iv.from}, ${iv.to}`);
    }
  }
  return lines.join('\n');
}

/** Scheduling figures of one task. */
export interface TaskSchedStats {
  pid: number;
  task: string;
  /** When it was admitted (ms). */
  arrival: number;
  /** When it ended, or null. */
  end: number | null;
  /** end − arrival. */
  turnaround: number | null;
  /** Time spent ready, waiting for a CPU. */
  readyTime: number;
  /** Time spent waiting on events (blocked in traps). */
  waitTime: number;
  /** Time spent running. */
  runTime: number;
  /** First time it ran − arrival. */
  response: number | null;
}

/**
 * Per-task scheduling figures from a run's trace: turnaround, time ready
 * (the textbook's "waiting time"), time blocked, time running, response.
 */
export function schedStats(records: readonly TraceRecord[]): TaskSchedStats[] {
  const byPid = new Map<number, TaskSchedStats>();
  const ends = new Map<number, number>();
  for (const r of records) if (r.kind === 'state' && r.op === 'terminated') ends.set(r.pid, r.t);
  for (const iv of intervals(records)) {
    let s = byPid.get(iv.pid);
    if (!s) {
      s = { pid: iv.pid, task: iv.task, arrival: Infinity, end: ends.get(iv.pid) ?? null, turnaround: null, readyTime: 0, waitTime: 0, runTime: 0, response: null };
      byPid.set(iv.pid, s);
    }
    const d = iv.to - iv.from;
    if (iv.state === 'ready') s.readyTime += d;
    if (iv.state === 'waiting') s.waitTime += d;
    if (iv.state === 'running') {
      s.runTime += d;
      if (s.response === null) s.response = iv.from;
    }
    if (iv.state !== 'new') s.arrival = Math.min(s.arrival, iv.from);
  }
  for (const s of byPid.values()) {
    if (s.arrival === Infinity) s.arrival = 0;
    if (s.response !== null) s.response -= s.arrival;
    if (s.end !== null) s.turnaround = s.end - s.arrival;
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}
