/**
 * XDR (RFC 4506) types as TypeScript data: what rpcgen's `.x` files say,
 * written as descriptors. A descriptor is a frozen plain object (`{ kind:
 * 'int' }`, `{ kind: 'struct', fields: [...] }`) that also carries, for the
 * type checker only, the TypeScript type of its values: `Value<typeof t>`.
 *
 *   XDR (.x)                          here                                   value
 *   int / unsigned int                xdr.int / xdr.unsigned                 number
 *   hyper / unsigned hyper            xdr.hyper / xdr.unsignedHyper          bigint
 *   bool                              xdr.bool                               boolean
 *   enum { RED = 0, … }               xdr.enum({ RED: 0, … })                'RED' | …
 *   float / double                    xdr.float / xdr.double                 number
 *   opaque x[n] / opaque x<m>         xdr.opaque(n) / xdr.varOpaque(m?)      Uint8Array
 *   string x<m>                       xdr.string(m?)                         string (UTF-8 on the wire)
 *   t x[n] / t x<m>                   xdr.array(t, n) / xdr.varArray(t, m?)  Value<t>[]
 *   struct { a; b; }                  xdr.struct([['a', ta], ['b', tb]])     { a, b }
 *   union switch (d) { case … }       xdr.union(d, { 0: t0, … }, dflt?)      { tag, value }
 *   t *x                              xdr.optional(t)                        Value<t> | null
 *   void                              xdr.void                               undefined
 *   (a type used before it is made)   xdr.lazy(() => t)                      Value<t>
 *
 * Not here: quadruple (RFC 4506 §4.8; no JavaScript number holds one).
 */
import { XdrError } from './xdr-error.ts';

/** Type-level only: the TypeScript type of a descriptor's values. Never present at run time. */
declare const VALUE: unique symbol;

/** The largest length XDR can carry (a 4-byte unsigned count): the default bound of var-length types. */
export const MAX_LENGTH = 0xffff_ffff;

/** The descriptors, as plain data: what the codec switches on. */
export type Descriptor =
  | { readonly kind: 'int' | 'unsigned' | 'hyper' | 'unsignedHyper' | 'bool' | 'float' | 'double' | 'void' }
  | { readonly kind: 'enum'; readonly values: Readonly<Record<string, number>> }
  | { readonly kind: 'opaque'; readonly length: number }
  | { readonly kind: 'varOpaque' | 'string'; readonly max: number }
  | { readonly kind: 'array'; readonly of: XdrType; readonly length: number }
  | { readonly kind: 'varArray'; readonly of: XdrType; readonly max: number }
  | { readonly kind: 'struct'; readonly fields: readonly (readonly [string, XdrType])[] }
  | {
      readonly kind: 'union';
      readonly discriminant: XdrType;
      readonly arms: Readonly<Record<string, XdrType>>;
      readonly default: XdrType | undefined;
    }
  | { readonly kind: 'optional'; readonly of: XdrType }
  | { readonly kind: 'lazy'; readonly get: () => XdrType };

/** A descriptor whose values have TypeScript type V. */
export type XdrType<V = unknown> = Descriptor & { readonly [VALUE]: V };

/**
 * The TypeScript type of the values of descriptor T.
 *
 * @example
 * const point = xdr.struct([['x', xdr.int], ['y', xdr.int]]);
 * type Point = Value<typeof point>; // { x: number; y: number }
 */
export type Value<T> = T extends { readonly [VALUE]: infer V } ? V : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Field = readonly [string, XdrType<any>];
type StructValue<F extends readonly Field[]> = Simplify<{ -readonly [E in F[number] as E[0]]: Value<E[1]> }>;

/** A union arm key as the JavaScript tag: 'true'/'false' for a bool discriminant, numbers for int, names for enum. */
type Tag<D, K> = [Value<D>] extends [boolean]
  ? K extends 'true' | 'false' ? K extends 'true' ? true : false : never
  : [Value<D>] extends [number]
    ? K extends number ? K : K extends `${infer N extends number}` ? N : never
    : K & Value<D>;
