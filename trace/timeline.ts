import type { ProcessState } from '../tasks/task-machine.ts';
import { traceHosts, type TraceHosts } from './hosts.ts';
import type { TraceRecord } from './trace.ts';

/** A stretch of time a task spent in one state (on one CPU, when running). */
export interface Interval {
  pid: number;
  task: string;
  state: ProcessState;
  from: number;
  to: number;
  cpu?: number;
  /** The task's host, when it is not the default host (a trace of several hosts: pids are per host). */
  host?: string;
}

/** A task's key across hosts: its pid on the default host (or the only one), `host|pid` on another. */
function taskKey(r: { pid: number; host?: string }): number | string {
  return r.host === undefined ? r.pid : `${r.host}|${r.pid}`;
}

/** Options the timeline renderers share. */
export interface TimelineOptions {
  /** A trace of several hosts: their addresses, the default host first (`k.hosts`), to name the default host. */
  hosts?: readonly string[];
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
  const open = new Map<number | string, Interval>();
  const out: Interval[] = [];
  let last = 0;
  for (const r of records) {
    if (r.t > last) last = r.t;
    if (r.kind === 'spawn') {
      const iv: Interval = { pid: r.pid, task: r.task, state: 'new', from: r.t, to: r.t };
      if (r.host !== undefined) iv.host = r.host;
      open.set(taskKey(r), iv);
      continue;
    }
    if (r.kind !== 'state') continue;
    const key = taskKey(r);
    const cur = open.get(key);
    if (cur) {
      cur.to = r.t;
      if (cur.to > cur.from) out.push(cur);
    }
    const state = r.op as ProcessState;
    if (state === 'terminated') open.delete(key);
    else {
      const iv: Interval = { pid: r.pid, task: r.task, state, from: r.t, to: r.t };
      if (r.cpu !== undefined) iv.cpu = r.cpu;
      if (r.host !== undefined) iv.host = r.host;
      open.set(key, iv);
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
 * O(n log n) in the records; a line holds every stretch of its CPU. A trace of
 * several hosts has a line per host and CPU, the host first
 * (`161.25.19.8 cpu0: …`), hosts in the order of `hosts` (default host first).
 *
 * @example
 * cpuTimeline(k.trace.records) // ['cpu0: P1 0-4 | P2 4-7 | P3 7-10 | P1 10-30']
 */
export function cpuTimeline(records: readonly TraceRecord[], opts: TimelineOptions = {}): string[] {
  const hosts = traceHosts(records, opts.hosts);
  const byCpu = new Map<string, { host: number; cpu: number; list: Interval[] }>();
  for (const iv of intervals(records)) {
    if (iv.state !== 'running' || iv.cpu === undefined) continue;
    const host = hosts === null ? 0 : hosts.list.indexOf(iv.host ?? hosts.main);
    const key = `${host}|${iv.cpu}`;
    let line = byCpu.get(key);
    if (!line) byCpu.set(key, (line = { host, cpu: iv.cpu, list: [] }));
    const list = line.list;
    const prev = list[list.length - 1];
    if (prev && prev.pid === iv.pid && prev.to === iv.from) prev.to = iv.to;
    else list.push({ ...iv });
  }
  return Array.from(byCpu.values())
    .sort((a, b) => a.host - b.host || a.cpu - b.cpu)
    .map((l) => `${hosts === null ? '' : `${hosts.list[l.host]} `}cpu${l.cpu}: ${l.list.map((iv) => `${iv.task} ${iv.from}-${iv.to}`).join(' | ')}`);
}

const GLYPH: Record<ProcessState, string> = { new: ' ', ready: '.', running: '#', waiting: '-', terminated: ' ' };

/** The intervals of each task, in the order tasks first appear in them (each list in time order). */
function byTask(ivs: readonly Interval[]): Map<number | string, Interval[]> {
  const tasks = new Map<number | string, Interval[]>();
  for (const iv of ivs) {
    const key = taskKey(iv);
    const list = tasks.get(key);
    if (list) list.push(iv);
    else tasks.set(key, [iv]);
  }
  return tasks;
}

/** Tasks' interval lists grouped by host, hosts in their order (the default host first); one group, unnamed, for a one-host trace. */
function byHost(tasks: Map<number | string, Interval[]>, hosts: TraceHosts | null): { host: string | null; lists: Interval[][] }[] {
  if (hosts === null) return [{ host: null, lists: [...tasks.values()] }];
  const groups = hosts.list.map((host) => ({ host: host as string | null, lists: [] as Interval[][] }));
  for (const list of tasks.values()) groups[hosts.list.indexOf(list[0]!.host ?? hosts.main)]!.lists.push(list);
  return groups.filter((g) => g.lists.length > 0);
}

/**
 * A text Gantt chart: one row per task, one column per `scale` ms;
 * `#` running, `.` ready, `-` waiting, blank before it arrives and after it ends.
 * The scale defaults to what fits the run in `width` columns (80). O(n log n)
 * in the records, plus the size of the chart (tasks × columns). A trace of several
 * hosts has a section per host: a line `── host <addr> ──`, then its tasks' rows.
 *
 * @example
 * renderGantt(records, { scale: 1 })
 * // t(ms)  0         10        20
 * // P1     ####......##########
 */
export function renderGantt(records: readonly TraceRecord[], opts: { scale?: number; width?: number } & TimelineOptions = {}): string {
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
  for (const group of byHost(tasks, traceHosts(records, opts.hosts))) {
    if (group.host !== null) lines.push(`── host ${group.host} ──`);
    for (const list of group.lists) lines.push(ganttRow(list, cols, scale, label));
  }
  lines.push(`${''.padEnd(label)}# running  . ready  - waiting   (1 column = ${scale} ms)`);
  return lines.join('\n');
}

/** One task's row of the text Gantt. */
function ganttRow(list: readonly Interval[], cols: number, scale: number, label: number): string {
  {
    const row = new Array<string>(cols).fill(' ');
    for (const iv of list) {
      // A column shows the state that covers most of it; running wins ties (it is what a CPU did).
      for (let c = Math.floor(iv.from / scale); c < Math.ceil(iv.to / scale) && c < cols; c++) {
        const overlap = Math.min(iv.to, (c + 1) * scale) - Math.max(iv.from, c * scale);
        if (overlap * 2 >= scale || iv.state === 'running') row[c] = GLYPH[iv.state];
      }
    }
    return `${list[0]!.task.padEnd(label)}${row.join('').trimEnd()}`;
  }
}

/**
 * A Mermaid `gantt` of the run: a section per task, a bar per stretch it was
 * running (and, with `states: true`, ready and waiting too). Times are ms.
 * O(n log n) in the records. A trace of several hosts has a section per host
 * instead (`section 161.25.19.8`), each bar named by its task (`server cpu0`).
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
export function renderMermaidGantt(records: readonly TraceRecord[], opts: { title?: string; states?: boolean } & TimelineOptions = {}): string {
  const lines = ['gantt', `  title ${opts.title ?? 'CPU timeline'}`, '  dateFormat x', '  axisFormat %L'];
  const hosts = traceHosts(records, opts.hosts);
  const tasks = byTask(intervals(records));
  if (hosts !== null) {
    for (const group of byHost(tasks, hosts)) {
      const bars = group.lists.flatMap((list) => ganttBars(list, opts.states ?? false));
      if (bars.length === 0) continue;
      lines.push(`  section ${mermaidName(group.host!)}`);
      for (const iv of bars) lines.push(`    ${mermaidName(iv.task)} ${ganttBar(iv)}`);
    }
    return lines.join('\n');
  }
  for (const list of tasks.values()) {
    const bars = ganttBars(list, opts.states ?? false);
    if (bars.length === 0) continue;
    lines.push(`  section ${mermaidName(list[0]!.task)}`);
    for (const iv of bars) lines.push(`    ${ganttBar(iv)}`);
  }
  return lines.join('\n');
}

/** A task's bars: its running stretches (every stretch but 'new' with states); adjacent stretches of one state on one CPU are one bar. */
function ganttBars(list: readonly Interval[], states: boolean): Interval[] {
  const bars: Interval[] = [];
  for (const iv of list) {
    if ((iv.state !== 'running' && !states) || iv.state === 'new') continue;
    const prev = bars[bars.length - 1];
    if (prev && prev.state === iv.state && prev.cpu === iv.cpu && prev.to === iv.from) prev.to = iv.to;
    else bars.push({ ...iv });
  }
  return bars;
}

/** A bar of the Mermaid gantt: `cpu0 :active, 0, 2` (or the state, for ready and waiting). */
function ganttBar(iv: Interval): string {
  const tag = iv.state === 'running' ? 'active, ' : iv.state === 'waiting' ? 'done, ' : '';
  const what = iv.state === 'running' ? `cpu${iv.cpu ?? 0}` : iv.state;
  return `${what} :${tag}${iv.from}, ${iv.to}`;
}

/** A name as a Mermaid gantt can take it (no `:`, `#` or `;`). */
function mermaidName(s: string): string {
  return s.replace(/[:#;]/g, '_');
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
  /** The task's host, when it is not the default host (a trace of several hosts). */
  host?: string;
}

/**
 * Per-task scheduling figures from a run's trace: turnaround, time ready
 * (the textbook's "waiting time"), time blocked, time running, response.
 * One entry per task, by pid (a trace of several hosts: per host and pid, each
 * entry with the `host` of a task not on the default host). O(n log n) in the records.
 *
 * @example
 * schedStats(records).map((s) => [s.task, s.turnaround, s.readyTime, s.runTime, s.response])
 * // [['A', 5, 2, 3, 0], ['B', 4, 2, 2, 2]]
 */
export function schedStats(records: readonly TraceRecord[]): TaskSchedStats[] {
  const byPid = new Map<number | string, TaskSchedStats>();
  const ends = new Map<number | string, number>();
  for (const r of records) if (r.kind === 'state' && r.op === 'terminated') ends.set(taskKey(r), r.t);
  for (const iv of intervals(records)) {
    const key = taskKey(iv);
    let s = byPid.get(key);
    if (!s) {
      s = { pid: iv.pid, task: iv.task, arrival: Infinity, end: ends.get(key) ?? null, turnaround: null, readyTime: 0, waitTime: 0, runTime: 0, response: null };
      if (iv.host !== undefined) s.host = iv.host;
      byPid.set(key, s);
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
