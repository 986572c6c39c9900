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
 * stretch each task spent new, ready, running or waiting, in time order
 * (by start, then pid). Zero-length stretches are dropped. `end` closes what
 * is still open. O(n log n) in the records.
 *
 * @example
 * intervals(k.trace.records).filter((iv) => iv.task === 'A')
 * // [{ pid: 1, task: 'A', state: 'running', from: 0, to: 2, cpu: 0 },
 * //  { pid: 1, task: 'A', state: 'ready', from: 2, to: 4 }, …]
 */
export function intervals(records: readonly TraceRecord[], end?: number): Interval[] {
  const open = new Map<number, Interval>();
  const out: Interval[] = [];
  let last = 0;
  for (const r of records) {
    if (r.t > last) last = r.t;
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
    else {
      const iv: Interval = { pid: r.pid, task: r.task, state, from: r.t, to: r.t };
      if (r.cpu !== undefined) iv.cpu = r.cpu;
      open.set(r.pid, iv);
    }
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
 * O(n log n) in the records; a line holds every stretch of its CPU.
 *
 * @example
 * cpuTimeline(k.trace.records) // ['cpu0: P1 0-4 | P2 4-7 | P3 7-10 | P1 10-30']
 */
export function cpuTimeline(records: readonly TraceRecord[]): string[] {
  const byCpu = new Map<number, Interval[]>();
  for (const iv of intervals(records)) {
    if (iv.state !== 'running' || iv.cpu === undefined) continue;
    let list = byCpu.get(iv.cpu);
    if (!list) byCpu.set(iv.cpu, (list = []));
    const prev = list[list.length - 1];
    if (prev && prev.pid === iv.pid && prev.to === iv.from) prev.to = iv.to;
    else list.push({ ...iv });
  }
  return Array.from(byCpu.keys())
    .sort((a, b) => a - b)
    .map((cpu) => `cpu${cpu}: ${byCpu.get(cpu)!.map((iv) => `${iv.task} ${iv.from}-${iv.to}`).join(' | ')}`);
}

const GLYPH: Record<ProcessState, string> = { new: ' ', ready: '.', running: '#', waiting: '-', terminated: ' ' };

/** The intervals of each task, in the order tasks first appear in them (each list in time order). */
function byTask(ivs: readonly Interval[]): Map<number, Interval[]> {
  const tasks = new Map<number, Interval[]>();
  for (const iv of ivs) {
    const list = tasks.get(iv.pid);
    if (list) list.push(iv);
    else tasks.set(iv.pid, [iv]);
  }
  return tasks;
}

/**
 * A text Gantt chart: one row per task, one column per `scale` ms;
 * `#` running, `.` ready, `-` waiting, blank before it arrives and after it ends.
 * The scale defaults to what fits the run in `width` columns (80). O(n log n)
 * in the records, plus the size of the chart (tasks × columns).
 *
 * @example
 * renderGantt(records, { scale: 1 })
 * // t(ms)  0         10        20
 * // P1     ####......##########
 */
export function renderGantt(records: readonly TraceRecord[], opts: { scale?: number; width?: number } = {}): string {
  const ivs = intervals(records);
  let end = 0;
  for (const iv of ivs) if (iv.to > end) end = iv.to;
  const scale = opts.scale ?? Math.max(1, Math.ceil(end / (opts.width ?? 80)));
  const cols = Math.max(1, Math.ceil(end / scale));
  const tasks = byTask(ivs);
  let label = 6;
  for (const list of tasks.values()) label = Math.max(label, list[0]!.task.length + 1);
  const axis: string[] = [];
  for (let c = 0; c < cols; c += 10) axis.push(String(c * scale).padEnd(10));
  const lines = [`${'t(ms)'.padEnd(label)}${axis.join('').trimEnd()}`];
  for (const list of tasks.values()) {
    const row = new Array<string>(cols).fill(' ');
    for (const iv of list) {
      // A column shows the state that covers most of it; running wins ties (it is what a CPU did).
      for (let c = Math.floor(iv.from / scale); c < Math.ceil(iv.to / scale) && c < cols; c++) {
        const overlap = Math.min(iv.to, (c + 1) * scale) - Math.max(iv.from, c * scale);
        if (overlap * 2 >= scale || iv.state === 'running') row[c] = GLYPH[iv.state];
      }
    }
    lines.push(`${list[0]!.task.padEnd(label)}${row.join('').trimEnd()}`);
  }
  lines.push(`${''.padEnd(label)}# running  . ready  - waiting   (1 column = ${scale} ms)`);
  return lines.join('\n');
}

/**
 * A Mermaid `gantt` of the run: a section per task, a bar per stretch it was
 * running (and, with `states: true`, ready and waiting too). Times are ms.
 * O(n log n) in the records.
 *
 * @example
 * renderMermaidGantt(records, { title: 'rr' })
 * // gantt
 * //   title rr
 * //   dateFormat x
 * //   axisFormat %L
 * //   section A
 * //     cpu0 :active, 0, 2
 */
export function renderMermaidGantt(records: readonly TraceRecord[], opts: { title?: string; states?: boolean } = {}): string {
  const lines = ['gantt', `  title ${opts.title ?? 'CPU timeline'}`, '  dateFormat x', '  axisFormat %L'];
  for (const list of byTask(intervals(records)).values()) {
    // Adjacent stretches of one state on one CPU are one bar.
    const bars: Interval[] = [];
    for (const iv of list) {
      if ((iv.state !== 'running' && !opts.states) || iv.state === 'new') continue;
      const prev = bars[bars.length - 1];
      if (prev && prev.state === iv.state && prev.cpu === iv.cpu && prev.to === iv.from) prev.to = iv.to;
      else bars.push({ ...iv });
    }
    if (bars.length === 0) continue;
    lines.push(`  section ${list[0]!.task.replace(/[:#;]/g, '_')}`);
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
 * One entry per task, by pid. O(n log n) in the records.
 *
 * @example
 * schedStats(records).map((s) => [s.task, s.turnaround, s.readyTime, s.runTime, s.response])
 * // [['A', 5, 2, 3, 0], ['B', 4, 2, 2, 2]]
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
  return Array.from(byPid.values()).sort((a, b) => a.pid - b.pid);
}
