/**
 * The side panels of the viewer: a record's fields, the state at the
 * cursor (tasks and ports), the process tree. Plain DOM, rebuilt on each
 * cursor move (they hold tens of rows, not thousands).
 */
import type { El } from '../dom.ts';
import type { Model, Msg, Snapshot } from './model.ts';
import type { Hidden } from './draw-seq.ts';
import type * as Util from './util.ts';

declare const h: typeof Util.h;
declare const clip: typeof Util.clip;
declare const taskColor: typeof Util.taskColor;

/**
 * Fills `box` with every field of record `idx`, and links to the records it
 * pairs with (a send's receive, a receive's send). `pick` selects a record.
 *
 * @example
 * renderDetails(box, model, msgAt, 41, (i) => setCursor(i))
 */
export function renderDetails(box: El, model: Model, msgAt: Map<number, Msg>, idx: number, pick: (i: number) => void): void {
  const r = model.recs[idx];
  if (!r) {
    box.replaceChildren(h('p', 'muted', 'Click a record (a line, a mark, a bar, a row) to see its fields.'));
    return;
  }
  const link = (i: number, text: string): El => {
    const a = h('a', 'link', text);
    a.setAttribute('href', '#');
    a.addEventListener('click', (ev) => { ev.preventDefault(); pick(i); });
    return a;
  };
  const table = h('table', 'kv');
  for (const [key, value] of Object.entries(r)) {
    const cell = h('td', '', String(value));
    if (key === 'ref' && typeof value === 'number' && model.seqIndex(value) >= 0) {
      cell.replaceChildren(link(model.seqIndex(value), `#${value}`));
    }
    table.append(h('tr', '', h('th', '', key), cell));
  }
  const rel = h('div', 'related');
  const m = msgAt.get(idx);
  if (m && m.s === idx) {
    if (m.e >= 0) rel.append(`This message ended: ${m.end} `, link(m.e, `#${model.recs[m.e]!.seq}`));
    else rel.append('This message was never taken from its queue (still queued when the trace ends).');
  } else if (m && m.e === idx) {
    rel.append('Its send: ', link(m.s, `#${model.recs[m.s]!.seq}`), ` (${model.lane.get(m.from)?.name ?? m.from} → ${model.lane.get(m.to)?.name ?? m.to})`);
  }
  box.replaceChildren(h('div', 'rec-title', h('span', `kind k-${r.kind}`, r.kind), ` #${r.seq} · t = ${r.t} ms · ${r.task} (${r.pid})`), table, rel);
}

/**
 * Fills `box` with the tasks and ports at the snapshot's instant; hidden
 * tasks and ports are left out.
 *
 * @example
 * renderState(box, model, snapshotAt(model, 38), hidden)
 */
export function renderState(box: El, model: Model, snap: Snapshot, hidden: Hidden): void {
  const r = model.recs[snap.idx];
  const name = (pid: number): string => (pid < 0 ? '?' : pid === 0 ? 'kernel' : `${model.lane.get(pid)?.name ?? '?'} (${pid})`);
  const tasks = h('table', 'grid state-tasks');
  tasks.append(h('tr', '', h('th', '', 'task'), h('th', '', 'state'), h('th', '', 'cpu'), h('th', '', 'blocked on')));
  for (const t of snap.tasks) {
    if (hidden.tasks.has(t.pid)) continue;
    const row = h('tr', '', h('td', '', name(t.pid)), h('td', '', h('span', `badge s-${t.state}`, t.state + (t.suspended ? ' (stopped)' : ''))),
      h('td', 'num', t.cpu >= 0 ? String(t.cpu) : ''), h('td', 'small', clip(t.on, 40)));
    row.dataset.pid = String(t.pid);
    row.dataset.state = t.state;
    tasks.append(row);
  }
  const ports = h('table', 'grid state-ports');
  ports.append(h('tr', '', h('th', '', 'port'), h('th', '', 'queue'), h('th', '', 'receive right'), h('th', '', 'send rights seen')));
  let shown = 0;
  for (const p of snap.ports) {
    if (hidden.ports.has(p.id)) continue;
    shown++;
    const q = `${p.queue} / ${p.qlimit >= 0 ? p.qlimit : '?'}`;
    const row = h('tr', p.dead ? 'dead' : '', h('td', '', `${p.label || 'port'} (${p.id})`), h('td', p.queue > 0 ? 'num busy' : 'num', q),
      h('td', '', p.dead ? 'dead' : name(p.receiver)), h('td', 'small', clip(p.senders.map(name).join(', '), 60)));
    row.dataset.port = String(p.id);
    row.dataset.queue = String(p.queue);
    ports.append(row);
  }
  const head = r ? `After #${r.seq} (t = ${r.t} ms): ${r.kind} by ${r.task}` : 'Before the first record';
  box.replaceChildren(
    h('div', 'rec-title', head),
    tasks,
    h('p', 'muted', shown ? 'Ports that have carried a message so far. Queue = sends − receives − served − destroyed; qlimit is ? until a cached send reveals it. Rights: as far as the trace tells (the last receiver, and who has sent).' : 'No port has carried a message yet.'),
    ports,
  );
}

/**
 * Fills `box` with the process tree at the snapshot's instant: parents from
 * 'spawn', re-parenting from 'orphan', and each process's status.
 *
 * @example
 * renderTree(box, model, snapshotAt(model, model.n - 1), hidden)
 */
export function renderTree(box: El, model: Model, snap: Snapshot, hidden: Hidden): void {
  const children = new Map<number, number[]>();
  const known = new Set(snap.procs.map((p) => p.pid));
  const state = new Map(snap.tasks.map((t) => [t.pid, t.state]));
  for (const p of snap.procs) {
    const parent = known.has(p.parent) ? p.parent : 0;
    const list = children.get(parent) ?? [];
    list.push(p.pid);
    children.set(parent, list);
  }
  const byPid = new Map(snap.procs.map((p) => [p.pid, p]));
  const node = (pid: number): El => {
    const li = h('li', '');
    const p = byPid.get(pid);
    if (pid === 0 || !p) {
      li.append(h('span', 'pname', 'kernel (0)'));
    } else {
      const status = p.status === 'alive' ? state.get(pid) ?? 'new' : p.status;
      li.className = `st-${p.status}${hidden.tasks.has(pid) ? ' hidden-task' : ''}`;
      const dot = h('span', 'dot');
      dot.style.background = taskColor(pid);
      li.append(dot, h('span', 'pname', `${p.name} (${pid})`), ' ', h('span', `badge s-${status}`, status));
      if (p.thread) li.append(' ', h('span', 'tag', 'thread'));
      if (p.daemon) li.append(' ', h('span', 'tag', 'daemon'));
      if (p.orphanOf >= 0) li.append(' ', h('span', 'tag orphan', `orphan of ${model.lane.get(p.orphanOf)?.name ?? p.orphanOf}`));
      li.dataset.pid = String(pid);
      li.dataset.status = status;
    }
    const kids = children.get(pid);
    if (kids) {
      const ul = h('ul', '');
      for (const k of kids) if (k !== pid) ul.append(node(k));
      li.append(ul);
    }
    return li;
  };
  const root = h('ul', 'tree');
  root.append(node(0));
  box.replaceChildren(
    snap.procs.length ? root : h('p', 'muted', 'No process spawned yet.'),
    h('p', 'muted', 'Parents from spawn records (the kernel reaps what k.spawn starts); an orphan hangs under its new parent.'),
  );
}
