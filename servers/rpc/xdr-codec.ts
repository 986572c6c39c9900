/**
 * The XDR codec proper: each descriptor compiled, once, into a pair of
 * functions (encode into a growing buffer, decode from a byte view), cached
 * per descriptor and byte order; struct codecs are generated code. The byte
 * level is in `xdr-buffer.ts`, the public entry points in `xdr.ts`.
 */
import { type Reader, type Writer, readLength, readUtf8, skipPadded, truncated, writeBytes, writeString } from './xdr-buffer.ts';
import { XdrError, show, within } from './xdr-error.ts';
import { isInt32, type XdrType } from './xdr-types.ts';

/** One compiled type. `min`: the fewest bytes a value can take (for early length checks). */
export interface Codec {
  enc(w: Writer, v: any): void;
  dec(r: Reader): any;
  readonly min: number;
}

/**
 * A struct's encoder and decoder are generated, so that each struct type
 * gets functions of its own: straight-line field reads, and an object
 * literal of one hidden class on decode, rather than a loop of keyed loads
 * and stores shared (and made megamorphic) by every struct type. `i` tracks
 * the field for the error path.
 */
function generated<F>(names: readonly string[], codecs: readonly Codec[], body: string): F {
  const args = ['names', 'within', 'XdrError', 'show', ...codecs.map((_, i) => `c${i}`)];
  return new Function(...args, `return ${body}`)(names, within, XdrError, show, ...codecs) as F;
}
const key = (n: string): string => (n === '__proto__' ? `[${JSON.stringify(n)}]` : JSON.stringify(n));

function structEncoder(names: readonly string[], codecs: readonly Codec[]): Codec['enc'] {
  return generated(names, codecs, `function encodeStruct(w, v) {
  if (typeof v !== 'object' || v === null) throw new XdrError('struct expected, got ' + show(v));
  let i = 0;
  try {
    ${names.map((n, i) => `i = ${i}; c${i}.enc(w, v[${JSON.stringify(n)}]);`).join('\n    ')}
  } catch (e) {
    throw within(e, names[i]);
  }
}`);
}

function structDecoder(names: readonly string[], codecs: readonly Codec[]): Codec['dec'] {
  return generated(names, codecs, `function decodeStruct(r) {
  let i = 0;
  try {
    return { ${names.map((n, i) => `${key(n)}: (i = ${i}, c${i}.dec(r))`).join(', ')} };
  } catch (e) {
    throw within(e, names[i]);
  }
}`);
}

const caches = [new WeakMap<XdrType, Codec>(), new WeakMap<XdrType, Codec>()];

/**
 * Returns the codec of t: numbers in big-endian order (XDR), or
 * little-endian when `le` (for `nativeBytes`). Compiled on first use, then
 * cached. Throws XdrError for something that is not a descriptor.
 *
 * @example
 * const w = new Writer(64);
 * codec(xdr.int).enc(w, 42);                                   // w.buf: 00 00 00 2a
 * codec(xdr.int).dec(new Reader(w.buf.subarray(0, w.pos), 0)); // 42
 */
export function codec(t: XdrType, le = false): Codec {
  const cache = caches[le ? 1 : 0]!;
  let c = cache.get(t);
  if (!c) {
    c = compile(t, le);
    cache.set(t, c);
  }
  return c;
}

