/**
 * The trace's record store: the latest `limit` records kept without an object
 * each. A record handed to the store is copied into flat arrays and let go, so
 * it dies young (a scavenge frees it for nothing) instead of living in the old
 * generation until the ring drops it. Kept objects, and the fresh strings in
 * them, were what made records cost 3–6× a round trip (bench/README.md,
 * "Where the time goes").
 *
 * Layout, per slot of the ring:
 * - `shape[slot]`: the record's keys in their order (an id into a trie of key
 *   sequences, shared by every record with the same keys in the same order);
 * - `t[slot]`: virtual time, in a Float64Array (no boxed number);
 * - `vals[slot * STRIDE + j]` (in chunks of CHUNK slots): the value of the j-th key other than `t`, as is:
 *   numbers, and strings that are shared anyway (task names, labels, kinds,
 *   code names), are not copied. A record with more than STRIDE such keys
 *   keeps the rest in `extra` (rare: the widest kernel records have 13);
 * - the text of `detail` and `text` (made afresh for each record: "receive on
 *   port 9 (name 5 of pong)", a body's preview) is copied into a ring of UTF-16
 *   code units (`chars`), so that no new string outlives its record's young
 *   generation; `vals` then holds its offset in the record's block of chars
 *   (`cstart[slot]`), and bit j of `inChars[slot]` says so. Texts longer than
 *   MAX_CHARS are kept as strings.
 *
 * Reading a record back (`get`) builds an object with the same keys in the
 * same order and the same values: `JSON.stringify` of it is the same text as
 * of the record that was emitted, and `toStrictEqual` holds (an own key set to
 * `undefined` is kept as such).
 */
import type { TraceRecord } from './trace.ts';

/** Values kept inline per record (keys other than a numeric `t`). */
const STRIDE = 12;

/** Slots per chunk of `vals` (a power of two). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;

/** Longest `detail` or `text` copied into the char ring (longer ones are kept as strings). */
const MAX_CHARS = 1024;

/** Where a key's value is kept: `vals` (a string copied into the char ring when its key is `detail` or `text`), the `t` column, or nowhere (`seq`: the record's place in the run). */
const VAL = 0;
const TEXT = 1;
const TIME = 2;
const SEQ = 3;

/** The trie's edge for a key `t` whose value is not a number (kept in `vals` like any other key). */
const T_BOXED = '\u0000t';
/** The trie's edge for `seq`: its value is not kept, it is the record's seq. */
const SEQ_EDGE = 'seq';

/** One node of the key-sequence trie: the keys from the root to here, in order. */
export class Shape {
  /** The record's keys, in order. */
  readonly keys: readonly string[];
  /** Per key: where its value is (VAL, TEXT, TIME, SEQ). */
  readonly where: readonly number[];
  /** Number of keys whose values are in `vals`. */
  readonly width: number;
  /** Where the value of the key on the edge into this node goes. */
  readonly role: number;
  /** The last child looked up: a step without the search. */
  k1: string | undefined = undefined;
  c1: Shape | undefined = undefined;
  /** Children by edge (a short list, searched). */
  private readonly edges: string[] = [];
  private readonly kids: Shape[] = [];

  constructor(
    readonly id: number,
    keys: readonly string[],
    where: readonly number[],
    private readonly all: Shape[],
  ) {
    this.keys = keys;
    this.where = where;
    this.role = where.length === 0 ? VAL : where[where.length - 1]!;
    let w = 0;
    for (const x of where) if (x === VAL || x === TEXT) w++;
    this.width = w;
  }

  /** The node for these keys followed by `edge` (a key, or T_BOXED for a `t` that is not a number). */
  step(edge: string): Shape {
    const edges = this.edges;
    let child: Shape | undefined;
    for (let i = 0; i < edges.length; i++) {
      if (edges[i] === edge) {
        child = this.kids[i]!;
        break;
      }
    }
    if (child === undefined) {
      const role = edge === 't' ? TIME : edge === SEQ_EDGE ? SEQ : edge === 'detail' || edge === 'text' ? TEXT : VAL;
      child = new Shape(this.all.length, [...this.keys, edge === T_BOXED ? 't' : edge], [...this.where, role], this.all);
      this.all.push(child);
      edges.push(edge);
      this.kids.push(child);
    }
    this.k1 = edge;
    this.c1 = child;
    return child;
  }
}

