/**
 * XDR (RFC 4506): byte-exact vectors for every type, worked from the RFC's
 * definitions (and its §7 example), every error, and a property over random
 * type trees: decode(encode(v)) is v, in a multiple of 4 bytes.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { decode, decodePartial, encode, hex, hostOrder, nativeBytes, xdr, XdrError, type Value, type XdrType } from '../servers/rpc/xdr.ts';

/** Hex digits, spaces and bars ignored, as bytes. */
const bytes = (s: string): Uint8Array => Uint8Array.from((s.replace(/[\s|]/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const color = xdr.enum({ RED: 0, GREEN: 1, BLUE: 2, NEG: -1 });

/** Deep equality with Object.is on numbers (NaN, -0), bigints, byte arrays, arrays and plain objects. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same((a as any)[k], (b as any)[k]));
  }
  return a === b;
}

/** Each case: type, value, the XDR bytes; checked both ways. */
const vectors: [string, XdrType<any>, unknown, string][] = [
  ['int 0', xdr.int, 0, '00000000'],
  ['int -1', xdr.int, -1, 'ffffffff'],
  ['int 42', xdr.int, 42, '0000002a'],
  ['int max', xdr.int, 2 ** 31 - 1, '7fffffff'],
  ['int min', xdr.int, -(2 ** 31), '80000000'],
  ['unsigned max', xdr.unsigned, 2 ** 32 - 1, 'ffffffff'],
  ['unsigned 258', xdr.unsigned, 258, '00000102'],
  ['enum BLUE', color, 'BLUE', '00000002'],
  ['enum NEG = -1', color, 'NEG', 'ffffffff'],
  ['bool true', xdr.bool, true, '00000001'],
  ['bool false', xdr.bool, false, '00000000'],
  ['hyper 1', xdr.hyper, 1n, '00000000 00000001'],
  ['hyper -1', xdr.hyper, -1n, 'ffffffff ffffffff'],
  ['hyper max', xdr.hyper, 2n ** 63n - 1n, '7fffffff ffffffff'],
  ['hyper min', xdr.hyper, -(2n ** 63n), '80000000 00000000'],
  ['unsigned hyper', xdr.unsignedHyper, 0x0102030405060708n, '01020304 05060708'],
  ['unsigned hyper max', xdr.unsignedHyper, 2n ** 64n - 1n, 'ffffffff ffffffff'],
  ['float 1.0', xdr.float, 1, '3f800000'],
  ['float -2.5', xdr.float, -2.5, 'c0200000'],
  ['float -0', xdr.float, -0, '80000000'],
  ['float Infinity', xdr.float, Infinity, '7f800000'],
  ['float NaN', xdr.float, NaN, '7fc00000'],
  ['double 1.0', xdr.double, 1, '3ff00000 00000000'],
  ['double 0.1', xdr.double, 0.1, '3fb99999 9999999a'],
  ['double -Infinity', xdr.double, -Infinity, 'fff00000 00000000'],
  ['opaque[5]: 3 pad bytes', xdr.opaque(5), bytes('0102030405'), '01020304 05000000'],
  ['opaque[4]: no padding', xdr.opaque(4), bytes('deadbeef'), 'deadbeef'],
  ['opaque[0]', xdr.opaque(0), new Uint8Array(0), ''],
  ['opaque<> of 3', xdr.varOpaque(), bytes('010203'), '00000003 01020300'],
  ['opaque<> empty', xdr.varOpaque(8), new Uint8Array(0), '00000000'],
  ['string "abc"', xdr.string(), 'abc', '00000003 61626300'],
  ['string "abcd"', xdr.string(4), 'abcd', '00000004 61626364'],
  ['string ""', xdr.string(), '', '00000000'],
  ['string "\ufeffx" (a leading BOM is kept)', xdr.string(), '\ufeffx', '00000004 efbbbf78'],
  ['string "é" (UTF-8)', xdr.string(), 'é', '00000002 c3a90000'],
  ['string "€😀" (UTF-8)', xdr.string(7), '€😀', '00000007 e282acf0 9f988000'],
  ['int[3] (no count)', xdr.array(xdr.int, 3), [1, 2, -3], '00000001 00000002 fffffffd'],
  ['int<>', xdr.varArray(xdr.int), [7, 8], '00000002 00000007 00000008'],
  ['int<> empty', xdr.varArray(xdr.int, 0), [], '00000000'],
  ['string<2>[2]', xdr.array(xdr.string(2), 2), ['a', 'bc'], '00000001 61000000 00000002 62630000'],
  ['struct { int a; string b; }', xdr.struct([['a', xdr.int], ['b', xdr.string()]]), { a: 1, b: 'hi' }, '00000001 00000002 68690000'],
  ['struct { string b; int a; } (order)', xdr.struct([['b', xdr.string()], ['a', xdr.int]]), { a: 1, b: 'hi' }, '00000002 68690000 00000001'],
  ['optional present', xdr.optional(xdr.int), 7, '00000001 00000007'],
  ['optional absent', xdr.optional(xdr.int), null, '00000000'],
  ['void', xdr.void, undefined, ''],
];

const result = xdr.union(xdr.int, { 0: xdr.int, 1: xdr.void }, xdr.string());
const shape = xdr.union(color, { RED: xdr.double, GREEN: xdr.bool });
const maybe = xdr.union(xdr.bool, { true: xdr.unsigned, false: xdr.void });
const unions: [string, XdrType<any>, unknown, string][] = [
  ['union int arm', result, { tag: 0, value: 5 }, '00000000 00000005'],
  ['union void arm', result, { tag: 1, value: undefined }, '00000001'],
  ['union default arm', result, { tag: -9, value: 'x' }, 'fffffff7 00000001 78000000'],
  ['union on an enum', shape, { tag: 'GREEN', value: true }, '00000001 00000001'],
  ['union on a bool (optional by hand)', maybe, { tag: true, value: 3 }, '00000001 00000003'],
];

describe('XDR vectors (RFC 4506 §4)', () => {
  it.each([...vectors, ...unions])('%s', (_name, t, v, wire) => {
    const got = encode(t, v);
    expect(hex(got)).toBe(hex(bytes(wire)));
    expect(got.length % 4).toBe(0);
    expect(same(decode(t, got), v)).toBe(true);
  });

  it('the RFC 4506 §7 example: file "sillyprog", EXEC "lisp", owner "john", data "(quit)"', () => {
    const filekind = xdr.enum({ TEXT: 0, DATA: 1, EXEC: 2 });
    const filetype = xdr.union(filekind, { TEXT: xdr.void, DATA: xdr.string(255), EXEC: xdr.string(255) });
    const file = xdr.struct([['filename', xdr.string(255)], ['type', filetype], ['owner', xdr.string(32)], ['data', xdr.varOpaque(65535)]]);
    const value: Value<typeof file> = { filename: 'sillyprog', type: { tag: 'EXEC', value: 'lisp' }, owner: 'john', data: new TextEncoder().encode('(quit)') };
    const wire = '00000009 73696c6c 7970726f 67000000 00000002 00000004 6c697370 00000004 6a6f686e 00000006 28717569 74290000';
    expect(hex(encode(file, value))).toBe(hex(bytes(wire)));
    expect(same(decode(file, bytes(wire)), value)).toBe(true);
  });

  it('float rounds a double to single precision', () => {
    expect(hex(encode(xdr.float, 0.1))).toBe('3d cc cc cd');
    expect(decode(xdr.float, bytes('3dcccccd'))).toBe(Math.fround(0.1));
  });

  it('a recursive type through lazy and optional (a linked list)', () => {
    interface Node { v: number; next: Node | null }
    const node: XdrType<Node> = xdr.struct([['v', xdr.int], ['next', xdr.optional(xdr.lazy(() => node))]]);
    const list: Node = { v: 1, next: { v: 2, next: null } };
    expect(hex(encode(node, list))).toBe('00 00 00 01 | 00 00 00 01 | 00 00 00 02 | 00 00 00 00');
    expect(decode(node, encode(node, list))).toEqual(list);
  });

  it('struct field names that are not identifiers: __proto__, quotes, constructor', () => {
    const odd = xdr.struct([['__proto__', xdr.int], ['a"b\\', xdr.bool], ['constructor', xdr.string()]]);
    const value = Object.defineProperty({ 'a"b\\': true, constructor: 'x' }, '__proto__', { value: 7, enumerable: true });
    const wire = encode(odd, value as Value<typeof odd>);
    expect(hex(wire)).toBe('00 00 00 07 | 00 00 00 01 | 00 00 00 01 | 78 00 00 00');
    const back = decode(odd, wire);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.entries(back)).toEqual([['__proto__', 7], ['a"b\\', true], ['constructor', 'x']]);
  });

  it('decodePartial reads one value and says where the next starts', () => {
    const stream = bytes('00000003 61626300 0000002a');
    const first = decodePartial(xdr.string(), stream);
    expect(first).toEqual({ value: 'abc', offset: 8 });
    expect(decodePartial(xdr.int, stream, first.offset)).toEqual({ value: 42, offset: 12 });
  });

  it('opaque values decode as views of the input, not copies', () => {
    const wire = bytes('00000002 abcd0000');
    const got = decode(xdr.varOpaque(), wire);
    expect(got.buffer).toBe(wire.buffer);
    expect([...got]).toEqual([0xab, 0xcd]);
  });
});

describe('Value<T>: the TypeScript type of a descriptor', () => {
  it('infers scalars, structs, unions, optionals and arrays', () => {
    const item = xdr.struct([['name', xdr.string(16)], ['color', color], ['sizes', xdr.varArray(xdr.unsigned)], ['note', xdr.optional(xdr.hyper)]]);
    expectTypeOf<Value<typeof item>>().toEqualTypeOf<{ name: string; color: 'RED' | 'GREEN' | 'BLUE' | 'NEG'; sizes: number[]; note: bigint | null }>();
    expectTypeOf<Value<typeof xdr.opaque>>().toEqualTypeOf<never>(); // a constructor, not a type
    expectTypeOf<Value<ReturnType<typeof xdr.opaque>>>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<Value<typeof result>>().toEqualTypeOf<{ tag: 0; value: number } | { tag: 1; value?: undefined } | { tag: number; value: string }>();
    expectTypeOf<Value<typeof shape>>().toEqualTypeOf<{ tag: 'RED'; value: number } | { tag: 'GREEN'; value: boolean }>();
    expectTypeOf<Value<typeof maybe>>().toEqualTypeOf<{ tag: true; value: number } | { tag: false; value?: undefined }>();
    // @ts-expect-error a number is not a string
    expect(() => encode(item, { name: 1, color: 'RED', sizes: [], note: null })).toThrow(XdrError);
    // @ts-expect-error PINK is not in the enum
    expect(() => encode(shape, { tag: 'PINK', value: 1 })).toThrow(XdrError);
  });
});

describe('byte order: host memory versus XDR', () => {
  const pair = xdr.struct([['n', xdr.int], ['s', xdr.string()], ['d', xdr.double], ['h', xdr.hyper]]);
  const v = { n: 42, s: 'abc', d: 1, h: 1n };

  it('little-endian host bytes have every number reversed; strings stay as they are', () => {
    expect(hex(nativeBytes(xdr.int, 42, 'little'))).toBe('2a 00 00 00');
    expect(hex(nativeBytes(pair, v, 'little'))).toBe(
      '2a 00 00 00 | 03 00 00 00 | 61 62 63 00 | 00 00 00 00 | 00 00 f0 3f | 01 00 00 00 | 00 00 00 00',
    );
  });

  it('big-endian host bytes are the XDR bytes', () => {
    expect(nativeBytes(pair, v, 'big')).toEqual(encode(pair, v));
    expect(['big', 'little']).toContain(hostOrder());
  });
});

describe('hex', () => {
  it('groups bytes in 4-byte units, a partial unit last, lines on request', () => {
    expect(hex(bytes('0000002a 00000003'))).toBe('00 00 00 2a | 00 00 00 03');
    expect(hex(bytes('0102030405'))).toBe('01 02 03 04 | 05');
    expect(hex(bytes('00000001 00000002 00000003'), 2)).toBe('00 00 00 01 | 00 00 00 02\n00 00 00 03');
    expect(hex(new Uint8Array(0))).toBe('');
  });
});

describe('XDR errors', () => {
  /** The XdrError that f throws. */
  const caught = (f: () => unknown): XdrError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(XdrError);
      return e as XdrError;
    }
    throw new Error('no error thrown');
  };

  it('names the field path: args.items[3].name', () => {
    const item = xdr.struct([['name', xdr.string(16)], ['qty', xdr.int]]);
    const args = xdr.struct([['items', xdr.varArray(item)]]);
    const items = [0, 1, 2, 3].map((i) => ({ name: i === 3 ? 'x'.repeat(17) : 'ok', qty: i }));
    const e = caught(() => encode(args, { items }, { name: 'args' }));
    expect(e.message).toBe('args.items[3].name: string longer than 16 (17 bytes)');
    expect([e.path, e.reason]).toEqual(['args.items[3].name', 'string longer than 16 (17 bytes)']);
    const good = encode(args, { items: items.slice(0, 3) });
    expect(caught(() => decode(args, good.subarray(0, good.length - 4))).message).toMatch(/^items\[2\]\.qty: input truncated/);
  });

  it.each<[string, XdrType<any>, unknown, RegExp]>([
    ['int too big', xdr.int, 2 ** 31, /int expected .* got 2147483648/],
    ['int not whole', xdr.int, 1.5, /int expected/],
    ['int a string', xdr.int, '1', /int expected .* got "1"/],
    ['unsigned negative', xdr.unsigned, -1, /unsigned int expected/],
    ['unsigned too big', xdr.unsigned, 2 ** 32, /unsigned int expected/],
    ['hyper a number', xdr.hyper, 1, /hyper expected/],
    ['hyper too big', xdr.hyper, 2n ** 63n, /hyper expected .* got 9223372036854775808n/],
    ['unsigned hyper negative', xdr.unsignedHyper, -1n, /unsigned hyper expected/],
    ['bool a number', xdr.bool, 1, /bool expected, got 1/],
    ['float too big', xdr.float, 1e39, /float out of range/],
    ['double a string', xdr.double, '1', /double expected/],
    ['enum unknown name', color, 'PINK', /not a name of the enum \(RED, GREEN, BLUE, NEG\): "PINK"/],
    ['opaque wrong length', xdr.opaque(4), new Uint8Array(3), /opaque of exactly 4 bytes expected, got 3 bytes/],
    ['opaque not bytes', xdr.varOpaque(), [1, 2], /opaque \(a Uint8Array\) expected/],
    ['opaque too long', xdr.varOpaque(2), new Uint8Array(3), /opaque longer than 2 \(3 bytes\)/],
    ['string too long (bytes, not characters)', xdr.string(3), 'éé', /string longer than 3 \(4 bytes\)/],
    ['string lone surrogate', xdr.string(), 'a\ud800b', /lone surrogate at index 1/],
    ['fixed array wrong length', xdr.array(xdr.int, 3), [1, 2], /array of 3 expected, got 2 elements/],
    ['var array too long', xdr.varArray(xdr.int, 1), [1, 2], /array longer than 1 \(2 elements\)/],
    ['array element', xdr.varArray(xdr.int), [1, 'x'], /^\[1\]: int expected/],
    ['struct not an object', xdr.struct([['a', xdr.int]]), 5, /struct expected, got 5/],
    ['struct field missing', xdr.struct([['a', xdr.int]]), {}, /^a: int expected .* got undefined/],
    ['union tag with no arm', shape, { tag: 'BLUE', value: 1 }, /^tag: no union arm for "BLUE" \(arms: "RED", "GREEN"\)/],
    ['union default tag of the wrong type', result, { tag: 'x', value: 'y' }, /^tag: int expected/],
    ['union arm value', result, { tag: 0, value: 'y' }, /^value: int expected/],
    ['void with a value', xdr.void, 0, /void takes no value/],
  ])('encode: %s', (_name, t, v, message) => {
    expect(caught(() => encode(t, v)).message).toMatch(message);
  });

  it.each<[string, XdrType<any>, string, RegExp]>([
    ['truncated int', xdr.int, '0000', /input truncated: 4 bytes needed at offset 0, 2 left/],
    ['truncated hyper', xdr.hyper, '00000000', /input truncated: 8 bytes needed/],
    ['truncated string data', xdr.string(), '00000005 616263', /input truncated: 5 bytes needed at offset 4, 3 left/],
    ['truncated padding', xdr.string(), '00000001 61', /input truncated: 4 bytes needed/],
    ['trailing bytes', xdr.int, '00000001 00000002', /4 trailing bytes after the value \(it ends at offset 4 of 8\)/],
    ['non-zero string padding', xdr.string(), '00000001 61000100', /non-zero padding byte 1 at offset 6/],
    ['non-zero opaque padding', xdr.opaque(1), '01000001', /non-zero padding byte 1 at offset 3/],
    ['string over its bound', xdr.string(2), '00000003 61626300', /string longer than 2 \(length 3 on the wire\)/],
    ['opaque over its bound', xdr.varOpaque(2), '00000003 01020300', /opaque longer than 2/],
    ['array over its bound', xdr.varArray(xdr.int, 1), '00000002 00000001 00000002', /array longer than 1/],
    ['array count past the input', xdr.varArray(xdr.int), '7fffffff 00000001', /input truncated/],
    ['invalid UTF-8', xdr.string(), '00000002 c3280000', /not valid UTF-8/],
    ['bool of 2', xdr.bool, '00000002', /bool must be 0 or 1, got 2/],
    ['enum value not in the enum', color, '00000007', /7 is not a value of the enum/],
    ['union discriminant with no arm', shape, '00000002 00000000', /^tag: no union arm for "BLUE"/],
    ['union int discriminant with no arm', xdr.union(xdr.int, { 0: xdr.void }), '00000001', /^tag: no union arm for 1 \(arms: 0\)/],
    ['optional flag of 2', xdr.optional(xdr.int), '00000002 00000000', /optional flag must be 0 or 1, got 2/],
  ])('decode: %s', (_name, t, wire, message) => {
    expect(caught(() => decode(t, bytes(wire))).message).toMatch(message);
  });

  it('bad descriptors', () => {
    expect(caught(() => xdr.enum({ A: 0, B: 0 })).message).toMatch(/B and A both have value 0/);
    expect(caught(() => xdr.enum({ A: 2 ** 31 })).message).toMatch(/must be a 32-bit int/);
    expect(caught(() => xdr.struct([])).message).toMatch(/at least one field/);
    expect(caught(() => xdr.struct([['a', xdr.int], ['a', xdr.int]])).message).toMatch(/field a appears twice/);
    expect(caught(() => xdr.string(-1)).message).toMatch(/string max must be a whole number/);
    expect(caught(() => xdr.array(xdr.int, 1.5)).message).toMatch(/array length must be a whole number/);
    expect(caught(() => xdr.union(xdr.int, {})).message).toMatch(/at least one arm/);
    expect(caught(() => encode({ kind: 'quadruple' } as never, 1 as never)).message).toMatch(/not an XDR type: "quadruple"/);
    expect(caught(() => xdr.union(xdr.string() as never, { 0: xdr.int })).message).toMatch(/discriminant must be int, unsigned, bool or an enum, not string/);
    expect(caught(() => xdr.union(color, { PINK: xdr.int } as never)).message).toMatch(/arm PINK is not a value of its enum discriminant/);
    expect(caught(() => xdr.union(xdr.unsigned, { [-1]: xdr.int })).message).toMatch(/arm -1 is not a value/);
    expect(caught(() => decodePartial(xdr.int, new Uint8Array(4), 8)).message).toMatch(/offset 8 is outside the 4 bytes/);
  });
});