type Arm<T, V> = [V] extends [undefined] ? { tag: T; value?: undefined } : { tag: T; value: V };
type UnionValue<D, A, Def> =
  | { [K in keyof A]: Arm<Tag<D, K>, Value<A[K]>> }[keyof A]
  | (Def extends XdrType<any> ? Arm<Value<D>, Value<Def>> : never);

const make = <V>(d: Descriptor): XdrType<V> => Object.freeze(d) as XdrType<V>;

function count(what: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_LENGTH) {
    throw new XdrError(`${what} must be a whole number from 0 to ${MAX_LENGTH}, got ${String(n)}`);
  }
  return n;
}

/** True for the values the RFC's signed 32-bit int holds. @example isInt32(-1); // true; isInt32(2 ** 31) and isInt32(1.5): false */
export const isInt32 = (v: unknown): v is number => typeof v === 'number' && (v | 0) === v;

function enumOf<const E extends Record<string, number>>(values: E): XdrType<keyof E & string> {
  const seen = new Map<number, string>();
  for (const [name, v] of Object.entries(values)) {
    if (!isInt32(v)) throw new XdrError(`enum ${name} must be a 32-bit int, got ${String(v)}`);
    if (seen.has(v)) throw new XdrError(`enum ${name} and ${seen.get(v)} both have value ${v}`);
    seen.set(v, name);
  }
  return make({ kind: 'enum', values: Object.freeze({ ...values }) });
}

function struct<const F extends readonly Field[]>(fields: F): XdrType<StructValue<F>> {
  if (fields.length === 0) throw new XdrError('a struct needs at least one field (RFC 4506 §4.14)');
  const names = new Set<string>();
  for (const [name] of fields) {
    if (names.has(name)) throw new XdrError(`struct field ${name} appears twice`);
    names.add(name);
  }
  return make({ kind: 'struct', fields: Object.freeze(fields.map((f) => Object.freeze([f[0], f[1]] as const))) });
}

type Discriminant = XdrType<number> | XdrType<boolean> | XdrType<string>;

function union<D extends Discriminant, const A extends Readonly<Record<string | number, XdrType<any>>>, Def extends XdrType<any> | undefined = undefined>(
  discriminant: D,
  arms: A,
  defaultArm?: Def,
): XdrType<UnionValue<D, A, Def>> {
  const d = resolve(discriminant);
  const isArm: ((k: string) => boolean) | undefined = {
    int: (k: string) => /^-?\d+$/.test(k) && isInt32(Number(k)),
    unsigned: (k: string) => /^\d+$/.test(k) && Number(k) <= MAX_LENGTH,
    bool: (k: string) => k === 'true' || k === 'false',
    enum: (k: string) => d.kind === 'enum' && Object.hasOwn(d.values, k),
  }[d.kind as string];
  if (!isArm) throw new XdrError(`a union discriminant must be int, unsigned, bool or an enum, not ${d.kind}`);
  if (Object.keys(arms).length === 0) throw new XdrError('a union needs at least one arm (RFC 4506 §4.15)');
  for (const k of Object.keys(arms)) {
    if (!isArm(k)) throw new XdrError(`union arm ${k} is not a value of its ${d.kind} discriminant`);
  }
  return make({ kind: 'union', discriminant, arms: Object.freeze({ ...arms }), default: defaultArm });
}

/**
 * Returns the descriptor behind any `lazy` wrappers. Throws XdrError for a
 * lazy that leads only to lazies (100 deep).
 *
 * @example
 * resolve(xdr.lazy(() => xdr.int)); // xdr.int
 */
export function resolve(t: XdrType): Exclude<Descriptor, { kind: 'lazy' }> {
  let d: Descriptor = t;
  for (let i = 0; d.kind === 'lazy'; i++) {
    if (i > 100) throw new XdrError('lazy type refers to itself');
    d = d.get();
  }
  return d;
}

