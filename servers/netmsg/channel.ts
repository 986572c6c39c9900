/**
 * One NetMsgServer's reliable channel to one peer host, over UDP datagrams that may be lost,
 * duplicated or reordered: plain data, no system calls (the server drives it).
 *
 * - Each data frame carries the sender's session `epoch` and a sequence number (from 1);
 *   the receiver delivers payloads once each, in order (a reorder buffer holds early ones,
 *   a duplicate is dropped and acknowledged again), and answers every data frame with a
 *   cumulative ack (the highest sequence number delivered in order).
 * - The sender keeps each unacknowledged frame and sends it again every `rto` ms; after
 *   `retries` resends without an ack the peer is declared dead (`expired`).
 * - A session reset (the peer was declared dead, or the peer declared this host dead) starts
 *   a new epoch: sequence numbers start again from 1, frames of an older epoch are dropped.
 *
 * @example
 * const c = new Channel(40, 5);
 * const f = c.send({ t: 'ping' }, 0);           // data frame e=1 s=1, due again at 40
 * c.ack(1, 1);                                  // acknowledged: nothing to resend
 */

/** A data frame (k: 'd') or an ack (k: 'a'; `s` is the cumulative ack, `e` the acked sender's epoch). */
export interface Frame<P = unknown> {
  k: 'd' | 'a';
  e: number;
  s: number;
  p?: P;
}

interface Unacked<P> {
  frame: Frame<P>;
  due: number;
  tries: number;
}

/** What an arriving data frame gives: payloads to deliver now (in order), the ack to send, and whether the peer reset its session. */
export interface Arrival<P> {
  deliver: P[];
  ack: Frame<P> | null;
  reset: boolean;
}

export class Channel<P = unknown> {
  /** This side's session number toward the peer (from 1; + 1 on each reset). */
  epoch = 1;
  private nextSeq = 1;
  private readonly unacked = new Map<number, Unacked<P>>();
  /** The peer's session we accept frames of (0: none seen yet), and the lowest we still accept. */
  private theirEpoch = 0;
  private minTheirEpoch = 0;
  private expected = 1;
  private readonly held = new Map<number, P>();
  /** Virtual time of the last data frame sent (for keepalives). */
  lastSent = -Infinity;

  constructor(
    readonly rto: number,
    readonly retries: number,
  ) {}

  /** A new data frame for payload, remembered until acknowledged. */
  send(payload: P, now: number): Frame<P> {
    const frame: Frame<P> = { k: 'd', e: this.epoch, s: this.nextSeq++, p: payload };
    this.unacked.set(frame.s, { frame, due: now + this.rto, tries: 0 });
    this.lastSent = now;
    return frame;
  }

  /** An ack arrived: every frame of this epoch up to s is done. Acks of another epoch are ignored. */
  ack(e: number, s: number): void {
    if (e !== this.epoch) return;
    for (const seq of [...this.unacked.keys()]) if (seq <= s) this.unacked.delete(seq);
  }

  /**
   * A data frame arrived. Returns what to deliver (in order, each once), the ack to send
   * (null for a frame of a session already ended), and `reset` when the frame opens a new
   * session of the peer while one was open (the peer has forgotten this host: the caller
   * cleans up as for a dead peer, then the frame is taken in the new session).
   */
  arrive(frame: Frame<P>): Arrival<P> {
    const out: Arrival<P> = { deliver: [], ack: null, reset: false };
    if (frame.e < this.minTheirEpoch || frame.e < this.theirEpoch) return out;
    if (frame.e > this.theirEpoch) {
      out.reset = this.theirEpoch !== 0 && this.theirEpoch >= this.minTheirEpoch;
      this.theirEpoch = frame.e;
      this.expected = 1;
      this.held.clear();
    }
    if (frame.s >= this.expected) this.held.set(frame.s, frame.p as P);
    while (this.held.has(this.expected)) {
      out.deliver.push(this.held.get(this.expected)!);
      this.held.delete(this.expected++);
    }
    out.ack = { k: 'a', e: frame.e, s: this.expected - 1 };
    return out;
  }

  /** Frames due again at now (each counted as a try), and whether some frame has used up its retries. */
  due(now: number): { resend: Frame<P>[]; expired: boolean } {
    const resend: Frame<P>[] = [];
    let expired = false;
    for (const u of this.unacked.values()) {
      if (u.due > now) continue;
      if (u.tries >= this.retries) expired = true;
      u.tries++;
      u.due = now + this.rto;
      resend.push(u.frame);
    }
    return { resend: expired ? [] : resend, expired };
  }

  /** The earliest time a frame is due again (Infinity when nothing waits for an ack). */
  nextDue(): number {
    let t = Infinity;
    for (const u of this.unacked.values()) t = Math.min(t, u.due);
    return t;
  }

  /** Whether a data frame waits for its ack. */
  get busy(): boolean {
    return this.unacked.size > 0;
  }

  /**
   * Ends this side's session: unacknowledged frames are dropped and the next frame sent opens
   * epoch + 1. With `refuseTheirs` (the peer was declared dead here) frames of the peer's
   * current session are refused from now on; without it (the peer reset first, see `arrive`)
   * its new session goes on.
   */
  reset(refuseTheirs = true): void {
    this.unacked.clear();
    this.epoch++;
    this.nextSeq = 1;
    if (!refuseTheirs) return;
    this.minTheirEpoch = this.theirEpoch + 1;
    this.held.clear();
    this.expected = 1;
  }
}
