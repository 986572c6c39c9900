/**
 * The viewer page's entry: unpacks the embedded trace, builds the model,
 * wires the toolbar, the canvases, the slider, the filters and the panels.
 * Embedded with `toString()` like the rest of client/.
 */
import type { Doc, El, Ev, Win } from '../dom.ts';
import type { PackedTrace } from '../pack.ts';
import type * as PackM from '../pack.ts';
import type * as ModelM from './model.ts';
import type * as Seq from './draw-seq.ts';
import type * as Gantt from './draw-gantt.ts';
import type * as Panels from './panels.ts';
import type * as List from './list.ts';
import type * as Util from './util.ts';

declare const document: Doc;
declare const window: Win;
declare const unpackTrace: typeof PackM.unpackTrace;
declare const buildModel: typeof ModelM.buildModel;
declare const snapshotAt: typeof ModelM.snapshotAt;
declare const drawSequence: typeof Seq.drawSequence;
declare const drawGantt: typeof Gantt.drawGantt;
declare const pickSequence: typeof Gantt.pickSequence;
declare const pickGantt: typeof Gantt.pickGantt;
declare const posAt: typeof Seq.posAt;
declare const xOf: typeof Seq.xOf;
declare const renderDetails: typeof Panels.renderDetails;
declare const renderState: typeof Panels.renderState;
declare const renderTree: typeof Panels.renderTree;
declare const createRecordList: typeof List.createRecordList;
declare const h: typeof Util.h;
declare const taskColor: typeof Util.taskColor;

/** What the page exposes on `window.__xmachViewer` (tests and the curious use it). */
export interface ViewerHandle {
  ready: boolean;
  records: number;
  /** ms from navigation start until the first full draw. */
  readyMs: number;
  cursor: () => number;
  setCursor: (idx: number) => void;
  snapshot: () => ModelM.Snapshot;
  stats: { seq: Seq.DrawStats; gantt: Seq.DrawStats; list: number };
  /** Where record idx sits on the sequence canvas (css px from its corner), or null when off view or hidden. */
  locate: (idx: number) => { x: number; y: number } | null;
}

/**
 * Starts the viewer on the page built by renderHtml.
 *
 * @example
 * startViewer(JSON.parse(document.getElementById('xmach-trace').textContent), { title: 'run' })
 */
