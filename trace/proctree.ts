import type { ProcRow } from '../tasks/pcb.ts';

const WORD: Record<ProcRow['stat'], string> = { R: 'running', r: 'ready', S: 'waiting', T: 'stopped', Z: 'zombie', N: 'new' };

function roots(rows: readonly ProcRow[]): ProcRow[] {
  const pids = new Set(rows.map((r) => r.pid));
  return rows.filter((r) => !pids.has(r.ppid));
}

function childrenOf(rows: readonly ProcRow[], pid: number): ProcRow[] {
  return rows.filter((r) => r.ppid === pid && r.pid !== pid);
}

/**
 * The process tree as text, one process a line: pid, name, state.
 *
 * @example
 * renderTree(k.ps())
 * // 1 init (waiting)
 * // ├─ 2 shell (running)
 * // │  └─ 4 ls (zombie)
 * // └─ 3 logger (waiting)
 */
export function renderTree(rows: readonly ProcRow[]): string {
  const lines: string[] = [];
  const walk = (r: ProcRow, prefix: string, last: boolean, top: boolean): void => {
    lines.push(`${top ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${r.pid} ${r.name} (${WORD[r.stat]})`);
    const kids = childrenOf(rows, r.pid);
    kids.forEach((c, i) => walk(c, top ? '' : `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1, false));
  };
  for (const r of roots(rows)) walk(r, '', true, true);
  return lines.join('\n');
}

/** The process tree as a Mermaid `graph TD`: a node per process (pid, name, state), an edge per parent. */
export function renderTreeMermaid(rows: readonly ProcRow[]): string {
  const lines = ['graph TD'];
  for (const r of rows) lines.push(`  P${r.pid}["${r.pid} ${r.name.replace(/["[\]]/g, "'")}<br/>${WORD[r.stat]}"]`);
  for (const r of rows) if (rows.some((p) => p.pid === r.ppid)) lines.push(`  P${r.ppid} --> P${r.pid}`);
  return lines.join('\n');
}
