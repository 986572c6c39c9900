/**
 * The course's five-state diagram, counted: how many times each task took each
 * arrow (admitted, scheduler dispatch, interrupt, I/O or event wait, I/O or
 * event completion, exit), read from a run's 'state' records, and drawn as a
 * table, a Mermaid `stateDiagram-v2` with the counts on the arrows, and a
 * text chart that shows all five states (new and terminated too).
 * Renderers read records only.
 */
import { ARROWS, type ProcessState, type TaskEvent } from '../tasks/task-machine.ts';
import { intervals } from './timeline.ts';
import type { TraceRecord } from './trace.ts';

/** An arrow of the diagram, named as the course names it. */
export type ArrowName = 'admitted' | 'scheduler dispatch' | 'interrupt' | 'I/O or event wait' | 'I/O or event completion' | 'exit';

/** How many times each arrow was taken. */
export type ArrowCounts = Record<ArrowName, number>;

/** One task's arrows. */
export interface TaskArrows {
  pid: number;
  task: string;
  counts: ArrowCounts;
}

/** The kernel's event for each arrow, and the course's name for it. */
const NAME: Record<TaskEvent['type'], ArrowName> = {
  admit: 'admitted',
  dispatch: 'scheduler dispatch',
  preempt: 'interrupt',
  block: 'I/O or event wait',
  wake: 'I/O or event completion',
  exit: 'exit',
};

/** The diagram's six arrows in the course's order, with their ends (from the task machine's own table). */
export const STATE_ARROWS: readonly { name: ArrowName; from: ProcessState; to: ProcessState }[] = (Object.keys(NAME) as TaskEvent['type'][]).map(
  (ev) => ({ name: NAME[ev], from: ARROWS[ev][0], to: ARROWS[ev][1] }),
);

const BY_ENDS = new Map(STATE_ARROWS.map((a) => [`${a.from}>${a.to}`, a.name]));

/** Every arrow at zero. */
export function noArrows(): ArrowCounts {
  return { admitted: 0, 'scheduler dispatch': 0, interrupt: 0, 'I/O or event wait': 0, 'I/O or event completion': 0, exit: 0 };
}

/**
 * Counts each task's arrows from a run's records: a 'state' record is one
 * arrow, `from` → `op`. Every task that was spawned or changed state gets a
 * row (all zeros if it never moved), by pid. A record whose from → to is no
 * arrow of the diagram (none in a correct run) is not counted. O(n) in the
 * records, plus sorting the tasks.
 *
 * @example
 * stateArrows(k.trace.records)
 * // [{ pid: 1, task: 'a', counts: { admitted: 1, 'scheduler dispatch': 3, interrupt: 1,
 * //    'I/O or event wait': 1, 'I/O or event completion': 1, exit: 1 } }, …]
 */
export function stateArrows(records: readonly TraceRecord[]): TaskArrows[] {
  const rows = new Map<number, TaskArrows>();
  for (const r of records) {
    if (r.kind !== 'state' && r.kind !== 'spawn') continue;
    let row = rows.get(r.pid);
    if (!row) rows.set(r.pid, (row = { pid: r.pid, task: r.task, counts: noArrows() }));
    if (r.kind !== 'state') continue;
    const name = BY_ENDS.get(`${r.from}>${r.op}`);
    if (name) row.counts[name]++;
  }
  return Array.from(rows.values()).sort((a, b) => a.pid - b.pid);
}

/**
 * The sum of the rows' counts: the arrows of a whole run.
 *
 * @example
 * totalArrows(stateArrows(records)).admitted // 4: four tasks arrived
 */
export function totalArrows(rows: readonly TaskArrows[]): ArrowCounts {
  const sum = noArrows();
  for (const row of rows) for (const a of STATE_ARROWS) sum[a.name] += row.counts[a.name];
  return sum;
}

/**
 * A text table: one row per task, one column per arrow (headed by its
 * name), and a last row `all` with the sums. O(tasks).
 *
 * @example
 * renderArrowTable(stateArrows(records))
 * // task  admitted  scheduler dispatch  interrupt  I/O or event wait  I/O or event completion  exit
 * // a            1                   3          1                  1                        1     1
 * // all          2                   4          1                  1                        1     2
 */
