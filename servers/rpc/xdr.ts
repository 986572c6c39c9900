/**
 * XDR, External Data Representation (RFC 4506): the data layer of ONC RPC
 * (RFC 5531). Types are descriptors (`xdr.int`, `xdr.struct([...])`, …, see
 * `xdr-types.ts`); `encode` turns a value into XDR bytes, `decode` turns
 * them back. Everything on the wire is in 4-byte units, big-endian, with
 * opaque data and strings zero-padded to a multiple of 4.
 *
 * For the byte-order lesson, `nativeBytes` lays out the same value as a
 * host of either byte order holds it, and `hex` prints bytes in 4-byte units.
 *
 * A pure module: it imports nothing from the rest of the emulator.
 *
 * @example
 * import { xdr, encode, decode, hex, type Value } from './servers/rpc/xdr.ts';
 * const item = xdr.struct([['id', xdr.int], ['name', xdr.string(16)]]);
 * const bytes = encode(item, { id: 42, name: 'abc' });
 * hex(bytes);          // '00 00 00 2a | 00 00 00 03 | 61 62 63 00'
 * decode(item, bytes); // { id: 42, name: 'abc' }
 */
import { Reader, Writer } from './xdr-buffer.ts';
import { codec } from './xdr-codec.ts';
import { XdrError } from './xdr-error.ts';
import type { Value, XdrType } from './xdr-types.ts';

export { XdrError } from './xdr-error.ts';
export { xdr, MAX_LENGTH, type Descriptor, type Value, type XdrType } from './xdr-types.ts';

/** Options of encode, decode and nativeBytes. */
export interface XdrOptions {
  /** The value's name, first in error paths: `{ name: 'args' }` gives `args.items[3].name: …`. */
  name?: string;
}

/** Scratch buffer for encoding, reused between calls (taken while in use, so a nested call gets its own). */
let scratch: Writer | null = new Writer(4096);
const KEEP = 1 << 20;

function write(t: XdrType, value: unknown, le: boolean, o: XdrOptions | undefined): Uint8Array {
  const c = codec(t, le);
  const w = scratch ?? new Writer(4096);
  scratch = null;
  w.pos = 0;
  try {
    c.enc(w, value);
    return w.buf.slice(0, w.pos);
  } catch (e) {
    throw o?.name && e instanceof XdrError ? e.within(o.name) : e;
  } finally {
    if (w.buf.length <= KEEP) scratch = w;
  }
}

/**
 * Encodes `value` as XDR type `t`: big-endian 4-byte units, opaque data and
 * strings padded with zeros to a multiple of 4. Returns a new Uint8Array
 * (its length a multiple of 4).
 *
 * Throws XdrError, naming the field path, for a value that does not fit the
 * type: a number out of range or not whole, a string or array longer than
 * its bound, a fixed array or opaque of the wrong length, a union tag with
 * no arm, a name not in the enum, a string with a lone surrogate. Object
 * properties that are not fields of the struct type are left out.
 *
 * @example
 * encode(xdr.int, -1);                             // ff ff ff ff
 * encode(xdr.string(), 'abc');                     // 00 00 00 03 61 62 63 00
 * encode(xdr.optional(xdr.int), null);             // 00 00 00 00
 * encode(xdr.string(2), 'abc', { name: 'name' });  // throws XdrError "name: string longer than 2 (3 bytes)"
 */
export function encode<T extends XdrType<any>>(t: T, value: Value<T>, options?: XdrOptions): Uint8Array {
  return write(t, value, false, options);
}

/**
 * Decodes a value of XDR type `t` from `bytes`, which must hold exactly one
 * value (use `decodePartial` to read one value from a longer stream).
 * Returns the value; opaque data in it are views into `bytes` (not copies):
 * `.slice()` them to keep them past the buffer's reuse.
 *
 * Throws XdrError, naming the field path, for truncated input, trailing
 * bytes, non-zero padding, a length over the type's bound, a bool other than
 * 0 or 1, an enum value or union discriminant not in the type, or a string
 * that is not valid UTF-8.
 *
 * @example
 * decode(xdr.int, new Uint8Array([0xff, 0xff, 0xff, 0xff]));            // -1
 * decode(xdr.string(), new Uint8Array([0, 0, 0, 3, 0x61, 0x62, 0x63, 0])); // 'abc'
 * decode(xdr.int, new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2]));            // throws: 4 trailing bytes
 */
