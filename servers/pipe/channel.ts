/**
 * One direction of a pipe: the bytes in it, who waits to read or write, and
 * whether each end is open. Pure: the pipe server calls it and sends the answers
 * it returns; no system calls here, so the rules can be tested on their own.
 *
 * The rules (POSIX `read`/`write` on a pipe, and Linux where POSIX leaves room):
 * - read(n) takes at most n bytes of what is there, at once; on an empty pipe it
 *   blocks, or answers end of file (0 bytes, `eof`) once no write end is open, or
 *   EAGAIN when non-blocking.
 * - write(bytes) fails with EPIPE when no read end is open. A write of at most
 *   `pipeBuf` bytes (PIPE_BUF, or the capacity if smaller) is atomic: it goes in
 *   whole or waits for room. A larger write takes the room there is and waits for
 *   more (a blocked large writer then lets the writers queued behind it go first,
 *   so their data may come between its pieces, as POSIX allows); it answers the
 *   whole count when done, or, if the read end closes first, the count written so
 *   far (EPIPE if none). Non-blocking: an atomic write that does not fit is EAGAIN;
 *   a larger one writes what fits (a partial write) or is EAGAIN.
 * - Blocked readers and writers are served first come, first served; a new write
 *   never overtakes a blocked one.
 * - Message mode (duplex named pipes): each write is one message, never split or
 *   merged; a read returns at most one message (`more` when the rest of it stays
 *   for the next read).
 *
 * @example
 * const ch = new Channel<string>(8);
 * ch.write('w', new Uint8Array([1, 2, 3]), false); // { code: 0, n: 3 }
 * ch.read('r', 10, false);                         // { code: 0, data: [1, 2, 3] }
 * ch.read('r', 10, false);                         // null: blocked
 * ch.setWriteOpen(false);                          // [{ who: 'r', body: { code: 0, data: [], eof: true } }]
 */
import { KERN_SUCCESS } from '../../ports/codes.ts';
import { EAGAIN, EPIPE, PIPE_BUF } from '../posix/errno.ts';
import { ByteRing } from './ring.ts';

/** What a read answers: the bytes, `eof` at end of file, `more` when a message was cut. */
export interface ReadBody {
  code: number;
  data: Uint8Array;
  eof?: boolean;
  more?: boolean;
  [field: string]: unknown;
}

/** What a write answers: how many bytes went in. */
export interface WriteBody {
  code: number;
  n: number;
  [field: string]: unknown;
}

/** A blocked call that can now be answered. */
export interface Done<T> {
  who: T;
  body: ReadBody | WriteBody;
}

interface ReadWait<T> {
  who: T;
  n: number;
}

interface WriteWait<T> {
  who: T;
  data: Uint8Array;
  done: number;
  atomic: boolean;
}

const EMPTY = new Uint8Array(0);

/** One direction of a pipe (see the file's comment for the rules). */
export class Channel<T> {
  /** Writes of at most this many bytes are atomic. */
  readonly pipeBuf: number;
  /** Bytes ever written in and read out. */
  bytesIn = 0;
  bytesOut = 0;
  private readonly ring: ByteRing | null;
  private readonly msgs: Uint8Array[] = [];
  private msgHead = 0;
  private msgBytes = 0;
  private readonly readers: ReadWait<T>[] = [];
  private readonly writers: WriteWait<T>[] = [];

  /**
   * A channel of `capacity` bytes, in byte (default) or message mode, with both
   * ends open (or closed, for a FIFO nobody has opened yet).
   */
  constructor(
    readonly capacity: number,
    readonly mode: 'byte' | 'message' = 'byte',
    public readOpen = true,
    public writeOpen = true,
  ) {
    this.ring = mode === 'byte' ? new ByteRing(capacity) : null;
    this.pipeBuf = Math.min(PIPE_BUF, capacity);
  }

  /** Bytes waiting to be read. */
  get buffered(): number {
    return this.ring ? this.ring.length : this.msgBytes;
  }

  /** Tasks blocked reading and writing. */
  get blocked(): { readers: T[]; writers: T[] } {
    return { readers: this.readers.map((r) => r.who), writers: this.writers.map((w) => w.who) };
  }

  /** A read of up to n bytes (n ≥ 1): its answer now, or null when it blocks (answered later by `drain`). */
  read(who: T, n: number, nonblock: boolean): ReadBody | null {
    if (this.buffered > 0) return this.take(n);
    if (!this.writeOpen) return { code: KERN_SUCCESS, data: EMPTY, eof: true };
    if (nonblock) return { code: EAGAIN, data: EMPTY };
    this.readers.push({ who, n });
    return null;
  }

