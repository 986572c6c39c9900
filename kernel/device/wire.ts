/**
 * The wire: links between hosts (by IPv4 address) with latency, bandwidth, and seeded
 * loss, duplication and reordering, and partitions; each settable per link and changeable
 * at a given virtual time. It runs on the kernel's one clock and draws from the one seeded
 * generator, only for links whose probabilities are above zero (so a wire with perfect
 * links draws nothing, and traces without a network stay unchanged).
 *
 * Every packet handed to the wire becomes a `PacketRecord` (what happened to it);
 * 127.0.0.1, and a packet to its own host, is loopback: delivered at once, never on the wire.
 *
 * Multicast (224.0.0.0–239.255.255.255): the wire is one broadcast segment with no IGMP; a
 * packet to a group address is copied to every attached host, each copy over its own link
 * (its own latency, loss, partition, record), and to the sender's own host at once as loopback
 * (IP_MULTICAST_LOOP). The copies keep the group as `to`; each host's network server keeps
 * the group memberships and drops what no socket of its host joined.
 *
 * @example
 * const wire = new Wire(clock, rng);
 * wire.attach('161.25.19.8', (p) => console.log('got', p.bytes.length, 'at', clock.now()));
 * wire.link('146.86.5.20', '161.25.19.8', { latency: 10 });
 * wire.transmit('146.86.5.20', '161.25.19.8', new Uint8Array(20)); // arrives at t=10
 */
import type { Clock } from '../time/clock.ts';
import type { Random } from '../time/random.ts';

/** The loopback address: never on the wire. */
export const LOOPBACK = '127.0.0.1';

/** Whether addr is an IPv4 multicast group (224.0.0.0/4). */
export function isMulticast(addr: string): boolean {
  const first = parseInt(addr, 10); // the digits before the first dot (cheap: called for every packet)
  return first >= 224 && first <= 239 && /^\d+\.\d+\.\d+\.\d+$/.test(addr);
}

/** A link's properties (one direction each way, both set together). */
export interface LinkProps {
  /** One-way delay (ms), default 1. */
  latency: number;
  /** Bytes per ms (default Infinity: no serialization delay). */
  bandwidth: number;
  /** Probability a packet is lost (0–1, default 0). */
  loss: number;
  /** Probability a packet is delivered twice (default 0). */
  duplicate: number;
  /** Probability a packet is held back one extra latency, so later ones overtake it (default 0). */
  reorder: number;
}

/** What happened to a packet. */
export type PacketFate = 'delivered' | 'lost' | 'duplicated' | 'reordered' | 'partitioned' | 'no-route';

/** One packet on the wire, as the trace shows it. */
export interface PacketRecord {
  /** Packet number on this wire (from 1). */
  seq: number;
  /** Virtual time it was sent (ms). */
  t: number;
  from: string;
  to: string;
  size: number;
  fate: PacketFate;
  /** When it arrives (ms), unless lost or dropped. */
  arrives: number | null;
  /** Copies delivered: 0 (lost, dropped), 1, or 2 (duplicated, even when also reordered). */
  copies: number;
  /** The multicast group the packet was sent to (`to` is then the host this copy went to). */
  group?: string;
  /** What the sender attached (a TCP header: flags, seq, ack), for packet tables. */
  meta?: unknown;
}

/** A packet as the receiving host's device gets it. */
export interface Packet {
  seq: number;
  from: string;
  to: string;
  bytes: Uint8Array;
  /** Anything the sender attached (a socket server's header, say). */
  meta?: unknown;
}

const DEFAULTS: LinkProps = { latency: 1, bandwidth: Infinity, loss: 0, duplicate: 0, reorder: 0 };

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function checkProps(p: Partial<LinkProps>): void {
  for (const k of ['loss', 'duplicate', 'reorder'] as const) {
    const v = p[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`link.${k} must be a probability from 0 to 1, got ${v}`);
  }
  if (p.latency !== undefined && !(p.latency >= 0 && Number.isFinite(p.latency))) throw new RangeError(`link.latency must be ms ≥ 0, got ${p.latency}`);
  if (p.bandwidth !== undefined && !(p.bandwidth > 0)) throw new RangeError(`link.bandwidth must be bytes/ms > 0, got ${p.bandwidth}`);
}

/** The network between hosts. See the module's example. */
export class Wire {
  /** Every packet that went on the wire, in the order sent. */
  readonly packets: PacketRecord[] = [];
  private readonly hosts = new Map<string, (p: Packet) => void>();
  private readonly links = new Map<string, LinkProps>();
  private readonly partitions = new Map<string, { from: number; until: number }[]>();
  /** Per direction: when the link is free to put the next packet on (bandwidth). */
  private readonly busyUntil = new Map<string, number>();
  /** pairKey(a, b), made once per pair (the wire looks it up for every packet). */
  private readonly keys = new Map<string, Map<string, string>>();
  private seq = 0;

  /** onPacket sees each record as it is made (the kernel turns it into a trace record). */
  constructor(
    private readonly clock: Clock,
    private readonly rng: Random,
    private readonly onPacket: (r: PacketRecord) => void = () => {},
  ) {}

  /** Attaches a host's network device: deliver gets every packet that reaches addr. Throws on a second attach. */
  attach(addr: string, deliver: (p: Packet) => void): void {
    if (this.hosts.has(addr)) throw new Error(`host ${addr} is already on the wire`);
    this.hosts.set(addr, deliver);
  }