/** A random XDR type and an arbitrary of its values. */
interface Gen {
  t: XdrType<any>;
  v: fc.Arbitrary<unknown>;
}
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
/** Drops code points from the end of s until it fits in max UTF-8 bytes. */
const clipTo = (s: string, max: number): string => {
  const cps = [...s];
  while (utf8Length(cps.join('')) > max) cps.pop();
  return cps.join('');
};
const bound = (...xs: number[]): fc.Arbitrary<number | undefined> => fc.constantFrom(undefined, ...xs);
const BIG = 2n ** 63n;

const leaf: fc.Arbitrary<Gen> = fc.oneof(
  fc.constant<Gen>({ t: xdr.int, v: fc.integer() }),
  fc.constant<Gen>({ t: xdr.unsigned, v: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
  fc.constant<Gen>({ t: xdr.hyper, v: fc.bigInt({ min: -BIG, max: BIG - 1n }) }),
  fc.constant<Gen>({ t: xdr.unsignedHyper, v: fc.bigInt({ min: 0n, max: 2n * BIG - 1n }) }),
  fc.constant<Gen>({ t: xdr.bool, v: fc.boolean() }),
  fc.constant<Gen>({ t: xdr.float, v: fc.float() }),
  fc.constant<Gen>({ t: xdr.double, v: fc.double() }),
  fc.constant<Gen>({ t: xdr.void, v: fc.constant(undefined) }),
  fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 4 }).map((vals): Gen => {
    const names = vals.map((_, i) => `E${i}`);
    return { t: xdr.enum(Object.fromEntries(names.map((n, i) => [n, vals[i]!]))), v: fc.constantFrom(...names) };
  }),
  fc.nat(9).map((n): Gen => ({ t: xdr.opaque(n), v: fc.uint8Array({ minLength: n, maxLength: n }) })),
  bound(0, 3, 5).map((max): Gen => ({ t: xdr.varOpaque(max), v: fc.uint8Array({ maxLength: max ?? 12 }) })),
  bound(0, 3, 10).map((max): Gen => ({ t: xdr.string(max), v: fc.string({ unit: 'binary', maxLength: 8 }).map((s) => clipTo(s, max ?? 99)) })),
);

