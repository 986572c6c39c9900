/**
 * Hosts in a trace, for the renderers. A simulation with several hosts writes one trace: a
 * record made on another host than the default one carries `host` (its address); a record
 * of the default host carries none, so that one-host traces stay as they always were; and a
 * 'packet' record (the wire's, pid 0) names its sending and receiving hosts in `src` and `dst`.
 *
 * The renderers group by host only when some record carries `host` (a one-host trace renders
 * exactly as before). The default host's name is what the caller says (`hosts`, e.g.
 * `k.hosts`, whose first entry is the default host); else the first address a packet record
 * names that no record's `host` does; else `default`.
 */
import type { TraceRecord } from './trace.ts';

/** The hosts of a trace, in order: the default host first, then the others as they first appear. */
export interface TraceHosts {
  /** The default host's name (its address, or `default`). */
  readonly main: string;
  /** Every host, the default one first; a host named in `hosts` but absent from the records is still listed. */
  readonly list: readonly string[];
  /** The host a record happened on (the default host for a record without `host`). */
  of(r: TraceRecord): string;
}

/**
 * The hosts a trace's records come from, or null when no record carries `host` (a trace of
 * one host: renderers then draw no groups). `hosts`, when given, names them (default first).
 *
 * @example
 * traceHosts(k.trace.records, k.hosts)?.list // ['146.86.5.20', '161.25.19.8']
 */
export function traceHosts(records: readonly TraceRecord[], hosts?: readonly string[]): TraceHosts | null {
  const seen: string[] = [];
  const known = new Set<string>();
  for (const r of records) {
    const h = r.host;
    if (h !== undefined && !known.has(h)) {
      known.add(h);
      seen.push(h);
    }
  }
  if (seen.length === 0) return null;
  let main = hosts?.[0];
  if (main === undefined) {
    for (const r of records) {
      if (r.kind !== 'packet') continue;
      const a = r.src !== undefined && !known.has(r.src) ? r.src : r.dst !== undefined && !known.has(r.dst) ? r.dst : undefined;
      if (a !== undefined) {
        main = a;
        break;
      }
    }
  }
  main ??= 'default';
  const list = [main];
  for (const h of hosts ?? []) if (!list.includes(h)) list.push(h);
  for (const h of seen) if (!list.includes(h)) list.push(h);
  const name = main;
  return { main: name, list, of: (r) => r.host ?? name };
}
