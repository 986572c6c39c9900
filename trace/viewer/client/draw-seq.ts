/**
 * The sequence diagram, drawn on a canvas: time runs left to right (record
 * order or virtual time), one horizontal lifeline per task, a message is a
 * line from its send to its receive. Only what is in view is drawn, and when
 * thousands of messages share few pixels, one line stands for all of those
 * that land on the same pixels.
 */
import type { El } from '../dom.ts';
import type { Model } from './model.ts';
import type * as Util from './util.ts';

declare const fitCanvas: typeof Util.fitCanvas;
declare const lowerBound: typeof Util.lowerBound;
declare const tickStep: typeof Util.tickStep;
declare const clip: typeof Util.clip;

/** The shared horizontal axis: positions of records, and the stretch in view. */
export interface View {
  axis: 'seq' | 'time';
  /** Position of each record on the axis: its index, or its virtual time. */
  pos: Float64Array;
  start: number;
  span: number;
  /** Width of the names column, and of the whole canvas (css px). */
  gutter: number;
  width: number;
}

/** Which tasks get a row, in order, and how tall rows are. */
export interface Rows {
  pids: number[];
  row: Map<number, number>;
  rowH: number;
  top: number;
}

/** What the filters hide. */
export interface Hidden {
  tasks: Set<number>;
  ports: Set<number>;
  kinds: Set<string>;
}

/** What a draw did (the page exposes it to tests). */
export interface DrawStats {
  msgs: number;
  marks: number;
  ms: number;
}

/**
 * x in css px of an axis position.
 *
 * @example
 * xOf(view, view.start) === view.gutter
 */
export function xOf(view: View, p: number): number {
  return view.gutter + ((p - view.start) * (view.width - view.gutter - 12)) / view.span;
}

/**
 * Axis position at x (css px).
 *
 * @example
 * posAt(view, xOf(view, 10)) // 10
 */
export function posAt(view: View, x: number): number {
  return view.start + ((x - view.gutter) * view.span) / (view.width - view.gutter - 12);
}

/**
 * Draws the axis (ticks and grid lines) across a canvas of height `height`.
 *
 * @example
 * drawAxis(ctx, view, 300, 22)
 */
export function drawAxis(ctx: ReturnType<typeof Util.fitCanvas>, view: View, height: number, band: number): void {
  const step = tickStep(view.span, view.width - view.gutter, 90);
  const first = Math.ceil(view.start / step) * step;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  if (band > 0) {
    ctx.fillStyle = '#f7fafc';
    ctx.fillRect(view.gutter, 0, view.width - view.gutter, band);
  }
  for (let p = first; p <= view.start + view.span; p += step) {
    const x = Math.round(xOf(view, p)) + 0.5;
    if (x < view.gutter + 2) continue;
    ctx.fillStyle = '#edf2f7';
    ctx.fillRect(x, band, 1, height - band);
    if (band > 0 && x > view.gutter + 24) {
      ctx.fillStyle = '#4a5568';
      const v = Math.round(p * 1000) / 1000;
      ctx.fillText(view.axis === 'seq' ? `#${v}` : `${v} ms`, x, band / 2);
    }
  }
}

/**
 * Draws the sequence diagram of the records in view; `cursor` is the
 * selected record (-1 for none).
 *
 * @example
 * drawSequence(canvas, model, view, rows, hidden, 38) // { msgs: 12, marks: 4, ms: 1.2 }
 */
