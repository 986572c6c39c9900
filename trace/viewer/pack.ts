import type { TraceRecord } from '../trace.ts';

/**
 * A trace in columns, as the viewer page embeds it: one entry per field, each
 * holding only the records that have the field. Strings are interned once;
 * record indexes and monotone integers (seq, t) are delta-coded, so a 100k
 * record run takes a few MB of JSON instead of a hundred objects' worth each.
 */
export interface PackedTrace {
  /** Format version. */
  v: 1;
  /** Number of records. */
  n: number;
  /** Interned strings; string columns hold indexes into this. */
  s: string[];
  /** Columns: [field, flags (1 = strings, 2 = values delta-coded), present (0 = every record, else delta-coded indexes), values]. */
  c: [string, number, number[] | 0, number[]][];
}

const FIRST = ['seq', 't', 'kind', 'pid', 'task'];

/**
 * Packs records into columns (see PackedTrace). Values other than finite
 * numbers and strings are kept as text.
 *
 * @example
 * packTrace([{ seq: 0, t: 0, kind: 'log', pid: 1, task: 'a', detail: 'hi' }])
 * // { v: 1, n: 1, s: ['log', 'a', 'hi'], c: [['seq', 2, 0, [0]], ['t', 2, 0, [0]], ['kind', 1, 0, [0]], …] }
 */
export function packTrace(records: readonly TraceRecord[]): PackedTrace {
  const fields: string[] = [...FIRST];
  const seen = new Set(fields);
  for (const r of records) {
    for (const key in r) {
      if (!seen.has(key)) {
        seen.add(key);
        fields.push(key);
      }
    }
  }
  const strings: string[] = [];
  const interned = new Map<string, number>();
  const intern = (text: string): number => {
    let i = interned.get(text);
    if (i === undefined) {
      i = strings.length;
      strings.push(text);
      interned.set(text, i);
    }
    return i;
  };
  const columns: PackedTrace['c'] = [];
  for (const field of fields) {
    const at: number[] = [];
    const raw: unknown[] = [];
    records.forEach((r, i) => {
      const value = (r as unknown as Record<string, unknown>)[field];
      if (value === undefined) return;
      at.push(i);
      raw.push(value);
    });
    if (at.length === 0) continue;
    const numeric = raw.every((x) => typeof x === 'number' && Number.isFinite(x));
    let flags = 0;
    let values: number[];
    if (!numeric) {
      flags = 1;
      values = raw.map((x) => intern(typeof x === 'string' ? x : typeof x === 'number' ? String(x) : JSON.stringify(x) ?? String(x)));
    } else {
      values = raw as number[];
      const monotoneInts = values.every((x, i) => Number.isSafeInteger(x) && (i === 0 || x >= values[i - 1]!));
      if (monotoneInts && values.length > 1) {
        flags = 2;
        values = values.map((x, i) => (i === 0 ? x : x - values[i - 1]!));
      }
    }
    const present = at.length === records.length ? 0 : at.map((x, i) => (i === 0 ? x : x - at[i - 1]!));
    columns.push([field, flags, present, values]);
  }
  return { v: 1, n: records.length, s: strings, c: columns };
}

/**
 * Unpacks a PackedTrace back into records (the page's script runs this; it
 * refers to nothing outside itself).
 *
 * @example
 * unpackTrace(packTrace(k.trace.records)) // deep-equals k.trace.records
 */
export function unpackTrace(packed: PackedTrace): TraceRecord[] {
  const n = packed.n;
  const out: Record<string, unknown>[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = {};
  for (const [field, flags, present, values] of packed.c) {
    let index = -1;
    let value = 0;
    for (let j = 0; j < values.length; j++) {
      index = present === 0 ? j : index < 0 ? present[0]! : index + present[j]!;
      value = flags & 2 && j > 0 ? value + values[j]! : values[j]!;
      out[index]![field] = flags & 1 ? packed.s[value] : value;
    }
  }
  return out as unknown as TraceRecord[];
}