export function renderArrowTable(rows: readonly TaskArrows[]): string {
  let label = 4;
  for (const row of rows) label = Math.max(label, row.task.length);
  const line = (name: string, counts: ArrowCounts) =>
    [name.padEnd(label), ...STATE_ARROWS.map((a) => String(counts[a.name]).padStart(a.name.length))].join('  ');
  const head = ['task'.padEnd(label), ...STATE_ARROWS.map((a) => a.name)].join('  ');
  return [head, ...rows.map((r) => line(r.task, r.counts)), line('all', totalArrows(rows))].join('\n');
}

/**
 * The course's diagram as a Mermaid `stateDiagram-v2`: the five states and
 * the six arrows, each labelled with its name and its count. A title, if
 * given, goes in Mermaid's front matter (quoted).
 *
 * @example
 * renderStateDiagram(totalArrows(stateArrows(records)))
 * // stateDiagram-v2
 * //   new --> ready : admitted (4)
 * //   ready --> running : scheduler dispatch (14)
 * //   …
 * //   running --> terminated : exit (4)
 */
export function renderStateDiagram(counts: ArrowCounts, opts: { title?: string } = {}): string {
  // Front matter is YAML: a JSON string is a valid double-quoted YAML scalar, colons and all.
  const lines = opts.title === undefined ? [] : ['---', `title: ${JSON.stringify(opts.title.replace(/\s+/g, ' '))}`, '---'];
  lines.push('stateDiagram-v2');
  for (const a of STATE_ARROWS) lines.push(`  ${a.from} --> ${a.to} : ${a.name} (${counts[a.name]})`);
  return lines.join('\n');
}

const GLYPH: Record<ProcessState, string> = { new: 'n', ready: '.', running: '#', waiting: '-', terminated: 'X' };

/**
 * A text chart of all five states: one row per task, one column per `scale`
 * ms (default: what fits the run in `width`, 80, columns); `n` new (spawned,
 * not yet admitted), `.` ready, `#` running, `-` waiting, `X` where it
 * terminated. A column shows the state that covers most of it; running wins
 * ties. O(n log n) in the records, plus the chart's size.
 *
 * @example
 * renderStateChart(records, { scale: 1 })
 * // t(ms) 0
 * // a     n##..#--#X
 * // b     nn.##X
 */
export function renderStateChart(records: readonly TraceRecord[], opts: { scale?: number; width?: number } = {}): string {
  const ivs = intervals(records);
  const ends = new Map<number, number>();
  const names = new Map<number, string>();
  for (const r of records) {
    if (r.kind === 'spawn') names.set(r.pid, r.task);
    if (r.kind === 'state' && r.op === 'terminated') ends.set(r.pid, r.t);
  }
  let end = 0;
  for (const iv of ivs) end = Math.max(end, iv.to);
  for (const t of ends.values()) end = Math.max(end, t);
  const scale = opts.scale ?? Math.max(1, Math.ceil((end + 1) / (opts.width ?? 80)));
  const cols = Math.max(1, Math.ceil(end / scale) + 1);
  const rows = new Map<number, { task: string; row: string[] }>();
  const rowOf = (pid: number, task: string) => {
    let r = rows.get(pid);
    if (!r) rows.set(pid, (r = { task, row: new Array<string>(cols).fill(' ') }));
    return r;
  };
  for (const iv of ivs) {
    const r = rowOf(iv.pid, iv.task);
    for (let c = Math.floor(iv.from / scale); c < Math.ceil(iv.to / scale) && c < cols; c++) {
      const overlap = Math.min(iv.to, (c + 1) * scale) - Math.max(iv.from, c * scale);
      if (overlap * 2 >= scale || iv.state === 'running') r.row[c] = GLYPH[iv.state];
    }
  }
  for (const [pid, t] of ends) rowOf(pid, names.get(pid) ?? String(pid)).row[Math.min(cols - 1, Math.ceil(t / scale))] = GLYPH.terminated;
  let label = 6;
  for (const r of rows.values()) label = Math.max(label, r.task.length + 1);
  const axis: string[] = [];
  for (let c = 0; c < cols; c += 10) axis.push(String(c * scale).padEnd(10));
  const out = [`${'t(ms)'.padEnd(label)}${axis.join('').trimEnd()}`];
  for (const pid of Array.from(rows.keys()).sort((a, b) => a - b)) out.push(`${rows.get(pid)!.task.padEnd(label)}${rows.get(pid)!.row.join('').trimEnd()}`);
  out.push(`${''.padEnd(label)}n new  . ready  # running  - waiting  X terminated   (1 column = ${scale} ms)`);
  return out.join('\n');
}