export function startViewer(packed: PackedTrace, opts: { title?: string; runId?: string }): void {
  const $ = (id: string): El => {
    const e = document.getElementById(id);
    if (!e) throw new Error(`viewer: no #${id}`);
    return e;
  };
  const model = buildModel(unpackTrace(packed));
  const n = model.n;
  const msgAt = new Map<number, ModelM.Msg>();
  for (const m of model.msgs) {
    msgAt.set(m.s, m);
    if (m.e >= 0) msgAt.set(m.e, m);
  }
  const posSeq = new Float64Array(n);
  const posTime = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    posSeq[i] = i;
    posTime[i] = model.recs[i]!.t;
  }
  const hidden: Seq.Hidden = { tasks: new Set(), ports: new Set(), kinds: new Set() };
  const useTime = model.distinctTimes >= Math.max(12, n * 0.05);
  const view: Seq.View = { axis: useTime ? 'time' : 'seq', pos: useTime ? posTime : posSeq, start: 0, span: 1, gutter: 150, width: 800 };
  let cursor = n - 1;
  const stats: ViewerHandle['stats'] = { seq: { msgs: 0, marks: 0, ms: 0 }, gantt: { msgs: 0, marks: 0, ms: 0 }, list: 0 };
  let snap = snapshotAt(model, cursor);

  const seqCanvas = $('seq');
  const ganttCanvas = $('gantt');
  const slider = $('slider');
  const list = createRecordList($('list'), model, (i) => setCursor(i, true));

  const last = model.recs[n - 1];
  $('title').textContent = opts.title || 'xmach trace';
  $('summary').textContent = `${opts.runId ? `${opts.runId} · ` : ''}${n} records · ${model.lanes.filter((l) => l.pid > 0).length} tasks · ${model.ports.size} ports · ${model.msgs.length} messages · t = 0…${last ? last.t : 0} ms · ${model.cpus} cpu${model.cpus > 1 ? 's' : ''}`;
  document.title = `${opts.title || 'xmach trace'}${opts.runId ? ` (${opts.runId})` : ''}`;
  slider.min = '0';
  slider.max = String(Math.max(0, n - 1));
  slider.value = String(cursor);

  const fit = (): void => {
    const p = view.pos;
    const a = n ? p[0]! : 0;
    const b = n ? p[n - 1]! : 1;
    const pad = Math.max((b - a) * 0.01, view.axis === 'seq' ? 1 : 0.5);
    view.start = a - pad;
    view.span = b - a + 2 * pad;
  };
  const rowsFor = (withKernel: boolean, rowH: number): Seq.Rows => {
    const pids = model.lanes.filter((l) => !hidden.tasks.has(l.pid) && (withKernel || l.pid !== 0) && (l.pid === 0 || model.states.has(l.pid) || withKernel)).map((l) => l.pid);
    return { pids, row: new Map(pids.map((p, i) => [p, i])), rowH, top: withKernel ? 26 : 4 };
  };
  let seqRows = rowsFor(true, 32);
  let ganttRows = rowsFor(false, 18);
  const relayout = (): void => {
    const count = model.lanes.filter((l) => !hidden.tasks.has(l.pid)).length;
    const room = Math.max(240, window.innerHeight * 0.45);
    seqRows = rowsFor(true, Math.max(18, Math.min(64, Math.floor(room / Math.max(1, count)))));
    ganttRows = rowsFor(false, count > 40 ? 14 : 18);
  };

  let frame = 0;
  let panelsDue = false;
  const draw = (): void => {
    frame = 0;
    view.width = Math.max(400, $('seq-wrap').clientWidth);
    stats.seq = drawSequence(seqCanvas, model, view, seqRows, hidden, cursor);
    stats.gantt = drawGantt(ganttCanvas, model, view, ganttRows, cursor);
    if (panelsDue) {
      panelsDue = false;
      snap = snapshotAt(model, cursor);
      renderState($('state'), model, snap, hidden);
      renderTree($('tree'), model, snap, hidden);
      renderDetails($('details'), model, msgAt, cursor, (i) => setCursor(i, true));
    }
  };
  const schedule = (panels: boolean): void => {
    if (panels) panelsDue = true;
    if (!frame) frame = window.requestAnimationFrame(draw);
  };

  const label = $('cursor-label');
  function setCursor(i: number, follow: boolean): void {
    if (n === 0) return;
    cursor = Math.max(0, Math.min(n - 1, i));
    slider.value = String(cursor);
    const r = model.recs[cursor]!;
    label.textContent = `#${r.seq} · t = ${r.t} ms · ${r.kind} · ${r.task}`;
    const x = xOf(view, view.pos[cursor]!);
    if (follow && (x < view.gutter || x > view.width - 12)) view.start = view.pos[cursor]! - view.span / 2;
    list.select(cursor, true);
    schedule(true);
  }

  const filtered = (): void => {
    const out = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const r = model.recs[i]!;
      if (hidden.tasks.has(r.pid) || hidden.kinds.has(r.kind) || (r.port !== undefined && hidden.ports.has(r.port))) continue;
      out[k++] = i;
    }
    list.show(out.subarray(0, k));
    stats.list = k;
    $('list-count').textContent = `(${k} of ${n} shown)`;
    list.select(cursor, true);
  };

  // filters
  const group = (title: string, items: { key: string; text: string; color?: string }[], set: Set<string | number>, toKey: (k: string) => string | number): El => {
    const box = h('div', 'filter-group');
    const boxes: El[] = [];
    const all = h('a', 'link', 'all');
    const none = h('a', 'link', 'none');
    box.append(h('div', 'filter-title', h('b', '', title), ' ', all, ' · ', none));
    const listEl = h('div', 'filter-list');
    for (const it of items) {
      const cb = h('input', '');
      cb.type = 'checkbox';
      cb.checked = !set.has(toKey(it.key));
      cb.dataset.key = it.key;
      cb.addEventListener('change', () => {
        if (cb.checked) set.delete(toKey(it.key));
        else set.add(toKey(it.key));
        changed();
      });
      boxes.push(cb);
      const lab = h('label', '', cb);
      if (it.color) {
        const dot = h('span', 'dot');
        dot.style.background = it.color;
        lab.append(dot);
      }
      lab.append(it.text);
      listEl.append(lab);
    }
    const setAll = (on: boolean) => (ev: Ev): void => {
      ev.preventDefault();
      for (const cb of boxes) {
        cb.checked = on;
        if (on) set.delete(toKey(cb.dataset.key!));
        else set.add(toKey(cb.dataset.key!));
      }
      changed();
    };
    all.addEventListener('click', setAll(true));
    none.addEventListener('click', setAll(false));
    box.append(listEl);
    return box;
  };
  function changed(): void {
    relayout();
    filtered();
    schedule(true);
  }
  $('filters').replaceChildren(
    group('Tasks', model.lanes.map((l) => ({ key: String(l.pid), text: `${l.name} (${l.pid})`, color: taskColor(l.pid) })), hidden.tasks as Set<string | number>, Number),
    group('Ports', [...model.ports].sort((a, b) => a[0] - b[0]).map(([id, lbl]) => ({ key: String(id), text: `${lbl || 'port'} (${id})` })), hidden.ports as Set<string | number>, Number),
    group('Record kinds', [...model.kinds].map(([k, c]) => ({ key: k, text: `${k} (${c})` })), hidden.kinds as Set<string | number>, String),
  );
  $('filters').dataset.ready = '1';

  // toolbar
  const setAxis = (axis: 'seq' | 'time'): void => {
    view.axis = axis;
    view.pos = axis === 'seq' ? posSeq : posTime;
    $('axis-seq').classList.toggle('on', axis === 'seq');
    $('axis-time').classList.toggle('on', axis === 'time');
    fit();
    schedule(false);
  };
  const zoom = (factor: number, atX?: number): void => {
    const x = atX ?? (view.gutter + view.width) / 2;
    const p = posAt(view, x);
    const full = n ? view.pos[n - 1]! - view.pos[0]! + 2 : 2;
    const minSpan = view.axis === 'seq' ? 8 : 1e-3;
    const span = Math.max(minSpan, Math.min(full * 1.1, view.span * factor));
    view.start = p - ((p - view.start) * span) / view.span;
    view.span = span;
    schedule(false);
  };
  $('axis-seq').addEventListener('click', () => setAxis('seq'));
  $('axis-time').addEventListener('click', () => setAxis('time'));
  $('zoom-in').addEventListener('click', () => zoom(0.5));
  $('zoom-out').addEventListener('click', () => zoom(2));
  $('fit').addEventListener('click', () => { fit(); schedule(false); });
  $('center').addEventListener('click', () => { view.start = view.pos[cursor]! - view.span / 2; schedule(false); });
  $('prev').addEventListener('click', () => setCursor(cursor - 1, true));
  $('next').addEventListener('click', () => setCursor(cursor + 1, true));
  slider.addEventListener('input', () => setCursor(Number(slider.value), true));
  document.addEventListener('keydown', (ev) => {
    const tag = ev.target?.type ?? '';
    if (tag === 'text' || tag === 'search') return;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      if (ev.target === slider) return;
      ev.preventDefault();
      setCursor(cursor + (ev.key === 'ArrowRight' ? 1 : -1), true);
    } else if (ev.key === '+' || ev.key === '=') zoom(0.5);
    else if (ev.key === '-') zoom(2);
  });

  // canvases: drag to pan, ctrl+wheel to zoom, click to pick
  const wire = (canvas: El, pick: (x: number, y: number) => number): void => {
    let down: { x: number; start: number; moved: boolean } | null = null;
    canvas.addEventListener('mousedown', (ev) => {
      down = { x: ev.clientX, start: view.start, moved: false };
      ev.preventDefault();
    });
    window.addEventListener('mousemove', (ev) => {
      if (!down) return;
      const dx = ev.clientX - down.x;
      if (Math.abs(dx) > 3) down.moved = true;
      if (down.moved) {
        view.start = down.start - (dx * view.span) / (view.width - view.gutter - 12);
        schedule(false);
      }
    });
    window.addEventListener('mouseup', (ev) => {
      const d = down;
      down = null;
      if (!d || d.moved) return;
      const box = canvas.getBoundingClientRect();
      const i = pick(ev.clientX - box.left, ev.clientY - box.top);
      if (i >= 0) setCursor(i, false);
    });
    canvas.addEventListener('wheel', (ev) => {
      const box = canvas.getBoundingClientRect();
      if (ev.ctrlKey || ev.metaKey) {
        ev.preventDefault();
        zoom(Math.exp(ev.deltaY * 0.002), ev.clientX - box.left);
      } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        ev.preventDefault();
        view.start += ((ev.shiftKey ? ev.deltaY : ev.deltaX) * view.span) / (view.width - view.gutter);
        schedule(false);
      }
    }, { passive: false });
  };
  wire(seqCanvas, (x, y) => pickSequence(model, view, seqRows, hidden, x, y));
  wire(ganttCanvas, (x, y) => pickGantt(model, view, ganttRows, x, y));
  window.addEventListener('resize', () => schedule(false));

  $('axis-seq').classList.toggle('on', view.axis === 'seq');
  $('axis-time').classList.toggle('on', view.axis === 'time');
  relayout();
  fit();
  filtered();
  setCursor(cursor, false);
  if (frame) window.cancelAnimationFrame(frame);
  draw();
  const handle: ViewerHandle = {
    ready: true, records: n, readyMs: performance.now(), stats,
    cursor: () => cursor, setCursor: (i) => { setCursor(i, true); draw(); }, snapshot: () => snap,
    locate: (i) => {
      const r = seqRows.row.get(model.recs[i]?.pid ?? -1);
      const x = i >= 0 && i < n ? xOf(view, view.pos[i]!) : -1;
      if (r === undefined || x < view.gutter || x > view.width - 12) return null;
      return { x, y: seqRows.top + r * seqRows.rowH + seqRows.rowH / 2 };
    },
  };
  window.__xmachViewer = handle;
  document.body.dataset.ready = '1';
}
