/**
 * The server's history of calls, for at-most-once and exactly-once: a
 * duplicate request cache keyed by (client, xid), each entry with the time
 * it was made and the reply it got, so a retransmission or a duplicate the
 * network made is answered from here and never executed twice.
 *
 * A client is named by its credential (AUTH_SYS: machine name, stamp, uid;
 * see `clientKey`): an anonymous (AUTH_NONE) call cannot be recognised as a
 * repeat, so it is never kept (that is at-least-once). Entries expire `ttl`
 * ms after they were made. An exactly-once client acknowledges each reply;
 * the acknowledgement drops the entry and raises the client's watermark, so
 * a late duplicate of an acknowledged call (the network can delay one past
 * the ack) is still recognised and dropped, with one number per client
 * instead of one reply per call. Xids compare as serial numbers (RFC 1982),
 * so a client's xids may wrap past 2^32.
 */

/** What the history says about a call. */
export type Seen = { kind: 'new' } | { kind: 'replay'; reply: Uint8Array; at: number } | { kind: 'acked' };

interface Entry {
  reply: Uint8Array;
  at: number;
}

/** a is after b, in 32-bit serial-number arithmetic (RFC 1982). */
export const after = (a: number, b: number): boolean => a !== b && ((a - b) >>> 0) < 0x8000_0000;

/** Figures of a history, for reports and tests. */
export interface HistoryStats {
  /** Entries kept now. */
  entries: number;
  /** Calls answered from the history (duplicates not executed). */
  replays: number;
  /** Calls dropped because their client had acknowledged them. */
  lateDuplicates: number;
  /** Entries dropped by an acknowledgement. */
  acked: number;
  /** Entries dropped because they were older than the ttl. */
  expired: number;
}

/**
 * A history with entries that live `ttl` ms. Not shared between servers.
 *
 * @example
 * const h = new History(1000);
 * h.check('pid 5', 7, now);           // { kind: 'new' }: execute, then
 * h.remember('pid 5', 7, reply, now);
 * h.check('pid 5', 7, now + 3);       // { kind: 'replay', reply, at: now }
 * h.ack('pid 5', 7);                  // true; h.check('pid 5', 7, …) is { kind: 'acked' }
 */
export class History {
  private readonly entries = new Map<string, Entry>();
  /** Per client: the highest xid it acknowledged, and when. */
  private readonly acks = new Map<string, { xid: number; at: number }>();
  readonly stats: HistoryStats = { entries: 0, replays: 0, lateDuplicates: 0, acked: 0, expired: 0 };

  constructor(readonly ttl: number) {}

  /** What to do with call `xid` of `client` at time `now` (expires old entries first). */
  check(client: string, xid: number, now: number): Seen {
    this.expire(now);
    const acked = this.acks.get(client);
    if (acked && !after(xid, acked.xid)) {
      this.stats.lateDuplicates++;
      return { kind: 'acked' };
    }
    const e = this.entries.get(`${client}#${xid}`);
    if (!e) return { kind: 'new' };
    this.stats.replays++;
    return { kind: 'replay', reply: e.reply, at: e.at };
  }

  /** Keeps the reply of call `xid` of `client`, made at `now`. */
  remember(client: string, xid: number, reply: Uint8Array, now: number): void {
    this.entries.set(`${client}#${xid}`, { reply, at: now });
    this.stats.entries = this.entries.size;
  }

  /** The client acknowledged call `xid`: drops its entry, raises its watermark. Returns whether an entry was dropped. */
  ack(client: string, xid: number, now = 0): boolean {
    const prev = this.acks.get(client);
    if (!prev || after(xid, prev.xid)) this.acks.set(client, { xid, at: now });
    const dropped = this.entries.delete(`${client}#${xid}`);
    if (dropped) this.stats.acked++;
    this.stats.entries = this.entries.size;
    return dropped;
  }

  /** Drops entries (and watermarks) older than the ttl. Map order is insertion order, so the oldest come first. */
  expire(now: number): void {
    for (const [key, e] of this.entries) {
      if (now - e.at < this.ttl) break;
      this.entries.delete(key);
      this.stats.expired++;
    }
    for (const [client, a] of this.acks) if (now - a.at >= this.ttl) this.acks.delete(client);
    this.stats.entries = this.entries.size;
  }
}
