/**
 * The record table under the diagrams, virtualised: however many records
 * pass the filters, only the rows in view exist in the DOM.
 */
import type { El } from '../dom.ts';
import type { Model } from './model.ts';
import type * as Util from './util.ts';

declare const h: typeof Util.h;
declare const clip: typeof Util.clip;

/** Handle of the record list. */
export interface RecordList {
  /** Shows these record indexes (in order). */
  show(indexes: Int32Array): void;
  /** Highlights a record, scrolling to it when asked. */
  select(idx: number, scroll: boolean): void;
}

/**
 * Builds the virtualised record table in `box` (a scrolling element of fixed height).
 *
 * @example
 * const list = createRecordList(box, model, (i) => setCursor(i));
 * list.show(Int32Array.from(model.recs.keys()));
 */
export function createRecordList(box: El, model: Model, pick: (i: number) => void): RecordList {
  const rowH = 20;
  let shown: Int32Array = new Int32Array(0);
  let selected = -1;
  const spacer = h('div', 'list-spacer');
  const rows = h('div', 'list-rows');
  spacer.append(rows);
  box.replaceChildren(spacer);
  const text = (i: number): string[] => {
    const r = model.recs[i]!;
    const what = r.kind === 'state' ? `${r.from ?? ''} → ${r.op ?? ''}` : r.op ?? '';
    const port = r.port !== undefined ? `${r.portLabel || 'port'} (${r.port})` : '';
    const peer = r.peer !== undefined ? `${r.peerTask || (model.lane.get(r.peer)?.name ?? '')} (${r.peer})` : '';
    const rest = [r.msgId !== undefined ? `id ${r.msgId}` : '', r.codeName ?? '', r.ref !== undefined ? `ref #${r.ref}` : '',
      r.cpu !== undefined ? `cpu${r.cpu}` : '', r.detail ?? ''].filter(Boolean).join(' · ');
    return [`#${r.seq}`, String(r.t), r.kind, `${r.task} (${r.pid})`, what, port, peer, clip(rest, 90)];
  };
  const render = (): void => {
    const first = Math.max(0, Math.floor(box.scrollTop / rowH) - 5);
    const count = Math.ceil(box.clientHeight / rowH) + 10;
    const out: El[] = [];
    for (let j = first; j < Math.min(shown.length, first + count); j++) {
      const i = shown[j]!;
      const row = h('div', `list-row k-${model.recs[i]!.kind}${i === selected ? ' selected' : ''}`);
      for (const cell of text(i)) row.append(h('span', '', cell));
      row.style.top = `${j * rowH}px`;
      row.dataset.idx = String(i);
      out.push(row);
    }
    rows.replaceChildren(...out);
  };
  box.addEventListener('scroll', render, { passive: true });
  rows.addEventListener('click', (ev) => {
    let t = ev.target;
    while (t && t !== rows && t.dataset.idx === undefined) t = t.parentElement;
    if (t && t.dataset.idx !== undefined) pick(Number(t.dataset.idx));
  });
  return {
    show(indexes: Int32Array): void {
      shown = indexes;
      spacer.style.height = `${indexes.length * rowH}px`;
      render();
    },
    select(idx: number, scroll: boolean): void {
      selected = idx;
      if (scroll) {
        let lo = 0;
        let hi = shown.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (shown[mid]! < idx) lo = mid + 1;
          else hi = mid;
        }
        const top = lo * rowH;
        if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - rowH) box.scrollTop = Math.max(0, top - box.clientHeight / 2);
      }
      render();
    },
  };
}
