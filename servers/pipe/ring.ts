/**
 * A byte ring buffer of fixed capacity: the storage of a pipe (and, in
 * `bench/pipe.ts`, the in-process baseline a pipe is measured against).
 * Pure: no system calls, no allocation after the first write but the
 * `read` result.
 *
 * @example
 * const ring = new ByteRing(8);
 * ring.write(new TextEncoder().encode('hello'));  // 5
 * ring.read(3);                                   // Uint8Array [104, 101, 108] ('hel')
 * ring.length;                                    // 2
 */
export class ByteRing {
  private buf: Uint8Array | null = null;
  private head = 0;
  private size = 0;

  /** A ring that holds at most `capacity` bytes (a positive integer). Throws RangeError otherwise. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ByteRing: capacity must be a positive integer, got ${capacity}`);
  }

  /** Bytes held. */
  get length(): number {
    return this.size;
  }

  /** Bytes that can be written now. */
  get room(): number {
    return this.capacity - this.size;
  }

  /**
   * Copies up to `n` bytes of `src` from offset `from` in (as many as there is
   * room for). Returns how many it copied.
   */
  write(src: Uint8Array, from = 0, n = src.length - from): number {
    const count = Math.min(n, this.capacity - this.size);
    if (count <= 0) return 0;
    const buf = (this.buf ??= new Uint8Array(this.capacity));
    const tail = (this.head + this.size) % this.capacity;
    const first = Math.min(count, this.capacity - tail);
    buf.set(src.subarray(from, from + first), tail);
    if (count > first) buf.set(src.subarray(from + first, from + count), 0);
    this.size += count;
    return count;
  }

  /** Takes up to `n` bytes out, oldest first, into a new array (empty when the ring is). */
  read(n: number): Uint8Array {
    const count = Math.min(n, this.size);
    const out = new Uint8Array(Math.max(0, count));
    if (count <= 0) return out;
    const buf = this.buf!;
    const first = Math.min(count, this.capacity - this.head);
    out.set(buf.subarray(this.head, this.head + first), 0);
    if (count > first) out.set(buf.subarray(0, count - first), first);
    this.head = (this.head + count) % this.capacity;
    this.size -= count;
    if (this.size === 0) this.head = 0;
    return out;
  }

  /** Drops everything held (a FIFO whose last opener closed). */
  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