/**
 * The descriptor constructors, named after the XDR types. Each returns (or
 * is) a frozen descriptor; the ones that take bounds throw XdrError for a
 * bound that is not a whole number from 0 to 2^32-1, and `enum`, `struct`
 * and `union` throw XdrError for duplicate names or values and for arms
 * that are not values of the discriminant.
 *
 * @example
 * const color = xdr.enum({ RED: 0, GREEN: 1, BLUE: 2 });
 * const item = xdr.struct([
 *   ['name', xdr.string(16)],
 *   ['color', color],
 *   ['sizes', xdr.varArray(xdr.unsigned, 8)],
 *   ['note', xdr.optional(xdr.string())],
 * ]);
 * const result = xdr.union(xdr.int, { 0: item, 1: xdr.void }, xdr.string()); // default arm: an error text
 * type Item = Value<typeof item>; // { name: string; color: 'RED' | 'GREEN' | 'BLUE'; sizes: number[]; note: string | null }
 */
export const xdr = {
  /** Signed 32-bit integer (§4.1). */
  int: make<number>({ kind: 'int' }),
  /** Unsigned 32-bit integer (§4.2). */
  unsigned: make<number>({ kind: 'unsigned' }),
  /** Signed 64-bit integer (§4.5), as a bigint. */
  hyper: make<bigint>({ kind: 'hyper' }),
  /** Unsigned 64-bit integer (§4.5), as a bigint. */
  unsignedHyper: make<bigint>({ kind: 'unsignedHyper' }),
  /** Boolean (§4.4): an enum FALSE = 0, TRUE = 1. */
  bool: make<boolean>({ kind: 'bool' }),
  /** IEEE single precision (§4.6); a number, rounded to single precision on the way out. */
  float: make<number>({ kind: 'float' }),
  /** IEEE double precision (§4.7). */
  double: make<number>({ kind: 'double' }),
  /** Nothing, zero bytes (§4.16): for union arms. */
  void: make<undefined>({ kind: 'void' }),
  /** Enumeration (§4.3): values are the names; on the wire, their ints. */
  enum: enumOf,
  /** Fixed-length opaque data of `length` bytes (§4.9), padded to a multiple of 4. */
  opaque: (length: number): XdrType<Uint8Array> => make({ kind: 'opaque', length: count('opaque length', length) }),
  /** Variable-length opaque data of at most `max` bytes (§4.10). */
  varOpaque: (max = MAX_LENGTH): XdrType<Uint8Array> => make({ kind: 'varOpaque', max: count('varOpaque max', max) }),
  /**
   * String of at most `max` bytes (§4.11). The RFC says ASCII; like most
   * implementations we carry any Unicode string, as UTF-8 bytes, and `max`
   * counts bytes, not characters.
   */
  string: (max = MAX_LENGTH): XdrType<string> => make({ kind: 'string', max: count('string max', max) }),
  /** Fixed-length array of exactly `length` elements (§4.12). */
  array: <T extends XdrType<any>>(of: T, length: number): XdrType<Value<T>[]> => make({ kind: 'array', of, length: count('array length', length) }),
  /** Variable-length array of at most `max` elements (§4.13). */
  varArray: <T extends XdrType<any>>(of: T, max = MAX_LENGTH): XdrType<Value<T>[]> => make({ kind: 'varArray', of, max: count('varArray max', max) }),
  /** Structure (§4.14): `[name, type]` pairs, encoded in this order. */
  struct,
  /**
   * Discriminated union (§4.15): the discriminant is int, unsigned, bool or
   * an enum; arms are keyed by its values (numbers, enum names, or
   * 'true'/'false'); a value is `{ tag, value }`. Without a default arm, a
   * tag with no arm is an error.
   */
  union,
  /**
   * Optional data (§4.19), `t *x`: `null` (or `undefined`) for absent;
   * decodes absent as `null`. (So `optional(xdr.void)` can only be absent.)
   */
  optional: <T extends XdrType<any>>(of: T): XdrType<Value<T> | null> => make({ kind: 'optional', of }),
  /** A type named before it exists, for recursive types (`struct node { int v; node *next; }`). */
  lazy: <V>(get: () => XdrType<V>): XdrType<V> => make({ kind: 'lazy', get }),
};