/** A union on an int, unsigned, bool or enum discriminant over 1 to 3 arms, maybe with a default arm. */
function union(arms: Gen[], dflt: Gen | null, kind: 'int' | 'unsigned' | 'bool' | 'enum', tags: unknown[]): Gen {
  const d = kind === 'int' ? xdr.int : kind === 'unsigned' ? xdr.unsigned : kind === 'bool' ? xdr.bool : xdr.enum(Object.fromEntries(tags.map((n, i) => [n as string, i * 3 - 2])));
  const used = arms.slice(0, tags.length);
  const spare = tags.slice(used.length);
  const def = dflt && spare.length ? dflt : undefined;
  const t = xdr.union(d as XdrType<number>, Object.fromEntries(used.map((a, i) => [String(tags[i]), a.t])), def?.t);
  const choices = used.map((a, i) => a.v.map((value) => ({ tag: tags[i], value })));
  if (def) choices.push(fc.tuple(fc.constantFrom(...spare), def.v).map(([tag, value]) => ({ tag, value })));
  return { t, v: fc.oneof(...choices) };
}

function composite(sub: fc.Arbitrary<Gen>): fc.Arbitrary<Gen> {
  return fc.oneof(
    fc.tuple(sub, fc.nat(3)).map(([g, n]): Gen => ({ t: xdr.array(g.t, n), v: fc.array(g.v, { minLength: n, maxLength: n }) })),
    fc.tuple(sub, bound(0, 2)).map(([g, max]): Gen => ({ t: xdr.varArray(g.t, max), v: fc.array(g.v, { maxLength: max ?? 4 }) })),
    fc.array(sub, { minLength: 1, maxLength: 4 }).map((gs): Gen => ({
      t: xdr.struct(gs.map((g, i) => [`f${i}`, g.t] as const)),
      v: fc.tuple(...gs.map((g) => g.v)).map((vs) => Object.fromEntries(vs.map((v, i) => [`f${i}`, v]))),
    })),
    fc.tuple(
      fc.array(sub, { minLength: 1, maxLength: 3 }),
      fc.option(sub),
      fc.oneof(
        fc.uniqueArray(fc.integer({ min: -4, max: 4 }), { minLength: 4, maxLength: 4 }).map((tags) => ['int', tags] as const),
        fc.uniqueArray(fc.nat(6), { minLength: 4, maxLength: 4 }).map((tags) => ['unsigned', tags] as const),
        fc.shuffledSubarray([true, false], { minLength: 2 }).map((tags) => ['bool', tags] as const),
        fc.constant(['enum', ['A', 'B', 'C', 'D']] as const),
      ),
    ).map(([arms, dflt, [kind, tags]]) => union(arms, dflt, kind, [...tags])),
    // Absent is null or undefined, so a present void (undefined) reads back as absent: optional(void) gets null only.
    sub.map((g): Gen => ({ t: xdr.optional(g.t), v: isVoid(g.t) ? fc.constant(null) : fc.option(g.v, { nil: null }) })),
    sub.map((g): Gen => ({ t: xdr.lazy(() => g.t), v: g.v })),
  );
}

const isVoid = (t: XdrType<any>): boolean => (t.kind === 'lazy' ? isVoid(t.get()) : t.kind === 'void');

/** Type trees up to depth 3. */
const typeTree = (depth: number): fc.Arbitrary<Gen> => (depth === 0 ? leaf : fc.oneof(leaf, composite(typeTree(depth - 1))));
const typeAndValue = typeTree(3).chain((g) => g.v.map((v) => [g.t, v] as const));

describe('XDR round trip (property)', () => {
  it('decode(encode(v)) is v, the length a multiple of 4, and big-endian host bytes are the XDR bytes', () => {
    fc.assert(
      fc.property(typeAndValue, ([t, v]) => {
        const wire = encode(t, v);
        expect(wire.length % 4).toBe(0);
        expect(same(decode(t, wire), v)).toBe(true);
        expect(hex(nativeBytes(t, v, 'big'))).toBe(hex(wire));
        expect(nativeBytes(t, v, 'little').length).toBe(wire.length);
      }),
      { numRuns: 400 },
    );
  });
});
