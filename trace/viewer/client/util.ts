/**
 * Small helpers of the viewer's page script: DOM building, canvas setup,
 * binary search over positions, axis ticks, colours. Each is embedded in the
 * page with `toString()`, so each refers only to its arguments and globals.
 */
import type { Ctx, Doc, El, Win } from '../dom.ts';

declare const document: Doc;
declare const window: Win;

/**
 * Makes an element: `h('td', 'num', '42')`, `h('div', '', h('b', '', 'x'), ' y')`.
 *
 * @example
 * h('span', 'badge waiting', 'waiting') // <span class="badge waiting">waiting</span>
 */
export function h(tag: string, cls: string, ...children: (El | string)[]): El {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (children.length) e.append(...children);
  return e;
}

/**
 * Sizes a canvas to css pixels × devicePixelRatio and returns its context,
 * scaled so drawing is in css pixels.
 *
 * @example
 * const ctx = fitCanvas(canvas, 800, 300); ctx.fillRect(0, 0, 10, 10);
 */
export function fitCanvas(canvas: El, width: number, height: number): Ctx {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * ratio));
  const hh = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== hh) canvas.height = hh;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * First index i with pos[i] >= value in a non-decreasing array (pos.length if none).
 *
 * @example
 * lowerBound([0, 0, 2, 5], 1) // 2
 */
export function lowerBound(pos: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = pos.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pos[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A tick step of 1, 2 or 5 × 10^k units such that ticks are at least `minPx` apart.
 *
 * @example
 * tickStep(1000, 800, 80) // 100
 */
export function tickStep(span: number, widthPx: number, minPx: number): number {
  const raw = (span / Math.max(1, widthPx)) * minPx;
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (p * m >= raw) return p * m;
  return p * 10;
}

/**
 * A colour for a task, spread over hues by pid (the kernel is grey).
 *
 * @example
 * taskColor(3) // 'hsl(…, 55%, 45%)'
 */
export function taskColor(pid: number, light?: boolean): string {
  if (pid <= 0) return light ? '#e2e8f0' : '#718096';
  const hue = (pid * 137.508) % 360;
  return light ? `hsl(${hue.toFixed(0)}, 60%, 85%)` : `hsl(${hue.toFixed(0)}, 55%, 42%)`;
}

/**
 * Shortens text to at most `max` characters with an ellipsis.
 *
 * @example
 * clip('receive on port 8 (echo)', 10) // 'receive o…'
 */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
