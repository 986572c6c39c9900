import type { ProcRow } from '../tasks/pcb.ts';

const WORD: Record<ProcRow['stat'], string> = { R: 'running', r: 'ready', S: 'waiting', T: 'stopped', Z: 'zombie', N: 'new' };

/** Each pid's children, in the order of the rows (a row that names itself as parent is no child). */
function childrenByPid(rows: readonly ProcRow[]): Map<number, ProcRow[]> {
  const kids = new Map<number, ProcRow[]>();
  for (const r of rows) {
    if (r.ppid === r.pid) continue;
    const list = kids.get(r.ppid);
    if (list) list.push(r);
    else kids.set(r.ppid, [r]);
  }
  return kids;
}

/**
 * The process tree as text, one process a line: pid, name, state. Roots are
 * the processes whose parent is not among the rows, in row order; children
 * follow their parent in row order. Linear in the rows (plus the indentation
 * a deep tree prints), and not recursive, so a long chain of forks is safe.
 *
 * @example
 * renderTree(k.ps())
 * // 1 init (waiting)
 * // ├─ 2 shell (running)
 * // │  └─ 4 ls (zombie)
 * // └─ 3 logger (waiting)
 */
export function renderTree(rows: readonly ProcRow[]): string {
  const pids = new Set<number>();
  for (const r of rows) pids.add(r.pid);
  const kids = childrenByPid(rows);
  const lines: string[] = [];
  /** Rows already drawn: rows that share a pid could otherwise make a cycle. */
  const drawn = new Set<ProcRow>();
  // Depth first, with an explicit stack (pushed in reverse so children come out in order).
  const stack: { row: ProcRow; prefix: string; last: boolean; top: boolean }[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (!pids.has(r.ppid)) stack.push({ row: r, prefix: '', last: true, top: true });
  }
  while (stack.length > 0) {
    const { row, prefix, last, top } = stack.pop()!;
    if (drawn.has(row)) continue;
    drawn.add(row);
    lines.push(`${top ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${row.pid} ${row.name} (${WORD[row.stat]})`);
    const children = kids.get(row.pid);
    if (!children) continue;
    const inner = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ row: children[i]!, prefix: inner, last: i === children.length - 1, top: false });
  }
  return lines.join('\n');
}

/**
 * The process tree as a Mermaid `graph TD`: a node per process (pid, name,
 * state), an edge per parent among the rows. Linear in the rows.
 *
 * @example
 * renderTreeMermaid(k.ps())
 * // graph TD
 * //   P1["1 init<br/>waiting"]
 * //   P2["2 shell<br/>running"]
 * //   P1 --> P2
 */
export function renderTreeMermaid(rows: readonly ProcRow[]): string {
  const lines = ['graph TD'];
  const pids = new Set<number>();
  for (const r of rows) {
    pids.add(r.pid);
    lines.push(`  P${r.pid}["${r.pid} ${r.name.replace(/["[\]]/g, "'")}<br/>${WORD[r.stat]}"]`);
  }
  for (const r of rows) if (pids.has(r.ppid)) lines.push(`  P${r.ppid} --> P${r.pid}`);
  return lines.join('\n');
}
