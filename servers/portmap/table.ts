/**
 * The port mapper's table, with no system calls: registrations, the pools that load balancing
 * chooses among, leases, and which registrations a dead server takes with it.
 *
 * Decisions (the README's "Port mapper" section repeats them):
 * - A pool is every registration of one (prog, vers, prot); several servers may register one
 *   service at different ports. SET of a mapping whose (prog, vers, prot, port) is registered
 *   already answers false (RFC 1833), except a leased one, which the SET renews (true).
 * - GETPORT answers one member of the pool, 0 when it is empty:
 *   `round-robin`: the next member in registration order after the one last handed out
 *   (wrapping; a member that joins or leaves keeps the order of the rest);
 *   `least-loaded`: the member with the least load, the earliest registered among equals,
 *   where load = the figure the server last reported (PMAPLOAD.report, 0 until it does) +
 *   the GETPORTs that named it since. With no reports this hands out turns evenly; a server
 *   that reports itself busy is skipped until the others have been handed as many clients.
 * - Failover: a registration that came with a send right (a local server, over Mach) is
 *   dropped when that right's port dies (the mapper's dead-name notification); one without
 *   (over UDP, or over Mach without a right) holds a lease: it is dropped `lease` ms after its
 *   last SET, when the mapper next handles a call (lazily, on the virtual clock).
 * - UNSET (prog, vers) removes every registration of it, as RFC 1833 says; as an extension, a
 *   non-zero prot or port narrows it to that protocol or port (one instance leaving its pool).
 */
import { FIRST_ASSIGNED_PORT, IPPROTO_MACH, type Mapping } from '../rpc/portmap-defs.ts';

/** How GETPORT chooses among several servers of one (prog, vers, prot). */
export type Balance = 'round-robin' | 'least-loaded';
export const BALANCES: readonly Balance[] = ['round-robin', 'least-loaded'];

/** One registration. */
export interface Registration {
  /** Order of registration (1, 2, …; never reused). */
  readonly seq: number;
  readonly map: Mapping;
  /** The send right that came with the SET (the mapper's name for it), or 0: then it holds a lease. */
  readonly right: number;
  /** When the lease runs out (Infinity for a registration with a right). */
  expires: number;
  /** The load the server last reported. */
  reported: number;
  /** GETPORTs that named it since its last report. */
  given: number;
  /** GETPORTs that named it in all. */
  handedOut: number;
}

/** What SET came to. */
export type SetResult = { ok: true; reg: Registration; renewed: boolean } | { ok: false; why: string };

const samePool = (a: Mapping, b: Mapping) => a.prog === b.prog && a.vers === b.vers && a.prot === b.prot;

/** The table; see the module header for its rules. */
export class PortmapTable {
  private readonly regs: Registration[] = [];
  private seq = 0;
  private nextPort = FIRST_ASSIGNED_PORT;
  /** Per pool key, the seq of the member last handed out (round robin). */
  private readonly last = new Map<string, number>();

  constructor(
    readonly balance: Balance = 'round-robin',
    /** ms a registration without a right lives after its SET. */
    readonly lease = 30_000,
  ) {
    if (!BALANCES.includes(balance)) throw new RangeError(`port mapper: balance must be round-robin or least-loaded, got ${String(balance)}`);
    if (!(lease > 0)) throw new RangeError(`port mapper: lease must be > 0 ms, got ${lease}`);
  }

  /** Every live registration, in registration order. */
  get all(): readonly Registration[] {
    return this.regs;
  }

  /**
   * Registers `map` (with `right`, a send right's name, or 0) at time `now`. An
   * IPPROTO_MACH mapping with port 0 is given the next number from 1024; another with port 0
   * is refused. Returns the registration, or why not.
   */
  set(map: Mapping, right: number, now: number): SetResult {
    if (map.port === 0 && map.prot !== IPPROTO_MACH) return { ok: false, why: 'port 0' };
    const port = map.port !== 0 ? map.port : this.nextPort++;
    const had = this.regs.find((r) => samePool(r.map, map) && r.map.port === port);
    if (had) {
      if (had.right !== 0 || right !== 0) return { ok: false, why: 'registered already' };
      had.expires = now + this.lease;
      return { ok: true, reg: had, renewed: true };
    }
    const reg: Registration = { seq: ++this.seq, map: { ...map, port }, right, expires: right !== 0 ? Infinity : now + this.lease, reported: 0, given: 0, handedOut: 0 };
    this.regs.push(reg);
    return { ok: true, reg, renewed: false };
  }

  /** Removes the registrations UNSET(map) names (see the header); returns them. */
  unset(map: Mapping): Registration[] {
    return this.remove((r) => r.map.prog === map.prog && r.map.vers === map.vers && (map.prot === 0 || r.map.prot === map.prot) && (map.port === 0 || r.map.port === map.port));
  }

  /** Removes every registration that came with `right` (its server died); returns them. */
  dead(right: number): Registration[] {
    return this.remove((r) => r.right === right);
  }

  /** Removes the registrations whose lease ran out by `now`; returns them. */
  expire(now: number): Registration[] {
    return this.remove((r) => r.expires <= now);
  }

  /** Whether some registration still holds `right`. */
  holds(right: number): boolean {
    return this.regs.some((r) => r.right === right);
  }

  /** The pool of (prog, vers, prot), in registration order. */
  pool(map: Mapping): Registration[] {
    return this.regs.filter((r) => samePool(r.map, map));
  }

  /** GETPORT: chooses a member of map's pool by the balance policy and counts it; undefined when the pool is empty. */
  getport(map: Mapping): Registration | undefined {
    const pool = this.pool(map);
    if (pool.length === 0) return undefined;
    let pick: Registration;
    if (this.balance === 'round-robin') {
      const key = `${map.prog}/${map.vers}/${map.prot}`;
      const last = this.last.get(key) ?? 0;
      pick = pool.find((r) => r.seq > last) ?? pool[0]!;
      this.last.set(key, pick.seq);
    } else {
      pick = pool[0]!;
      for (const r of pool) if (r.reported + r.given < pick.reported + pick.given) pick = r;
    }
    pick.given++;
    pick.handedOut++;
    return pick;
  }

  /** A server reports its load: sets it and restarts the count of GETPORTs since. False when `map` is not registered. */
  report(map: Mapping, load: number): boolean {
    const reg = this.regs.find((r) => samePool(r.map, map) && r.map.port === map.port);
    if (!reg) return false;
    reg.reported = load;
    reg.given = 0;
    return true;
  }

  private remove(gone: (r: Registration) => boolean): Registration[] {
    const out: Registration[] = [];
    for (let i = 0; i < this.regs.length; ) {
      if (gone(this.regs[i]!)) out.push(...this.regs.splice(i, 1));
      else i++;
    }
    return out;
  }
}