/** A ring of records in flat arrays (see the module header). */
export class RecordStore {
  private readonly shapes: Shape[] = [];
  private readonly root: Shape;
  private shape = new Uint32Array(0);
  private t = new Float64Array(0);
  private inChars = new Uint16Array(0);
  /** Absolute position (in `chars`, before the mask) of each record's first code unit. */
  private cstart = new Float64Array(0);
  /** Values, in chunks of CHUNK slots (so growing never copies them). */
  private chunks: unknown[][] = [];
  private extra: Map<number, unknown[]> | null = null;
  /** Slots allocated (grows by doubling up to `limit`). */
  private cap = 0;
  /** Records kept. */
  private count = 0;
  /** Slot of the oldest kept record. */
  private head = 0;
  /** The char ring: a power of two long; code unit at absolute position p is chars[p & cmask]. */
  private chars = new Uint16Array(1024);
  private cmask = 1023;
  /** Absolute position of the next code unit to write. */
  private ctail = 0;

  /** limit: how many records to keep (≥ 1, or Infinity). */
  constructor(private readonly limit: number) {
    this.root = new Shape(0, [], [], this.shapes);
    this.shapes.push(this.root);
  }

  /** Records kept now. */
  get length(): number {
    return this.count;
  }

  /** The width of the record `claim` dropped, or -1 when it dropped none. */
  private stale = -1;

  /**
   * The slot the next record goes to: the next free one, or (when `limit` are
   * kept) the oldest record's, which is dropped (`stale` says its width).
   */
  private claim(): number {
    if (this.count < this.limit) {
      const slot = this.count;
      if (slot === this.cap) this.grow();
      this.count++;
      this.stale = -1;
      return slot;
    }
    const slot = this.head;
    this.head = slot + 1 === this.cap ? 0 : slot + 1;
    this.stale = this.shapes[this.shape[slot]!]!.width;
    if (this.extra !== null) this.extra.delete(slot);
    return slot;
  }

  /**
   * Keeps `rec` (the oldest record goes when `limit` are kept). Its `seq` is
   * not kept: `get` is told it. A `seq` key of rec keeps its place; a record
   * without one reads back with `seq` after its other keys (where
   * `Trace.emit` would have added it). Returns true when a record was dropped.
   */
  push(rec: Omit<TraceRecord, 'seq'>): boolean {
    const slot = this.claim();
    const stale = this.stale;
    const dropped = stale >= 0;
    const start = this.ctail;
    this.cstart[slot] = start;
    const vals = this.chunks[slot >>> CHUNK_BITS]!;
    const base = (slot & (CHUNK - 1)) * STRIDE;
    let node = this.root;
    let j = 0;
    let inChars = 0;
    let seqSeen = false;
    const r = rec as unknown as Record<string, unknown>;
    for (const key in r) {
      let v = r[key];
      node = node.k1 === key ? node.c1! : node.step(key);
      const role = node.role;
      if (role !== VAL) {
        if (role === TIME) {
          if (typeof v === 'number') {
            this.t[slot] = v;
            continue;
          }
          node = this.parentOf(node).step(T_BOXED);
        } else if (role === SEQ) {
          seqSeen = true;
          continue;
        } else if (typeof v === 'string' && v.length <= MAX_CHARS && j < 16) {
          const off = this.ctail - start;
          this.putChars(v);
          inChars |= 1 << j;
          v = off;
        }
      }
      if (j < STRIDE) vals[base + j] = v;
      else {
        let more = (this.extra ??= new Map()).get(slot);
        if (more === undefined) this.extra.set(slot, (more = []));
        more.push(v);
      }
      j++;
    }
    if (!seqSeen) node = node.k1 === SEQ_EDGE ? node.c1! : node.step(SEQ_EDGE);
    // Slots the dropped record used and this one does not: cleared, so the ring holds nothing it does not show.
    for (let i = j, end = Math.min(stale, STRIDE); i < end; i++) vals[base + i] = undefined;
    this.shape[slot] = node.id;
    this.inChars[slot] = inChars;
    return dropped;
  }

  /**
   * The shape of a record whose keys are `keys` in this order, with a numeric
   * `t` and `seq` last (for `pushShaped`; look it up once and keep it).
   */
  shapeOf(keys: readonly string[]): Shape {
    let node = this.root;
    for (const key of keys) node = node.step(key);
    return node.step(SEQ_EDGE);
  }