export function drawSequence(canvas: El, model: Model, view: View, rows: Rows, hidden: Hidden, cursor: number): DrawStats {
  const t0 = performance.now();
  const height = rows.top + rows.pids.length * rows.rowH + 6;
  const ctx = fitCanvas(canvas, view.width, height);
  const { pos, gutter, width } = view;
  const right = width - 12;
  const yOf = (pid: number): number => {
    const r = rows.row.get(pid);
    return r === undefined ? -1 : rows.top + r * rows.rowH + rows.rowH / 2;
  };
  const x = (i: number): number => xOf(view, pos[i]!);
  ctx.clearRect(0, 0, width, height);
  drawAxis(ctx, view, height, rows.top - 4);
  const lo = lowerBound(pos, view.start - view.span * 0.01);
  const hi = lowerBound(pos, view.start + view.span * 1.01);
  const end = view.start + view.span;

  // lifelines and blocked stretches
  rows.pids.forEach((pid, r) => {
    const y = rows.top + r * rows.rowH + rows.rowH / 2;
    if (r % 2 === 1) {
      ctx.fillStyle = '#fafbfc';
      ctx.fillRect(gutter, y - rows.rowH / 2, width - gutter, rows.rowH);
    }
    const lane = model.lane.get(pid)!;
    const x0 = Math.max(gutter, pid === 0 ? gutter : x(lane.first));
    const x1 = Math.min(right, lane.ended >= 0 ? x(lane.ended) : right);
    ctx.fillStyle = '#a0aec0';
    if (x1 > x0) ctx.fillRect(x0, y - 0.5, x1 - x0, 1);
    const spans = model.blocks.get(pid);
    if (!spans || hidden.kinds.has('block')) return;
    ctx.fillStyle = 'rgba(229, 62, 62, 0.22)';
    const bh = Math.max(6, rows.rowH * 0.5);
    let cx0 = -1;
    let cx1 = -1;
    for (const s of spans) {
      if (pos[s.b]! < view.start || pos[s.a]! > end) continue;
      const a = Math.max(gutter, x(s.a));
      const b = Math.min(right, Math.max(x(s.b), a + 1));
      if (a <= cx1 + 0.5) cx1 = Math.max(cx1, b);
      else {
        if (cx1 > cx0) ctx.fillRect(cx0, y - bh / 2, cx1 - cx0, bh);
        cx0 = a;
        cx1 = b;
      }
    }
    if (cx1 > cx0) ctx.fillRect(cx0, y - bh / 2, cx1 - cx0, bh);
  });

  // messages
  const colors = ['#2b6cb0', '#dd6b20', '#805ad5', '#718096'];
  const kindHidden = [hidden.kinds.has('send'), hidden.kinds.has('cache'), hidden.kinds.has('notify')];
  const visible: number[] = [];
  const msgs = model.msgs;
  for (let j = 0; j < msgs.length; j++) {
    const m = msgs[j]!;
    if (pos[m.s]! > end) break;
    if ((m.e >= 0 ? pos[m.e]! : pos[m.s]!) < view.start) continue;
    if (kindHidden[m.kind] || (m.end === 'syscall' && hidden.kinds.has('syscall'))) continue;
    if (hidden.ports.has(m.port) || !rows.row.has(m.from)) continue;
    if (m.to >= 0 && !rows.row.has(m.to)) continue;
    visible.push(j);
  }
  const dense = visible.length > 2500;
  const seen = new Set<string>();
  let drawn = 0;
  const heads: number[] = [];
  ctx.lineWidth = dense ? 1 : 1.4;
  for (let c = 0; c < 4; c++) {
    ctx.strokeStyle = colors[c]!;
    ctx.beginPath();
    for (const j of visible) {
      const m = msgs[j]!;
      const color = m.end === 'syscall' && m.kind === 0 ? 3 : m.kind;
      if (color !== c) continue;
      const x1 = x(m.s);
      const y1 = yOf(m.from);
      const y2 = m.to >= 0 ? yOf(m.to) : y1 + rows.rowH * 0.4;
      const x2 = m.e >= 0 ? x(m.e) : x1 + 14;
      if (dense) {
        const key = `${x1 | 0}:${x2 | 0}:${y1}:${y2}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
      drawn++;
      if (!dense) heads.push(j);
    }
    ctx.stroke();
  }
  // arrow heads, unreceived ends, labels
  const labels = heads.length < 160;
  /** Labels drawn so far: [x, baseline y, width]; a label that would overlap one is moved or left out. */
  const placed: [number, number, number][] = [];
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  for (const j of heads) {
    const m = msgs[j]!;
    const color = m.end === 'syscall' && m.kind === 0 ? 3 : m.kind;
    const x1 = x(m.s);
    const y1 = yOf(m.from);
    const y2 = m.to >= 0 ? yOf(m.to) : y1 + rows.rowH * 0.4;
    const x2 = m.e >= 0 ? x(m.e) : x1 + 14;
    const ang = Math.atan2(y2 - y1, x2 - x1);
    ctx.fillStyle = colors[color]!;
    if (m.e < 0) {
      ctx.strokeStyle = colors[color]!;
      ctx.beginPath();
      ctx.arc(x2, y2, 3, 0, 7);
      ctx.stroke();
    } else if (m.end === 'destroy') {
      drawX(ctx, x2, y2, 4, '#e53e3e');
    } else if (Math.hypot(x2 - x1, y2 - y1) > 8) {
      ctx.beginPath();
      ctx.moveTo(x2, y2);
      ctx.lineTo(x2 - 7 * Math.cos(ang - 0.4), y2 - 7 * Math.sin(ang - 0.4));
      ctx.lineTo(x2 - 7 * Math.cos(ang + 0.4), y2 - 7 * Math.sin(ang + 0.4));
      ctx.closePath();
      ctx.fill();
    }
    if (labels) {
      const r = model.recs[m.s]!;
      const text = clip(`${r.op ?? `id ${r.msgId ?? '?'}`} → ${r.portLabel || `port ${r.port}`}`, 28);
      const w = ctx.measureText(text).width + 2;
      const lx = (x1 + x2) / 2 + 4;
      for (const dy of [0, -12, 12, -24, 24]) {
        const ly = (y1 + y2) / 2 - 2 + dy;
        if (placed.some((b) => lx < b[0] + b[2] && b[0] < lx + w && ly - 11 < b[1] && b[1] - 11 < ly)) continue;
        placed.push([lx - 1, ly, w]);
        ctx.fillStyle = 'rgba(255,255,255,0.85)';
        ctx.fillRect(lx - 1, ly - 11, w, 11);
        ctx.fillStyle = colors[color]!;
        ctx.fillText(text, lx, ly);
        break;
      }
    }
  }

  // markers: spawn, exit, notify, cache, destroy, port death, timeout, kill, log, errors
  let marks = 0;
  const markSeen = new Set<string>();
  for (let i = lo; i < hi; i++) {
    const r = model.recs[i]!;
    const k = r.kind;
    if (hidden.kinds.has(k)) continue;
    if (k !== 'spawn' && k !== 'exit' && k !== 'notify' && k !== 'cache' && k !== 'destroy' && k !== 'port-death'
      && k !== 'timeout' && k !== 'kill' && k !== 'log' && k !== 'error' && k !== 'deadlock' && k !== 'zombie') continue;
    if (r.port !== undefined && hidden.ports.has(r.port)) continue;
    const pid = k === 'port-death' && r.peer !== undefined ? r.peer : r.pid;
    const y = yOf(pid);
    if (y < 0) continue;
    const xx = x(i);
    const key = `${xx | 0}:${y}:${k}`;
    if (markSeen.has(key)) continue;
    markSeen.add(key);
    marks++;
    drawMark(ctx, k, xx, y, r.detail ?? '', labels);
  }

  // the cursor
  if (cursor >= 0 && cursor < model.n) {
    const cx = Math.round(x(cursor)) + 0.5;
    if (cx >= gutter && cx <= right) {
      ctx.fillStyle = 'rgba(214, 158, 46, 0.9)';
      ctx.fillRect(cx - 1, rows.top - 4, 2, height - rows.top + 4);
      const y = yOf(model.recs[cursor]!.pid);
      if (y >= 0) {
        ctx.strokeStyle = '#b7791f';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(cx, y, 6, 0, 7);
        ctx.stroke();
      }
    }
  }

  // names last, over anything that strayed left
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, gutter, height);
  ctx.fillStyle = '#cbd5e0';
  ctx.fillRect(gutter - 1, 0, 1, height);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  rows.pids.forEach((pid, r) => {
    const lane = model.lane.get(pid)!;
    ctx.fillStyle = lane.ended >= 0 ? '#718096' : '#1a202c';
    ctx.fillText(clip(`${lane.name} (${pid})`, 20), gutter - 8, rows.top + r * rows.rowH + rows.rowH / 2);
  });
  canvas.dataset.rows = rows.pids.map((pid) => model.lane.get(pid)!.name).join('|');
  canvas.dataset.msgs = String(drawn);
  return { msgs: drawn, marks, ms: performance.now() - t0 };

  function drawX(c: typeof ctx, cx: number, cy: number, s: number, color: string): void {
    c.strokeStyle = color;
    c.lineWidth = 2;
    c.beginPath();
    c.moveTo(cx - s, cy - s);
    c.lineTo(cx + s, cy + s);
    c.moveTo(cx + s, cy - s);
    c.lineTo(cx - s, cy + s);
    c.stroke();
    c.lineWidth = 1.4;
  }

  function drawMark(c: typeof ctx, kind: string, mx: number, my: number, detail: string, text: boolean): void {
    if (mx < gutter || mx > right) return;
    switch (kind) {
      case 'spawn':
        c.fillStyle = '#2d3748';
        c.beginPath();
        c.arc(mx, my, 3.5, 0, 7);
        c.fill();
        break;
      case 'exit':
      case 'zombie':
        c.fillStyle = kind === 'exit' ? '#2d3748' : '#975a16';
        c.fillRect(mx - 1.5, my - 7, 3, 14);
        break;
      case 'notify':
        c.fillStyle = '#805ad5';
        c.beginPath();
        c.moveTo(mx, my - 5);
        c.lineTo(mx + 5, my);
        c.lineTo(mx, my + 5);
        c.lineTo(mx - 5, my);
        c.closePath();
        c.fill();
        break;
      case 'cache':
        c.fillStyle = '#dd6b20';
        c.fillRect(mx - 4, my - 4, 8, 8);
        break;
      case 'destroy':
        drawX(c, mx, my, 4, '#e53e3e');
        break;
      case 'port-death':
        drawX(c, mx, my, 3, '#a0aec0');
        break;
      case 'timeout':
        c.fillStyle = '#c05621';
        c.beginPath();
        c.moveTo(mx - 5, my - 6);
        c.lineTo(mx + 5, my - 6);
        c.lineTo(mx, my + 2);
        c.closePath();
        c.fill();
        break;
      case 'log':
        c.fillStyle = '#4a5568';
        c.fillRect(mx - 2, my - 2, 4, 4);
        if (text) {
          c.font = 'italic 10px system-ui, sans-serif';
          c.textAlign = 'left';
          c.textBaseline = 'top';
          c.fillText(clip(detail, 24), mx + 3, my + 3);
        }
        break;
      default:
        drawX(c, mx, my, 6, '#c53030');
    }
  }
}
