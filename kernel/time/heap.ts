/**
 * A binary min-heap keyed by (time, seq): O(log n) insert and pop. Equal times
 * pop in insertion order, which keeps timer firing deterministic.
 */
export interface HeapItem {
  time: number;
  seq: number;
  /** Position in the heap array, kept up to date for O(log n) removal; -1 when out. */
  index: number;
}

function less(a: HeapItem, b: HeapItem): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** The heap: `push`, `pop`, `peek` and `remove` of timers ordered by (time, seq). */
export class TimerHeap<T extends HeapItem> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest item, or undefined. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Inserts an item. */
  push(item: T): void {
    item.index = this.items.length;
    this.items.push(item);
    this.up(item.index);
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      last.index = 0;
      this.down(0);
    }
    top.index = -1;
    return top;
  }

  /** Removes an item wherever it is (a cancelled timer). No-op if it is not in the heap. */
  remove(item: T): void {
    const i = item.index;
    if (i < 0 || this.items[i] !== item) return;
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    item.index = -1;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!less(item, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = item;
    item.index = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!less(child, item)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = item;
    item.index = i;
  }
}