  /**
   * Keeps a record of a known shape (from `shapeOf`, no `detail` or `text`
   * key) without an object: t, then the other keys' values in order (up to
   * six; extra arguments are ignored). The same as `push` of that record.
   * Returns true when a record was dropped.
   */
  pushShaped(shape: Shape, t: number, v0: unknown, v1: unknown, v2: unknown, v3: unknown, v4?: unknown, v5?: unknown): boolean {
    const slot = this.claim();
    const stale = this.stale;
    const dropped = stale >= 0;
    this.cstart[slot] = this.ctail;
    this.t[slot] = t;
    const vals = this.chunks[slot >>> CHUNK_BITS]!;
    const base = (slot & (CHUNK - 1)) * STRIDE;
    const w = shape.width;
    vals[base] = v0;
    vals[base + 1] = v1;
    vals[base + 2] = v2;
    vals[base + 3] = v3;
    if (w > 4) vals[base + 4] = v4;
    if (w > 5) vals[base + 5] = v5;
    for (let i = w, end = Math.min(stale, STRIDE); i < end; i++) vals[base + i] = undefined;
    this.shape[slot] = shape.id;
    this.inChars[slot] = 0;
    return dropped;
  }

  /** The node one key shorter (for the rare `t` that is not a number). */
  private parentOf(node: Shape): Shape {
    let p = this.root;
    for (let i = 0; i < node.keys.length - 1; i++) p = p.step(node.keys[i]!);
    return p;
  }

  /** The i-th kept record (0 = the oldest), whose seq is `seq`, as a new object. */
  get(i: number, seq: number): TraceRecord {
    let slot = this.head + i;
    if (slot >= this.cap) slot -= this.cap;
    const shape = this.shapes[this.shape[slot]!]!;
    const keys = shape.keys;
    const where = shape.where;
    const vals = this.chunks[slot >>> CHUNK_BITS]!;
    const base = (slot & (CHUNK - 1)) * STRIDE;
    const more = shape.width > STRIDE ? this.extra!.get(slot)! : null;
    const inChars = this.inChars[slot]!;
    const o: Record<string, unknown> = {};
    let j = 0;
    for (let n = 0; n < keys.length; n++) {
      const key = keys[n]!;
      const w = where[n]!;
      if (w === TIME) o.t = this.t[slot];
      else if (w === SEQ) o[key] = seq;
      else {
        const v = j < STRIDE ? vals[base + j] : more![j - STRIDE];
        o[key] = j < 16 && (inChars & (1 << j)) !== 0 ? this.getChars(this.cstart[slot]! + (v as number)) : v;
        j++;
      }
    }
    return o as unknown as TraceRecord;
  }

  /** Appends s to the char ring as its length then its code units. */
  private putChars(s: string): void {
    const need = s.length + 1;
    const oldest = this.cstart[this.head]!;
    if (this.ctail + need - oldest > this.chars.length) this.growChars(this.ctail + need - oldest, oldest);
    const chars = this.chars;
    const mask = this.cmask;
    let p = this.ctail;
    chars[p++ & mask] = s.length;
    for (let i = 0; i < s.length; i++) chars[p++ & mask] = s.charCodeAt(i);
    this.ctail = p;
  }

  /** The string written by putChars at absolute position p. */
  private getChars(p: number): string {
    const chars = this.chars;
    const mask = this.cmask;
    const len = chars[p & mask]!;
    const from = (p + 1) & mask;
    if (from + len <= chars.length) return String.fromCharCode.apply(null, chars.subarray(from, from + len) as unknown as number[]);
    const first = chars.length - from;
    return (
      String.fromCharCode.apply(null, chars.subarray(from) as unknown as number[]) +
      String.fromCharCode.apply(null, chars.subarray(0, len - first) as unknown as number[])
    );
  }

  /** Makes the char ring hold at least `live` code units, keeping those from `oldest` on at their absolute positions. */
  private growChars(live: number, oldest: number): void {
    let size = this.chars.length * 2;
    while (size < live) size *= 2;
    const next = new Uint16Array(size);
    const mask = size - 1;
    const old = this.chars;
    const oldMask = this.cmask;
    for (let p = oldest; p < this.ctail; p++) next[p & mask] = old[p & oldMask]!;
    this.chars = next;
    this.cmask = mask;
  }

  private grow(): void {
    const cap = Math.min(this.limit, Math.max(1024, this.cap * 2));
    const shape = new Uint32Array(cap);
    shape.set(this.shape);
    const t = new Float64Array(cap);
    t.set(this.t);
    const inChars = new Uint16Array(cap);
    inChars.set(this.inChars);
    const cstart = new Float64Array(cap);
    cstart.set(this.cstart);
    this.shape = shape;
    this.t = t;
    this.inChars = inChars;
    this.cstart = cstart;
    while (this.chunks.length * CHUNK < cap) this.chunks.push(new Array<unknown>(CHUNK * STRIDE).fill(undefined));
    this.cap = cap;
  }
}