  /**
   * Takes a host off the wire (it crashed): packets sent to it from now on are 'no-route',
   * and those already in flight to it are dropped on arrival. Detaching a host that is not
   * attached does nothing.
   */
  detach(addr: string): void {
    this.hosts.delete(addr);
  }

  /** The link between a and b now (defaults where never set). */
  props(a: string, b: string): LinkProps {
    return this.links.size === 0 ? DEFAULTS : (this.links.get(this.key(a, b)) ?? DEFAULTS);
  }

  /** The key of the pair a, b (either order), from a cache. */
  private key(a: string, b: string): string {
    let row = this.keys.get(a);
    if (!row) this.keys.set(a, (row = new Map()));
    let k = row.get(b);
    if (k === undefined) row.set(b, (k = pairKey(a, b)));
    return k;
  }

  /**
   * Sets the link between a and b (both directions), now or at virtual time `at`; unset
   * fields keep their value. Throws a RangeError on a bad value.
   */
  link(a: string, b: string, props: Partial<LinkProps>, opts: { at?: number } = {}): void {
    checkProps(props);
    const apply = (): void => void this.links.set(pairKey(a, b), { ...this.props(a, b), ...props });
    const at = opts.at ?? this.clock.now();
    if (at <= this.clock.now()) apply();
    else this.clock.after(at - this.clock.now(), apply);
  }

  /** Cuts a from b during [from, until) (default: from now, for ever): packets sent then are dropped. */
  partition(a: string, b: string, opts: { from?: number; until?: number } = {}): void {
    const w = { from: opts.from ?? this.clock.now(), until: opts.until ?? Infinity };
    if (!(w.until > w.from)) throw new RangeError(`partition: until (${w.until}) must be after from (${w.from})`);
    const k = pairKey(a, b);
    this.partitions.set(k, [...(this.partitions.get(k) ?? []), w]);
  }

  /** Whether a and b are cut off from each other at virtual time t. */
  partitioned(a: string, b: string, t = this.clock.now()): boolean {
    if (this.partitions.size === 0) return false;
    return (this.partitions.get(this.key(a, b)) ?? []).some((w) => t >= w.from && t < w.until);
  }

  /**
   * Hands a packet to the wire. Loopback (to 127.0.0.1 or to its own host) is delivered to
   * `from` at once and makes no record. A multicast group goes to every attached host (see
   * the module header). Returns the record (null for loopback; for multicast, the first
   * copy's record, or null when no other host is attached).
   */
  transmit(from: string, to: string, bytes: Uint8Array, meta?: unknown): PacketRecord | null {
    if (to === LOOPBACK || to === from) {
      const deliver = this.hosts.get(from);
      const p: Packet = { seq: 0, from, to: from, bytes, meta };
      if (deliver) this.clock.after(0, () => deliver(p));
      return null;
    }
    if (isMulticast(to)) {
      let first: PacketRecord | null = null;
      for (const [host, deliver] of [...this.hosts]) {
        if (host !== from) {
          const rec = this.send(from, host, to, bytes, meta);
          first ??= rec;
          continue;
        }
        const p: Packet = { seq: 0, from, to, bytes, meta };
        this.clock.after(0, () => deliver(p));
      }
      return first;
    }
    return this.send(from, to, to, bytes, meta);
  }

  /** One packet over the link from → host, addressed to `to` (host itself, or a group). */
  private send(from: string, host: string, to: string, bytes: Uint8Array, meta: unknown): PacketRecord {
    const now = this.clock.now();
    const seq = ++this.seq;
    const rec: PacketRecord = { seq, t: now, from, to: host, size: bytes.length, fate: 'delivered', arrives: null, copies: 0 };
    if (to !== host) rec.group = to;
    if (meta !== undefined) rec.meta = meta;
    const deliver = this.hosts.get(host);
    const l = this.props(from, host);
    if (!deliver) rec.fate = 'no-route';
    else if (this.partitioned(from, host, now)) rec.fate = 'partitioned';
    else if (l.loss > 0 && this.rng.next() < l.loss) rec.fate = 'lost';
    else {
      // Serialization: a link with finite bandwidth is busy until the packet is on it. A link
      // that never had one is free at once (no entry, no key: the common case costs nothing).
      let done = now;
      if (l.bandwidth !== Infinity || this.busyUntil.size > 0) {
        const dir = `${from}>${host}`;
        const start = Math.max(now, this.busyUntil.get(dir) ?? now);
        done = start + (l.bandwidth === Infinity ? 0 : bytes.length / l.bandwidth);
        this.busyUntil.set(dir, done);
      }
      let arrives = done + l.latency;
      if (l.reorder > 0 && this.rng.next() < l.reorder) {
        rec.fate = 'reordered';
        arrives += Math.max(l.latency, 1);
      }
      const twice = l.duplicate > 0 && this.rng.next() < l.duplicate;
      if (twice && rec.fate === 'delivered') rec.fate = 'duplicated';
      rec.arrives = arrives;
      rec.copies = twice ? 2 : 1;
      const p: Packet = { seq, from, to, bytes, meta };
      this.clock.after(arrives - now, () => this.arrive(host, deliver, p));
      if (twice) this.clock.after(arrives - now, () => this.arrive(host, deliver, { ...p, bytes: bytes.slice() }));
    }
    this.packets.push(rec);
    this.onPacket(rec);
    return rec;
  }

  /** A packet reaches host: delivered only if the host is still on the wire (it may have crashed since it was sent). */
  private arrive(host: string, deliver: (p: Packet) => void, p: Packet): void {
    if (this.hosts.get(host) === deliver) deliver(p);
  }
}
