/** Something a heap holds: it keeps its own position, so removal is O(log n). */
export interface HeapItem {
  /** Position in the heap array, kept up to date by the heap; -1 when out. */
  heapIndex: number;
}

/**
 * A binary min-heap: O(log n) push, pop and remove, O(1) peek. The order is
 * the `less` it is made with; given a total order (ties broken by an arrival
 * number), what pops is fully determined, which keeps runs deterministic. The
 * priority run queue and the hosts' work heap use it (the clock has its own, TimerQueue).
 *
 * @example
 * const h = new Heap<Job>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
 * h.push(job); h.pop(); // the earliest job
 */
export class Heap<T extends HeapItem> {
  private items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The earliest item, or undefined. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Inserts an item. */
  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /** Removes an item wherever it is (a cancelled timer). Returns false if it was not in the heap. */
  remove(item: T): boolean {
    const i = item.heapIndex;
    if (i < 0 || this.items[i] !== item) return false;
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      last.heapIndex = i;
      this.down(i);
      this.up(last.heapIndex);
    }
    item.heapIndex = -1;
    return true;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.less(item, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.less(child, item)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