function compile(t: XdrType, le: boolean): Codec {
  switch (t.kind) {
    case 'int':
      return {
        min: 4,
        enc(w, v) {
          if (!isInt32(v)) throw new XdrError(`int expected (-2^31 to 2^31-1), got ${show(v)}`);
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setInt32(w.pos, v, le);
          w.pos += 4;
        },
        dec(r) {
          if (r.end - r.pos < 4) throw truncated(r, 4);
          const v = r.dv.getInt32(r.pos, le);
          r.pos += 4;
          return v;
        },
      };
    case 'unsigned':
      return {
        min: 4,
        enc(w, v) {
          if (typeof v !== 'number' || v >>> 0 !== v) throw new XdrError(`unsigned int expected (0 to 2^32-1), got ${show(v)}`);
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setUint32(w.pos, v, le);
          w.pos += 4;
        },
        dec(r) {
          if (r.end - r.pos < 4) throw truncated(r, 4);
          const v = r.dv.getUint32(r.pos, le);
          r.pos += 4;
          return v;
        },
      };
    case 'hyper':
    case 'unsignedHyper': {
      const signed = t.kind === 'hyper';
      return {
        min: 8,
        enc(w, v) {
          if (typeof v !== 'bigint' || (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) !== v) {
            throw new XdrError(`${signed ? 'hyper expected (a bigint, -2^63 to 2^63-1)' : 'unsigned hyper expected (a bigint, 0 to 2^64-1)'}, got ${show(v)}`);
          }
          if (w.pos + 8 > w.buf.length) w.grow(8);
          if (signed) w.dv.setBigInt64(w.pos, v, le);
          else w.dv.setBigUint64(w.pos, v, le);
          w.pos += 8;
        },
        dec(r) {
          if (r.end - r.pos < 8) throw truncated(r, 8);
          const v = signed ? r.dv.getBigInt64(r.pos, le) : r.dv.getBigUint64(r.pos, le);
          r.pos += 8;
          return v;
        },
      };
    }
    case 'bool':
      return {
        min: 4,
        enc(w, v) {
          if (typeof v !== 'boolean') throw new XdrError(`bool expected, got ${show(v)}`);
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setInt32(w.pos, v ? 1 : 0, le);
          w.pos += 4;
        },
        dec(r) {
          if (r.end - r.pos < 4) throw truncated(r, 4);
          const v = r.dv.getInt32(r.pos, le);
          if (v !== 0 && v !== 1) throw new XdrError(`bool must be 0 or 1, got ${v}`);
          r.pos += 4;
          return v === 1;
        },
      };
    case 'float':
      return {
        min: 4,
        enc(w, v) {
          if (typeof v !== 'number') throw new XdrError(`float expected, got ${show(v)}`);
          if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw new XdrError(`float out of range: ${v}`);
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setFloat32(w.pos, v, le);
          w.pos += 4;
        },
        dec(r) {
          if (r.end - r.pos < 4) throw truncated(r, 4);
          const v = r.dv.getFloat32(r.pos, le);
          r.pos += 4;
          return v;
        },
      };
    case 'double':
      return {
        min: 8,
        enc(w, v) {
          if (typeof v !== 'number') throw new XdrError(`double expected, got ${show(v)}`);
          if (w.pos + 8 > w.buf.length) w.grow(8);
          w.dv.setFloat64(w.pos, v, le);
          w.pos += 8;
        },
        dec(r) {
          if (r.end - r.pos < 8) throw truncated(r, 8);
          const v = r.dv.getFloat64(r.pos, le);
          r.pos += 8;
          return v;
        },
      };
    case 'void':
      return {
        min: 0,
        enc(_w, v) {
          if (v !== undefined) throw new XdrError(`void takes no value, got ${show(v)}`);
        },
        dec: () => undefined,
      };
    case 'enum': {
      const byName = new Map(Object.entries(t.values));
      const byValue = new Map([...byName].map(([k, v]) => [v, k]));
      return {
        min: 4,
        enc(w, v) {
          const n = byName.get(v);
          if (n === undefined) throw new XdrError(`not a name of the enum (${[...byName.keys()].join(', ')}): ${show(v)}`);
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setInt32(w.pos, n, le);
          w.pos += 4;
        },
        dec(r) {
          if (r.end - r.pos < 4) throw truncated(r, 4);
          const n = r.dv.getInt32(r.pos, le);
          const v = byValue.get(n);
          if (v === undefined) throw new XdrError(`${n} is not a value of the enum`);
          r.pos += 4;
          return v;
        },
      };
    }
    case 'opaque': {
      const len = t.length;
      return {
        min: (len + 3) & ~3,
        enc(w, v) {
          if (!(v instanceof Uint8Array) || v.length !== len) throw new XdrError(`opaque of exactly ${len} bytes expected, got ${show(v)}`);
          writeBytes(w, v);
        },
        dec(r) {
          const at = r.pos;
          skipPadded(r, len);
          return r.bytes.subarray(at, at + len);
        },
      };
    }
    case 'varOpaque': {
      const max = t.max;
      return {
        min: 4,
        enc(w, v) {
          if (!(v instanceof Uint8Array)) throw new XdrError(`opaque (a Uint8Array) expected, got ${show(v)}`);
          if (v.length > max) throw new XdrError(`opaque longer than ${max} (${v.length} bytes)`);
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setUint32(w.pos, v.length, le);
          w.pos += 4;
          writeBytes(w, v);
        },
        dec(r) {
          const len = readLength(r, max, 'opaque', le);
          const at = r.pos;
          skipPadded(r, len);
          return r.bytes.subarray(at, at + len);
        },
      };
    }
    case 'string': {
      const max = t.max;
      return {
        min: 4,
        enc(w, v) {
          if (typeof v !== 'string') throw new XdrError(`string expected, got ${show(v)}`);
          writeString(w, v, max, le);
        },
        dec(r) {
          const len = readLength(r, max, 'string', le);
          if (r.end - r.pos < len) throw truncated(r, len);
          const s = readUtf8(r, len);
          skipPadded(r, len);
          return s;
        },
      };
    }
    default:
      return compileComposite(t, le);
  }
}

