import { traceHosts, type TraceHosts } from './hosts.ts';
import type { TraceKind, TraceRecord } from './trace.ts';

/** Options of renderTable. */
export interface TableOptions {
  /** Kinds of record to show (default: every kind but 'state' and 'xstate', which are many). */
  kinds?: readonly TraceKind[];
  /** Show at most this many rows, then a line `… N more rows`. */
  maxRows?: number;
  /**
   * A trace of several hosts: their addresses, the default host first (`k.hosts`), to name
   * the default host's rows (see trace/hosts.ts for what is shown without it).
   */
  hosts?: readonly string[];
  /**
   * A trace of several hosts: the rows in a section per host (a line `── host <addr> ──`
   * above each), in the order of `hosts`, each in time order; a packet in its sender's
   * section. Default false: one table in time order, with a host column.
   */
  byHost?: boolean;
}

/** Task names by pid (one host), or by host and pid (several). */
type Names = Map<number | string, string>;

interface Column {
  title: string;
  /** Widest a cell may be; longer values end in '…'. */
  max: number;
  right?: boolean;
  cell(r: TraceRecord, names: Names, key: (r: TraceRecord, pid: number) => number | string): string;
}

const COLUMNS: readonly Column[] = [
  { title: 'seq', max: 8, right: true, cell: (r) => String(r.seq) },
  { title: 't (ms)', max: 12, right: true, cell: (r) => time(r.t) },
  { title: 'task', max: 20, cell: (r) => `${r.task}(${r.pid})` },
  { title: 'event', max: 34, cell: event },
  { title: 'port', max: 22, cell: (r) => (r.port === undefined ? '' : r.portLabel ? `${r.port} ${r.portLabel}` : String(r.port)) },
  { title: 'peer', max: 20, cell: (r, names, key) => (r.peer === undefined ? '' : `${r.peerTask ?? names.get(key(r, r.peer)) ?? (r.peer === 0 ? 'kernel' : '?')}(${r.peer})`) },
  { title: 'code', max: 28, cell: (r) => r.codeName ?? (r.code !== undefined ? String(r.code) : '') },
  { title: 'detail', max: 60, cell: detail },
];

/** The host column of a trace of several hosts: the record's host; a packet's is `src → dst`. */
function hostColumn(h: TraceHosts): Column {
  return { title: 'host', max: 33, cell: (r) => (r.kind === 'packet' && r.src !== undefined ? `${r.src} → ${r.dst ?? '?'}` : h.of(r)) };
}

/**
 * Renders trace records as a fixed-width text table for a terminal: one row
 * per kept record, with columns seq, t (ms), task, event (kind and op), port
 * (id and label), peer, code (its Mach name) and detail (message id, body
 * size, the record a receive refers to, the CPU, free text). Values wider than their
 * column end in '…'; control characters become spaces.
 *
 * A trace of several hosts (some record carries `host`) gets a `host` column after
 * `t (ms)`: the record's host, and for a packet the hosts it went between
 * (`146.86.5.20 → 161.25.19.8`); pids are per host, so a peer's name is looked up on the
 * record's host. With `byHost` the rows come in a section per host. A one-host trace
 * renders as it always did.
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
  const hosts = traceHosts(records, opts.hosts);
  const key = hosts === null ? (_r: TraceRecord, pid: number): number | string => pid : (r: TraceRecord, pid: number): number | string => `${hosts.of(r)}|${pid}`;
  const names: Names = new Map<number | string, string>();
  for (const r of records) {
    const k = key(r, r.pid);
    if (!names.has(k)) names.set(k, r.pid === 0 ? 'kernel' : r.task);
  }
  const columns = hosts === null ? COLUMNS : [COLUMNS[0]!, COLUMNS[1]!, hostColumn(hosts), ...COLUMNS.slice(2)];

  // The rows in the order shown: time order, or a section per host.
  let rows: readonly TraceRecord[] = records;
  const sectionAt = new Map<number, string>();
  if (hosts !== null && opts.byHost) {
    const by = new Map<string, TraceRecord[]>(hosts.list.map((h) => [h, []]));
    for (const r of records) if (keep(r.kind)) by.get(r.kind === 'packet' && r.src !== undefined && by.has(r.src) ? r.src : hosts.of(r))?.push(r);
    const grouped: TraceRecord[] = [];
    for (const [h, list] of by) {
      if (list.length === 0) continue;
      sectionAt.set(grouped.length, h);
      grouped.push(...list);
    }
    rows = grouped;
  }

  const limit = opts.maxRows === undefined ? Infinity : Math.max(0, Math.floor(opts.maxRows)) || 0;
  const n = columns.length;
  // The shown rows' cells, row after row, and each column's width; one pass, no spread.
  const cells: string[] = [];
  const widths = columns.map((c) => c.title.length);
  /** Row number (among those shown) → the host section that starts there. */
  const sections = new Map<number, string>();
  let kept = 0;
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    if (!keep(r.kind)) continue;
    if (kept++ >= limit) continue;
    const section = sectionAt.get(j);
    if (section !== undefined) sections.set(cells.length / n, section);
    for (let i = 0; i < n; i++) {
      const c = columns[i]!;
      const s = clip(clean(c.cell(r, names, key)), c.max);
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
      s += columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
    }
    return s.trimEnd();
  };
  const out = [line((i) => columns[i]!.title), line((i) => '-'.repeat(widths[i]!))];
  for (let row = 0; row < shown; row++) {
    const section = sections.get(row);
    if (section !== undefined) out.push(`── host ${section} ──`);
    out.push(line((i) => cells[row * n + i]!));
  }
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
