/**
 * The CPU timeline (Gantt), on the same axis as the sequence diagram: one
 * row per task coloured by process state, then one row per CPU coloured by
 * the task it runs. Also the hit tests of both canvases (which record is
 * under the mouse).
 */
import type { El } from '../dom.ts';
import type { Model } from './model.ts';
import type * as Seq from './draw-seq.ts';
import type * as Util from './util.ts';

declare const fitCanvas: typeof Util.fitCanvas;
declare const lowerBound: typeof Util.lowerBound;
declare const taskColor: typeof Util.taskColor;
declare const clip: typeof Util.clip;
declare const xOf: typeof Seq.xOf;
declare const posAt: typeof Seq.posAt;
declare const drawAxis: typeof Seq.drawAxis;

/**
 * Draws the Gantt: task rows (`rows.pids`, the kernel left out by the
 * caller), then `model.cpus` CPU rows.
 *
 * @example
 * drawGantt(canvas, model, view, rows, 38) // { msgs: 0, marks: 57, ms: 0.8 }
 */
export function drawGantt(canvas: El, model: Model, view: View, rows: Seq.Rows, cursor: number): Seq.DrawStats {
  const t0 = performance.now();
  const { pos, gutter, width } = view;
  const right = width - 12;
  const cpuTop = rows.top + rows.pids.length * rows.rowH + 10;
  const height = cpuTop + model.cpus * rows.rowH + 4;
  const ctx = fitCanvas(canvas, width, height);
  ctx.clearRect(0, 0, width, height);
  drawAxis(ctx, view, height, 0);
  const colors = ['#cbd5e0', '#ecc94b', '#38a169', '#fc8181', '#a0aec0'];
  const names = ['new', 'ready', 'running', 'waiting', 'other'];
  const bins = Math.max(1, Math.ceil(right - gutter));
  const cover = new Float32Array(bins * 5);
  let painted = 0;
  const end = view.start + view.span;
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  rows.pids.forEach((pid, r) => {
    const y = rows.top + r * rows.rowH + 2;
    const hgt = rows.rowH - 4;
    const spans = model.states.get(pid) ?? [];
    cover.fill(0);
    const wide: typeof spans = [];
    for (const s of spans) {
      const pa = pos[s.a]!;
      const pb = pos[s.b]!;
      if (pb < view.start || pa > end) continue;
      const a = Math.max(0, xOf(view, pa) - gutter);
      const b = Math.min(bins, xOf(view, pb) - gutter);
      if (b <= a) continue;
      if (b - a > 44) wide.push(s);
      for (let k = Math.floor(a); k < b && k < bins; k++) {
        cover[k * 5 + s.v] += Math.min(k + 1, b) - Math.max(k, a);
      }
    }
    let runStart = 0;
    let runState = -1;
    for (let k = 0; k <= bins; k++) {
      let best = -1;
      if (k < bins) {
        let most = 0;
        for (let v = 0; v < 5; v++) if (cover[k * 5 + v]! > most) { most = cover[k * 5 + v]!; best = v; }
      }
      if (best === runState) continue;
      if (runState >= 0) {
        ctx.fillStyle = colors[runState]!;
        ctx.fillRect(gutter + runStart, y, k - runStart, hgt);
        painted++;
      }
      runStart = k;
      runState = best;
    }
    for (const s of wide) {
      const a = Math.max(gutter, xOf(view, pos[s.a]!));
      const b = Math.min(right, xOf(view, pos[s.b]!));
      ctx.fillStyle = s.v === 2 ? '#ffffff' : '#2d3748';
      const label = s.v === 2 && model.cpus > 1 && s.cpu >= 0 ? `running cpu${s.cpu}` : names[s.v]!;
      ctx.fillText(clip(label, Math.floor((b - a) / 6)), (a + b) / 2, y + hgt / 2);
    }
  });

  // CPU rows: who runs where
  for (let c = 0; c < model.cpus; c++) {
    const y = cpuTop + c * rows.rowH + 2;
    const hgt = rows.rowH - 4;
    ctx.fillStyle = '#f7fafc';
    ctx.fillRect(gutter, y, right - gutter, hgt);
    for (const pid of rows.pids) {
      const spans = model.states.get(pid) ?? [];
      let lastX = -1;
      for (const s of spans) {
        if (s.v !== 2 || s.cpu !== c) continue;
        const pa = pos[s.a]!;
        const pb = pos[s.b]!;
        if (pb < view.start || pa > end) continue;
        const a = Math.max(gutter, xOf(view, pa));
        const b = Math.min(right, Math.max(xOf(view, pb), a + 1));
        if (b <= lastX) continue;
        lastX = b;
        ctx.fillStyle = taskColor(pid);
        ctx.fillRect(a, y, b - a, hgt);
        painted++;
        if (b - a > 30) {
          ctx.fillStyle = '#ffffff';
          ctx.fillText(clip(model.lane.get(pid)!.name, Math.floor((b - a) / 6)), (a + b) / 2, y + hgt / 2);
        }
      }
    }
  }

  if (cursor >= 0 && cursor < model.n) {
    const cx = Math.round(xOf(view, pos[cursor]!)) + 0.5;
    if (cx >= gutter && cx <= right) {
      ctx.fillStyle = 'rgba(214, 158, 46, 0.9)';
      ctx.fillRect(cx - 1, 0, 2, height);
    }
  }

  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, gutter, height);
  ctx.fillStyle = '#cbd5e0';
  ctx.fillRect(gutter - 1, 0, 1, height);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'right';
  rows.pids.forEach((pid, r) => {
    const lane = model.lane.get(pid)!;
    ctx.fillStyle = lane.ended >= 0 ? '#718096' : '#1a202c';
    ctx.fillText(clip(`${lane.name} (${pid})`, 20), gutter - 8, rows.top + r * rows.rowH + rows.rowH / 2);
  });
  ctx.fillStyle = '#1a202c';
  ctx.font = 'bold 12px system-ui, sans-serif';
  for (let c = 0; c < model.cpus; c++) ctx.fillText(`cpu${c}`, gutter - 8, cpuTop + c * rows.rowH + rows.rowH / 2);
  canvas.dataset.rows = rows.pids.map((pid) => model.lane.get(pid)!.name).join('|');
  canvas.dataset.painted = String(painted);
  return { msgs: 0, marks: painted, ms: performance.now() - t0 };
}