export function decode<T extends XdrType<any>>(t: T, bytes: Uint8Array, options?: XdrOptions): Value<T> {
  const { value, offset } = decodePartial(t, bytes, 0, options);
  if (offset !== bytes.length) {
    throw new XdrError(`${bytes.length - offset} trailing bytes after the value (it ends at offset ${offset} of ${bytes.length})`);
  }
  return value;
}

/**
 * Decodes one value of XDR type `t` from `bytes` starting at `offset`
 * (a multiple of 4 in a well-formed stream), leaving any bytes after it.
 * Returns the value and the offset just past it, where the next value starts.
 * Throws XdrError as `decode` does, except for trailing bytes.
 *
 * @example
 * const bytes = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2]);
 * decodePartial(xdr.int, bytes);    // { value: 1, offset: 4 }
 * decodePartial(xdr.int, bytes, 4); // { value: 2, offset: 8 }
 */
export function decodePartial<T extends XdrType<any>>(t: T, bytes: Uint8Array, offset = 0, options?: XdrOptions): { value: Value<T>; offset: number } {
  if (!(bytes instanceof Uint8Array)) throw new XdrError(`bytes (a Uint8Array) expected`);
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) throw new XdrError(`offset ${offset} is outside the ${bytes.length} bytes`);
  const c = codec(t);
  const r = new Reader(bytes, offset);
  try {
    const value = c.dec(r) as Value<T>;
    return { value, offset: r.pos };
  } catch (e) {
    throw options?.name && e instanceof XdrError ? e.within(options.name) : e;
  }
}

/**
 * Lays out `value` as a host of byte order `order` holds it in memory, in
 * XDR's layout (4-byte units, the same lengths and padding) but with every
 * number (ints, enums, bools, lengths, hypers, floats, doubles) in that
 * host's byte order; bytes of strings and opaque data are the same on every
 * host. So `nativeBytes(t, v, 'big')` equals `encode(t, v)`, and on a
 * little-endian host (x86, ARM as usually run) every number's bytes are
 * reversed: what an XDR encoder there must swap. (Not any C ABI's struct
 * layout: no pointers, no alignment rules.) Returns a new Uint8Array; throws
 * XdrError as `encode` does.
 *
 * @example
 * hex(nativeBytes(xdr.int, 42, 'little')); // '2a 00 00 00'  host memory on x86
 * hex(nativeBytes(xdr.int, 42, 'big'));    // '00 00 00 2a'  = encode(xdr.int, 42), the XDR bytes
 */
export function nativeBytes<T extends XdrType<any>>(t: T, value: Value<T>, order: 'big' | 'little', options?: XdrOptions): Uint8Array {
  if (order !== 'big' && order !== 'little') throw new XdrError(`byte order must be 'big' or 'little', got ${String(order)}`);
  return write(t, value, order === 'little', options);
}

/** Which byte order this machine uses, for "host bytes → XDR bytes" displays. @example hostOrder(); // 'little' on x86 */
export function hostOrder(): 'big' | 'little' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';
}

/**
 * Prints bytes as two-digit hex, grouped in 4-byte XDR units separated by
 * ` | `; with `unitsPerLine` (a positive whole number), a newline instead
 * of ` | ` after every that many units. Never throws.
 *
 * @example
 * hex(encode(xdr.struct([['a', xdr.int], ['b', xdr.unsigned]]), { a: 42, b: 3 })); // '00 00 00 2a | 00 00 00 03'
 * hex(new Uint8Array([1, 2, 3, 4, 5]));                                            // '01 02 03 04 | 05'
 */
export function hex(bytes: Uint8Array, unitsPerLine = Infinity): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += i % 4 ? ' ' : (i / 4) % unitsPerLine ? ' | ' : '\n';
    out += bytes[i]!.toString(16).padStart(2, '0');
  }
  return out;
}
