/**
 * The byte level of the XDR codec: where encoding writes (a buffer that
 * doubles when full, with a DataView over it), where decoding reads (a
 * DataView over the input, no copies), and the helpers for lengths, padded
 * bytes and UTF-8 strings that both directions share.
 */
import { XdrError } from './xdr-error.ts';

/**
 * Where encoding writes: bytes, a DataView over them, and the next free
 * offset; `grow(n)` makes room for n more bytes by doubling (copying once).
 *
 * @example
 * const w = new Writer(16);
 * if (w.pos + 4 > w.buf.length) w.grow(4);
 * w.dv.setInt32(w.pos, 42); w.pos += 4; // w.buf.subarray(0, w.pos): 00 00 00 2a
 */
export class Writer {
  buf: Uint8Array;
  dv: DataView;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.dv = new DataView(this.buf.buffer);
  }
  /** Makes room for n more bytes (doubling). */
  grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const buf = new Uint8Array(size);
    buf.set(this.buf.subarray(0, this.pos));
    this.buf = buf;
    this.dv = new DataView(buf.buffer);
  }
}

/**
 * Where decoding reads: the input, a DataView over the same bytes (no
 * copy), the next offset and the end.
 *
 * @example
 * const r = new Reader(new Uint8Array([0, 0, 0, 42]), 0);
 * r.dv.getInt32(r.pos); // 42
 */
export class Reader {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  pos: number;
  readonly end: number;
  constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
    this.end = bytes.length;
  }
}

/**
 * Returns (does not throw) the error for input that ends before n more bytes.
 *
 * @example
 * throw truncated(r, 4); // XdrError: input truncated: 4 bytes needed at offset 8, 2 left
 */
export function truncated(r: Reader, n: number): XdrError {
  return new XdrError(`input truncated: ${n} bytes needed at offset ${r.pos}, ${r.end - r.pos} left`);
}

/**
 * Steps over `len` bytes of data at r.pos and their padding to a multiple
 * of 4. Throws XdrError if the input is too short or a padding byte is not 0.
 *
 * @example
 * skipPadded(r, 3); // 4 bytes: 3 of data, 1 of padding
 */
export function skipPadded(r: Reader, len: number): void {
  const padded = (len + 3) & ~3;
  if (r.end - r.pos < padded) throw truncated(r, padded);
  for (let i = r.pos + len; i < r.pos + padded; i++) {
    if (r.bytes[i] !== 0) throw new XdrError(`non-zero padding byte ${r.bytes[i]} at offset ${i}`);
  }
  r.pos += padded;
}

/**
 * Reads a 4-byte length (a count of bytes or elements) and returns it.
 * Throws XdrError if the input is too short or the length is over `max`.
 *
 * @example
 * readLength(r, 16, 'string', false); // 3 for 00 00 00 03; throws for 00 00 00 11
 */
export function readLength(r: Reader, max: number, what: string, le: boolean): number {
  if (r.end - r.pos < 4) throw truncated(r, 4);
  const n = r.dv.getUint32(r.pos, le);
  if (n > max) throw new XdrError(`${what} longer than ${max} (length ${n} on the wire)`);
  r.pos += 4;
  return n;
}

/**
 * Writes opaque bytes and their zero padding (a length, if any, is written
 * before). Never throws.
 *
 * @example
 * writeBytes(w, new Uint8Array([1, 2, 3, 4, 5])); // 01 02 03 04 05 00 00 00
 */
export function writeBytes(w: Writer, v: Uint8Array): void {
  const n = v.length;
  const padded = (n + 3) & ~3;
  if (w.pos + padded > w.buf.length) w.grow(padded);
  const buf = w.buf;
  let p = w.pos;
  if (n < 32) for (let i = 0; i < n; i++) buf[p++] = v[i]!;
  else {
    buf.set(v, p);
    p += n;
  }
  while (p & 3) buf[p++] = 0;
  w.pos = p;
}

/**
 * Writes a string: its UTF-8 byte length (in the order `le` says), the
 * bytes, the padding. Throws XdrError for a lone surrogate (no UTF-8 for it)
 * or more than `max` bytes.
 *
 * @example
 * writeString(w, 'abc', 16, false); // 00 00 00 03 61 62 63 00
 */
export function writeString(w: Writer, s: string, max: number, le: boolean): void {
  const n = s.length;
  if (w.pos + 4 + 3 * n + 3 > w.buf.length) w.grow(4 + 3 * n + 3);
  const buf = w.buf;
  const start = w.pos + 4;
  let p = start;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) buf[p++] = c;
    else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 63);
    } else if (c < 0xd800 || c >= 0xe000) {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 63);
      buf[p++] = 0x80 | (c & 63);
    } else {
      const lo = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || lo < 0xdc00 || lo >= 0xe000) throw new XdrError(`string has a lone surrogate at index ${i} (not encodable as UTF-8)`);
      c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
      i++;
      buf[p++] = 0xf0 | (c >> 18);
      buf[p++] = 0x80 | ((c >> 12) & 63);
      buf[p++] = 0x80 | ((c >> 6) & 63);
      buf[p++] = 0x80 | (c & 63);
    }
  }
  const len = p - start;
  if (len > max) throw new XdrError(`string longer than ${max} (${len} bytes)`);
  w.dv.setUint32(w.pos, len, le);
  while (p & 3) buf[p++] = 0;
  w.pos = p;
}

/** Strict UTF-8 (bad bytes throw); ignoreBOM keeps a leading U+FEFF in the string instead of dropping it. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Returns the string of `len` UTF-8 bytes at r.pos (short ASCII by hand,
 * the rest by TextDecoder); does not move r.pos. Throws XdrError for bytes
 * that are not UTF-8.
 *
 * @example
 * readUtf8(new Reader(new Uint8Array([0x61, 0x62]), 0), 2); // 'ab'
 */
export function readUtf8(r: Reader, len: number): string {
  const b = r.bytes;
  const start = r.pos;
  if (len <= 64) {
    let s = '';
    let i = start;
    const end = start + len;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  try {
    return utf8.decode(b.subarray(start, start + len));
  } catch {
    throw new XdrError(`string is not valid UTF-8 (${len} bytes at offset ${start})`);
  }
}