type View = Seq.View;

/**
 * The record under (x, y) on the sequence diagram: the nearest message line
 * or record on that row within a few pixels, or -1.
 *
 * @example
 * pickSequence(model, view, rows, hidden, 300, 80) // 41
 */
export function pickSequence(model: Model, view: View, rows: Seq.Rows, hidden: Seq.Hidden, x: number, y: number): number {
  const r = Math.floor((y - rows.top) / rows.rowH);
  const pid = r >= 0 && r < rows.pids.length ? rows.pids[r]! : -999;
  const pos = view.pos;
  const slack = (6 * view.span) / Math.max(1, view.width - view.gutter);
  const p = posAt(view, x);
  let best = -1;
  let bestD = 7;
  const lo = lowerBound(pos, p - slack);
  const hi = Math.min(lowerBound(pos, p + slack), lo + 5000);
  for (let i = lo; i < hi; i++) {
    const rec = model.recs[i]!;
    if (rec.pid !== pid || hidden.kinds.has(rec.kind)) continue;
    const d = Math.abs(xOf(view, pos[i]!) - x);
    if (d < bestD) { bestD = d; best = i; }
  }
  if (best >= 0) return best;
  const yOf = (q: number): number => rows.top + (rows.row.get(q) ?? -99) * rows.rowH + rows.rowH / 2;
  for (const m of model.msgs) {
    if (pos[m.s]! > p + slack) break;
    if (m.e < 0 || pos[m.e]! < p - slack || !rows.row.has(m.from) || !rows.row.has(m.to)) continue;
    if (hidden.ports.has(m.port)) continue;
    const x1 = xOf(view, pos[m.s]!);
    const x2 = xOf(view, pos[m.e]!);
    const y1 = yOf(m.from);
    const y2 = yOf(m.to);
    const len2 = (x2 - x1) ** 2 + (y2 - y1) ** 2;
    const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / len2));
    const d = Math.hypot(x - (x1 + u * (x2 - x1)), y - (y1 + u * (y2 - y1)));
    if (d < bestD) { bestD = d; best = u < 0.5 ? m.s : m.e; }
  }
  return best;
}

/**
 * The 'state' record that began the stretch under (x, y) on the Gantt, or -1.
 *
 * @example
 * pickGantt(model, view, rows, 300, 30) // 37
 */
export function pickGantt(model: Model, view: View, rows: Seq.Rows, x: number, y: number): number {
  const p = posAt(view, x);
  const r = Math.floor((y - rows.top) / rows.rowH);
  const cpuTop = rows.top + rows.pids.length * rows.rowH + 10;
  const cpu = Math.floor((y - cpuTop) / rows.rowH);
  const onTask = r >= 0 && r < rows.pids.length;
  const pids = onTask ? [rows.pids[r]!] : cpu >= 0 && cpu < model.cpus ? rows.pids : [];
  for (const pid of pids) {
    for (const s of model.states.get(pid) ?? []) {
      if (view.pos[s.a]! <= p && p <= view.pos[s.b]! && (onTask || (s.v === 2 && s.cpu === cpu))) return s.a;
    }
  }
  return -1;
}