  /** A write of `data` (at least one byte): its answer now, or null when it blocks (answered later by `drain`). */
  write(who: T, data: Uint8Array, nonblock: boolean): WriteBody | null {
    if (!this.readOpen) return { code: EPIPE, n: 0 };
    const len = data.length;
    const atomic = this.ring === null || len <= this.pipeBuf;
    if (this.writers.length === 0) {
      if (atomic) {
        if (this.fits(len)) {
          this.put(data, 0, len);
          return { code: KERN_SUCCESS, n: len };
        }
      } else {
        const k = this.put(data, 0, len);
        if (k === len) return { code: KERN_SUCCESS, n: len };
        if (nonblock) return k > 0 ? { code: KERN_SUCCESS, n: k } : { code: EAGAIN, n: 0 };
        this.writers.push({ who, data, done: k, atomic });
        return null;
      }
    }
    if (nonblock) return { code: EAGAIN, n: 0 };
    this.writers.push({ who, data, done: 0, atomic });
    return null;
  }

  /** Opens or closes the read side (no reader left: blocked writers get EPIPE or their partial count). */
  setReadOpen(open: boolean): Done<T>[] {
    this.readOpen = open;
    return this.drain();
  }

  /** Opens or closes the write side (no writer left: blocked readers of an empty pipe get end of file). */
  setWriteOpen(open: boolean): Done<T>[] {
    this.writeOpen = open;
    return this.drain();
  }

  /** Forgets the bytes held (a FIFO's last opener has closed it). */
  reset(): void {
    this.ring?.clear();
    this.msgs.length = 0;
    this.msgHead = 0;
    this.msgBytes = 0;
  }

  /**
   * Serves blocked readers and writers, first come first served, as far as the
   * bytes and the room allow. Returns the calls that can now be answered, in order.
   */
  drain(): Done<T>[] {
    const out: Done<T>[] = [];
    for (let progress = true; progress; ) {
      progress = false;
      while (this.readers.length > 0 && this.buffered > 0) {
        const r = this.readers.shift()!;
        out.push({ who: r.who, body: this.take(r.n) });
      }
      if (this.readers.length > 0 && !this.writeOpen) {
        for (const r of this.readers.splice(0)) out.push({ who: r.who, body: { code: KERN_SUCCESS, data: EMPTY, eof: true } });
      }
      if (!this.readOpen) {
        for (const w of this.writers.splice(0)) out.push({ who: w.who, body: w.done > 0 ? { code: KERN_SUCCESS, n: w.done } : { code: EPIPE, n: 0 } });
        continue;
      }
      while (this.writers.length > 0) {
        const w = this.writers[0]!;
        const rest = w.data.length - w.done;
        if (w.atomic) {
          if (!this.fits(rest)) break;
          this.put(w.data, w.done, rest);
        } else {
          if (this.ring!.room === 0) break;
          w.done += this.put(w.data, w.done, rest);
          if (w.done < w.data.length) {
            progress = true;
            // The room is full again: writers queued behind it go first when room comes.
            if (this.writers.length > 1) this.writers.push(this.writers.shift()!);
            break;
          }
        }
        this.writers.shift();
        out.push({ who: w.who, body: { code: KERN_SUCCESS, n: w.data.length } });
        progress = true;
      }
      if (this.readers.length === 0) progress = false;
    }
    return out;
  }

  /** Whether an atomic write (or a message) of len bytes goes in now. */
  private fits(len: number): boolean {
    if (this.ring) return this.ring.room >= len;
    return this.msgs.length === this.msgHead || this.msgBytes + len <= this.capacity;
  }

  /** Puts bytes in (byte mode: what fits; message mode: one whole message). Returns the count. */
  private put(data: Uint8Array, from: number, n: number): number {
    let k: number;
    if (this.ring) k = this.ring.write(data, from, n);
    else {
      this.msgs.push(from === 0 && n === data.length ? data : data.slice(from, from + n));
      this.msgBytes += n;
      k = n;
    }
    this.bytesIn += k;
    return k;
  }

  /** Takes up to n bytes (message mode: of the first message only). */
  private take(n: number): ReadBody {
    if (this.ring) {
      const data = this.ring.read(n);
      this.bytesOut += data.length;
      return { code: KERN_SUCCESS, data };
    }
    const head = this.msgs[this.msgHead]!;
    let body: ReadBody;
    if (n >= head.length) {
      this.msgs[this.msgHead++] = EMPTY;
      if (this.msgHead > 64 && this.msgHead * 2 > this.msgs.length) this.msgs.splice(0, this.msgHead), (this.msgHead = 0);
      body = { code: KERN_SUCCESS, data: head };
    } else {
      this.msgs[this.msgHead] = head.slice(n);
      body = { code: KERN_SUCCESS, data: head.slice(0, n), more: true };
    }
    this.msgBytes -= body.data.length;
    this.bytesOut += body.data.length;
    return body;
  }
}