function compileComposite(t: XdrType, le: boolean): Codec {
  switch (t.kind) {
    case 'array':
    case 'varArray': {
      const of = codec(t.of, le);
      const fixed = t.kind === 'array';
      const n = fixed ? t.length : t.max;
      return {
        min: fixed ? n * of.min : 4,
        enc(w, v) {
          if (!Array.isArray(v)) throw new XdrError(`array expected, got ${show(v)}`);
          if (fixed ? v.length !== n : v.length > n) throw new XdrError(fixed ? `array of ${n} expected, got ${v.length} elements` : `array longer than ${n} (${v.length} elements)`);
          if (!fixed) {
            if (w.pos + 4 > w.buf.length) w.grow(4);
            w.dv.setUint32(w.pos, v.length, le);
            w.pos += 4;
          }
          let i = 0;
          try {
            for (; i < v.length; i++) of.enc(w, v[i]);
          } catch (e) {
            throw within(e, i);
          }
        },
        dec(r) {
          const len = fixed ? n : readLength(r, n, 'array', le);
          if (len * of.min > r.end - r.pos) throw truncated(r, len * of.min);
          const out: unknown[] = [];
          let i = 0;
          try {
            for (; i < len; i++) out.push(of.dec(r));
          } catch (e) {
            throw within(e, i);
          }
          return out;
        },
      };
    }
    case 'struct': {
      const names = t.fields.map((f) => f[0]);
      const codecs = t.fields.map((f) => codec(f[1], le));
      return {
        min: codecs.reduce((s, c) => s + c.min, 0),
        enc: structEncoder(names, codecs),
        dec: structDecoder(names, codecs),
      };
    }
    case 'union': {
      const disc = codec(t.discriminant, le);
      const d = t.discriminant.kind === 'lazy' ? t.discriminant.get() : t.discriminant;
      const tagOf = (k: string): unknown => (d.kind === 'enum' ? k : d.kind === 'bool' ? k === 'true' : Number(k));
      const arms = new Map<unknown, Codec>(Object.entries(t.arms).map(([k, a]) => [tagOf(k), codec(a, le)]));
      const dflt = t.default ? codec(t.default, le) : undefined;
      const noArm = (tag: unknown): XdrError => new XdrError(`no union arm for ${show(tag)} (arms: ${[...arms.keys()].map(show).join(', ')})`);
      return {
        min: 4 + Math.min(...[...arms.values(), ...(dflt ? [dflt] : [])].map((a) => a.min)), // ≥ 1 arm (checked by xdr.union)
        enc(w, v) {
          if (typeof v !== 'object' || v === null) throw new XdrError(`union value { tag, value } expected, got ${show(v)}`);
          const tag = v.tag;
          const arm = arms.get(tag) ?? dflt;
          if (!arm) throw noArm(tag).within('tag');
          try {
            disc.enc(w, tag);
          } catch (e) {
            throw within(e, 'tag');
          }
          try {
            arm.enc(w, v.value);
          } catch (e) {
            throw within(e, 'value');
          }
        },
        dec(r) {
          const at = r.pos;
          const tag = disc.dec(r);
          const arm = arms.get(tag) ?? dflt;
          if (!arm) {
            r.pos = at;
            throw noArm(tag).within('tag');
          }
          try {
            return { tag, value: arm.dec(r) };
          } catch (e) {
            throw within(e, 'value');
          }
        },
      };
    }
    case 'optional': {
      const of = codec(t.of, le);
      return {
        min: 4,
        enc(w, v) {
          if (w.pos + 4 > w.buf.length) w.grow(4);
          w.dv.setUint32(w.pos, v == null ? 0 : 1, le);
          w.pos += 4;
          if (v != null) of.enc(w, v);
        },
        dec(r) {
          if (r.end - r.pos < 4) throw truncated(r, 4);
          const flag = r.dv.getUint32(r.pos, le);
          if (flag > 1) throw new XdrError(`optional flag must be 0 or 1, got ${flag}`);
          r.pos += 4;
          return flag ? of.dec(r) : null;
        },
      };
    }
    case 'lazy': {
      let c: Codec | undefined;
      const get = (): Codec => (c ??= codec(t.get(), le));
      return { min: 0, enc: (w, v) => get().enc(w, v), dec: (r) => get().dec(r) };
    }
    default:
      throw new XdrError(`not an XDR type: ${show((t as { kind?: unknown }).kind)}`);
  }
}

