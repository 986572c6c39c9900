/**
 * A FIFO queue on a growable ring buffer: O(1) push, shift and peek, no
 * `Array.shift` (which is O(n) and made long queues quadratic).
 */
const EMPTY: unknown[] = [];

export class Deque<T> {
  // No buffer until the first push: most ports' waiter queues stay empty for life.
  private buf: (T | undefined)[] = EMPTY as (T | undefined)[];
  private head = 0;
  private size = 0;

  /**
   * @param giveBack give the ring back when the queue empties (an idle port's message queue
   *   then holds no buffer); left false for waiter queues, which fill and empty on every message.
   */
  constructor(private readonly giveBack = false) {}

  /** Number of items held. */
  get length(): number {
    return this.size;
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = item;
    this.size++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    // Emptied: give the buffer back if asked (the next push makes one of 4).
    if (--this.size === 0 && this.giveBack) {
      this.buf = EMPTY as (T | undefined)[];
      this.head = 0;
    }
    return item;
  }

  /** The head without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.buf[this.head];
  }

  /** The item at position i from the head (0 = head), or undefined. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.buf[(this.head + i) & (this.buf.length - 1)];
  }

  /** Removes every item and returns them in order. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  /** Removes the first item for which pred is true (O(n); for rare cancellations). */
  removeWhere(pred: (item: T) => boolean): T | undefined {
    const items = this.drain();
    const i = items.findIndex(pred);
    for (let j = 0; j < items.length; j++) if (j !== i) this.push(items[j] as T);
    return i < 0 ? undefined : items[i];
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.at(i) as T;
  }

  private grow(): void {
    const old = this.buf;
    const next: (T | undefined)[] = new Array(old.length === 0 ? 4 : old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
