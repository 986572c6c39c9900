import type { TraceKind, TraceRecord } from './trace.ts';

/** Options of renderTable. */
export interface TableOptions {
  /** Kinds of record to show (default: every kind but 'state' and 'xstate', which are many). */
  kinds?: readonly TraceKind[];
  /** Show at most this many rows, then a line `… N more rows`. */
  maxRows?: number;
}

interface Column {
  title: string;
  /** Widest a cell may be; longer values end in '…'. */
  max: number;
  right?: boolean;
  cell(r: TraceRecord, names: ReadonlyMap<number, string>): string;
}

const COLUMNS: readonly Column[] = [
  { title: 'seq', max: 8, right: true, cell: (r) => String(r.seq) },
  { title: 't (ms)', max: 12, right: true, cell: (r) => time(r.t) },
  { title: 'task', max: 20, cell: (r) => `${r.task}(${r.pid})` },
  { title: 'event', max: 34, cell: event },
  { title: 'port', max: 22, cell: (r) => (r.port === undefined ? '' : r.portLabel ? `${r.port} ${r.portLabel}` : String(r.port)) },
  { title: 'peer', max: 20, cell: (r, names) => (r.peer === undefined ? '' : `${r.peerTask ?? names.get(r.peer) ?? '?'}(${r.peer})`) },
  { title: 'code', max: 28, cell: (r) => r.codeName ?? (r.code !== undefined ? String(r.code) : '') },
  { title: 'detail', max: 60, cell: detail },
];

/**
 * Renders trace records as a fixed-width text table for a terminal: one row
 * per kept record, with columns seq, t (ms), task, event (kind and op), port
 * (id and label), peer, code (its Mach name) and detail (message id, body
 * size, the record a receive refers to, the CPU, free text). Values wider than their
 * column end in '…'; control characters become spaces.
 *
 * Returns the table as lines joined by '\n': a header, a rule, the rows, and
 * `… N more rows` when `maxRows` cut it short. Every kept row is shown unless
 * `maxRows` says otherwise; one pass over the records, so a million records
 * take a couple of seconds (and some 70 MB of text: pass `maxRows` for a terminal).
 *
 * @example
 * const k = boot({ seed: 1 });
 * k.spawn('t', async (sys) => sys.log('hello'));
 * await k.run();
 * console.log(renderTable(k.trace.records, { kinds: ['spawn', 'log', 'exit'] }));
 * // seq  t (ms)  task  event  port  peer       code  detail
 * // ---  ------  ----  -----  ----  ---------  ----  ------
 * //   0       0  t(1)  spawn        kernel(0)
 * //   3       0  t(1)  log                           hello
 * //   5       0  t(1)  exit                    0     exit
 */
export function renderTable(records: readonly TraceRecord[], opts: TableOptions = {}): string {
  const only = opts.kinds ? new Set<TraceKind>(opts.kinds) : null;
  const keep = (k: TraceKind): boolean => (only ? only.has(k) : k !== 'state' && k !== 'xstate');
  const names = new Map<number, string>([[0, 'kernel']]);
  for (const r of records) if (!names.has(r.pid)) names.set(r.pid, r.task);

  const limit = opts.maxRows === undefined ? Infinity : Math.max(0, Math.floor(opts.maxRows)) || 0;
  const n = COLUMNS.length;
  // The shown rows' cells, row after row, and each column's width; one pass, no spread.
  const cells: string[] = [];
  const widths = COLUMNS.map((c) => c.title.length);
  let kept = 0;
  for (const r of records) {
    if (!keep(r.kind)) continue;
    if (kept++ >= limit) continue;
    for (let i = 0; i < n; i++) {
      const c = COLUMNS[i]!;
      const s = clip(clean(c.cell(r, names)), c.max);
      cells.push(s);
      if (s.length > widths[i]!) widths[i] = s.length;
    }
  }
  const shown = cells.length / n;

  const line = (row: (i: number) => string): string => {
    let s = '';
    for (let i = 0; i < n; i++) {
      const cell = row(i);
      if (i > 0) s += '  ';
      s += COLUMNS[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
    }
    return s.trimEnd();
  };
  const out = [line((i) => COLUMNS[i]!.title), line((i) => '-'.repeat(widths[i]!))];
  for (let row = 0; row < shown; row++) out.push(line((i) => cells[row * n + i]!));
  if (kept > shown) out.push(`… ${kept - shown} more rows`);
  return out.join('\n');
}

/** The event column: the kind, then the op (a state record shows from → to). */
function event(r: TraceRecord): string {
  if (r.kind === 'state') return `state ${r.from ?? '?'} -> ${r.op ?? '?'}`;
  return r.op ? `${r.kind} ${r.op}` : r.kind;
}

/** The detail column: message id, body size, referred record, CPU, then the record's own text. */
function detail(r: TraceRecord): string {
  const parts: string[] = [];
  if (r.msgId !== undefined) parts.push(`id ${r.msgId}`);
  if (r.size) parts.push(`${r.size} B`);
  if (r.ref !== undefined && r.ref >= 0) parts.push(`ref ${r.ref}`);
  if (r.cpu !== undefined) parts.push(`cpu ${r.cpu}`);
  if (r.detail) parts.push(r.detail);
  return parts.join(', ');
}

/** Virtual time: whole ms as they are, fractions (real-time runs) to 3 places. */
function time(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(3);
}

const CONTROL = /[\u0000-\u001f\u007f]/;

function clean(s: string): string {
  return CONTROL.test(s) ? s.replace(/[\u0000-\u001f\u007f]+/g, ' ') : s;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
