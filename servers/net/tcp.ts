/**
 * TCP for the network server: the connection state machine (RFC 793's states), with no
 * system calls in it. The network server feeds it what happens (a call from a client, a
 * segment from the device, the clock passing a deadline) and carries out what it asks in
 * `effects` (segments to hand to the wire, answers to send to waiting clients), in order.
 *
 * What it does, and the decisions the course leaves open:
 * - Three-way handshake: SYN, SYN-ACK, ACK. A SYN to a port nobody listens on is answered with
 *   RST (the client's connect: ECONNREFUSED); a segment for no connection, too.
 * - Sequence numbers: initial ones from a per-host counter (the address's last octet × 1000,
 *   then 1000 more per connection: readable tables, not secure), with no 32-bit wrap-around.
 * - A reliable, in-order byte stream: segments of at most MSS (1460) bytes (65483 over
 *   loopback, as Linux's lo with its 64 KB MTU), at most WINDOW
 *   (64 KB) unacknowledged; the receiver acks every segment at once with the next byte it
 *   wants (cumulative acks), keeps segments that come early until the gap is filled, and
 *   drops what it already has (duplicates). No congestion control and no flow control (the
 *   receive buffer is unbounded; a reader that never reads holds the bytes); a `send` waits
 *   while SNDBUF (256 KB) bytes are still unacknowledged.
 * - Retransmission on timeout, on the virtual clock: the oldest unacknowledged segment (or the
 *   SYN, SYN-ACK or FIN) is sent again after RTO, which starts at 100 ms and doubles per retry
 *   up to 1600 ms, and goes back to 100 ms when an ack moves things on. After 15 retries
 *   without progress (Linux's tcp_retries2; 100+200+400+800+1600×12 = 20.7 s) the connection
 *   ends with ETIMEDOUT: connect, recv and send answer it. Retransmitted segments say
 *   `rtx: true` in their header (and "(rtx)" in their label).
 * - Backlog: as Linux (net.ipv4.tcp_abort_on_overflow = 0), a SYN that finds the listener's
 *   queue full is dropped without an answer, so the client sends it again after its RTO and
 *   gets in once `accept` has made room (or times out). Here the queue counts both half-open
 *   connections (SYN-ACK sent) and complete ones not yet accepted, and holds `backlog` of them.
 * - FIN: `shutdown(SHUT_WR)` or `close` sends FIN after the bytes already written; the peer's
 *   recv reads them and then EOF (empty bytes). A closed socket's connection lives on
 *   (orphaned) until its FIN is acknowledged; its port stays in use until then and through
 *   TIME_WAIT (2 s: 2 × an MSL of 1 s), as on Linux without SO_REUSEADDR.
 * - RST on an open connection: ECONNRESET to recv and send. Closing a listener resets the
 *   connections it had not handed out.
 *
 * @example
 * const tcp = new Tcp({ now: () => sys.now(), newFd: (c) => table.add(c), release: (p) => ports.release(p) });
 * tcp.connect(conn, '161.25.19.8', 80, reply);   // effects: a SYN to send
 * for (const e of tcp.take()) await carryOut(e);
 */
import { EBADF, ECONNREFUSED, ECONNRESET, EINVAL, ENOTCONN, EPIPE, ETIMEDOUT } from './errno.ts';

/** Largest payload of one segment on the wire (bytes): Ethernet's MTU 1500 less 40 bytes of headers. */
export const MSS = 1460;
/** Largest payload over loopback: Linux's lo has an MTU of 65536, so its MSS is 65483. */
export const MSS_LOOPBACK = 65483;
/** Most bytes sent and not yet acknowledged. */
export const WINDOW = 65536;
/** A send waits while this many bytes are unacknowledged. */
export const SNDBUF = 262144;
/** Retransmission timeout: first value, ceiling (ms, virtual), and retries before ETIMEDOUT. */
export const RTO_INITIAL = 100;
export const RTO_MAX = 1600;
export const RETRIES = 15;
/** How long a connection that closed first stays in TIME_WAIT (ms): 2 × MSL. */
export const TIME_WAIT = 2000;
/** shutdown's `how`. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RCVD'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

/** A segment's header, carried as the packet's meta (the payload is the packet's bytes). */
export interface TcpHeader {
  proto: 'tcp';
  sport: number;
  dport: number;
  /** 'SYN', 'SYN,ACK', 'ACK', 'PSH,ACK' (data), 'FIN,ACK', 'RST', 'RST,ACK'. */
  flags: string;
  seq: number;
  ack: number;
  /** Payload bytes. */
  len: number;
  /** Sent again after a timeout. */
  rtx?: boolean;
  /** One line for packet tables and the trace: "SYN seq=1000 ack=0". */
  label: string;
}

/** Which call an answer ends. */
export type TcpCall = 'connect' | 'accept' | 'send' | 'recv';

/** What the engine asks the server to do. */
export type TcpEffect =
  | { kind: 'segment'; host: string; bytes: Uint8Array; meta: TcpHeader }
  | { kind: 'answer'; reply: number; call: TcpCall; body: Record<string, unknown> };

const EMPTY = new Uint8Array(0);
const LOOPBACK = '127.0.0.1';

/** One TCP socket: a listener, a connection, or neither yet (CLOSED). */
export class TcpConn {
  state: TcpState = 'CLOSED';
  /** The descriptor it is known by; null once closed (an orphan finishing its FIN). */
  fd: number | null;
  lport = 0;
  rhost = '';
  rport = 0;
  /** Whether this socket holds lport in the port table (a listener's accepted connections do not). */
  ownsPort = false;
  // a listener
  backlog = 0;
  readonly acceptQ: TcpConn[] = [];
  halfOpen = 0;
  /** SYNs dropped because the queue was full. */
  synDrops = 0;
  readonly acceptWaiters: number[] = [];
  parent: TcpConn | null = null;
  // sending
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  /** Sequence number of sndData[0]: the bytes written and not yet acknowledged. */
  sndBase = 0;
  sndData: Uint8Array = EMPTY;
  finQueued = false;
  finSeq = -1;
  readonly sendWaiters: { reply: number; bytes: Uint8Array }[] = [];
  // receiving
  rcvNxt = 0;
  rcvBuf: Uint8Array[] = [];
  rcvLen = 0;
  readonly early = new Map<number, { bytes: Uint8Array; fin: boolean }>();
  peerFin = false;
  readShut = false;
  readonly recvWaiters: { reply: number; max: number }[] = [];
  connectWaiter: number | null = null;
  // timers
  rto = RTO_INITIAL;
  retries = 0;
  rtoAt: number | null = null;
  twAt: number | null = null;
  /** Segments sent again after a timeout. */
  retransmits = 0;
  /** Why it ended (ECONNRESET, ETIMEDOUT, ECONNREFUSED), 0 if it did not fail. */
  error = 0;

  constructor(fd: number | null) {
    this.fd = fd;
  }
}

/** The address a connection is keyed by: 127.0.0.1 for loopback, whichever name it came by. */
function canonical(host: string, self: string): string {
  return host === self ? LOOPBACK : host;
}

function keyOf(lport: number, rhost: string, rport: number): string {
  return `${lport}|${rhost}|${rport}`;
}

/** The TCP engine of one host. See the module header. */
export class Tcp {
  /** Connections by local port, remote host, remote port. */
  readonly conns = new Map<string, TcpConn>();
  /** Listeners by port. */
  readonly listeners = new Map<number, TcpConn>();
  private effects: TcpEffect[] = [];
  private nextIss = 0;

  constructor(
    private readonly env: {
      /** The virtual clock. */
      now: () => number;
      /** This host's address (loopback packets come from it). */
      self: string;
      /** A descriptor for a connection accept hands out. */
      newFd: (c: TcpConn) => number;
      /** Frees a port an orphaned connection held. */
      release: (port: number) => void;
    },
  ) {
    // Initial sequence numbers: the host's last octet × 1000, then 1000 more per connection.
    const last = Number(env.self.split('.').at(-1));
    this.nextIss = Number.isInteger(last) ? (last % 100) * 1000 : 0;
  }

  /** The effects asked for since the last take, in order. */
  take(): TcpEffect[] {
    const e = this.effects;
    this.effects = [];
    return e;
  }

  /** The earliest deadline of any connection (ms), or null when no timer runs. */
  nextDeadline(): number | null {
    let t: number | null = null;
    for (const c of this.conns.values()) {
      for (const at of [c.rtoAt, c.twAt]) if (at !== null && (t === null || at < t)) t = at;
    }
    return t;
  }

  /** Fires every deadline that has come: retransmissions, ETIMEDOUT, the end of TIME_WAIT. */
  tick(): void {
    const now = this.env.now();
    for (const c of [...this.conns.values()]) {
      if (c.twAt !== null && c.twAt <= now) this.remove(c);
      else if (c.rtoAt !== null && c.rtoAt <= now) this.retransmit(c);
    }
  }

  // --- calls ---------------------------------------------------------------------------------

  /** Makes c (bound to its port) listen. Returns 0, or EINVAL when c is not a fresh socket. */
  listen(c: TcpConn, backlog: number): number {
    if (c.state === 'LISTEN') return (c.backlog = clampBacklog(backlog)), 0;
    if (c.state !== 'CLOSED' || this.listeners.has(c.lport)) return EINVAL;
    c.state = 'LISTEN';
    c.backlog = clampBacklog(backlog);
    this.listeners.set(c.lport, c);
    return 0;
  }

  /** Waits for a connection on listener l; answers `{ code, fd, from, port }`. */
  accept(l: TcpConn, reply: number): void {
    l.acceptWaiters.push(reply);
    this.wakeAccept(l);
  }

  /** Opens c (bound to its port) to host:port: sends SYN; answers `{ code }` once established, refused or timed out. */
  connect(c: TcpConn, host: string, port: number, reply: number): void {
    c.rhost = canonical(host, this.env.self);
    c.rport = port;
    const key = keyOf(c.lport, c.rhost, c.rport);
    const old = this.conns.get(key);
    if (old) this.remove(old); // a TIME_WAIT of the same four numbers: reused, as a new SYN does
    c.iss = this.nextIss += 1000;
    c.sndUna = c.iss;
    c.sndNxt = c.iss + 1;
    c.sndBase = c.iss + 1;
    c.state = 'SYN_SENT';
    c.connectWaiter = reply;
    this.conns.set(key, c);
    this.emit(c, 'SYN', c.iss, 0);
    this.arm(c);
  }

  /** Writes bytes: answers `{ code, n }` once they are in the send buffer (ENOTCONN, EPIPE, ECONNRESET, ETIMEDOUT). */
  send(c: TcpConn, bytes: Uint8Array, reply: number): void {
    const code = c.error || (c.finQueued ? EPIPE : c.state === 'ESTABLISHED' || c.state === 'CLOSE_WAIT' ? 0 : ENOTCONN);
    if (code) return this.answer(reply, 'send', { code });
    c.sendWaiters.push({ reply, bytes });
    this.admitSends(c);
  }

  /** Reads up to max bytes: answers `{ code, bytes }`, empty bytes at EOF (ENOTCONN, ECONNRESET, ETIMEDOUT). */
  recv(c: TcpConn, max: number, reply: number): void {
    if (c.state === 'CLOSED' && !c.error && !c.peerFin && c.rcvLen === 0) return this.answer(reply, 'recv', { code: ENOTCONN });
    if (c.state === 'LISTEN' || c.state === 'SYN_SENT') return this.answer(reply, 'recv', { code: ENOTCONN });
    c.recvWaiters.push({ reply, max: Number.isInteger(max) && max > 0 ? max : 65536 });
    this.wakeRecv(c);
  }

  /** Shuts down reading (SHUT_RD), writing (SHUT_WR: FIN after the bytes written) or both. Returns 0, ENOTCONN, EINVAL. */
  shutdown(c: TcpConn, how: number): number {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return EINVAL;
    if (c.state === 'CLOSED' || c.state === 'LISTEN' || c.state === 'SYN_SENT') return ENOTCONN;
    if (how !== SHUT_WR) {
      c.readShut = true;
      c.rcvBuf = [];
      c.rcvLen = 0;
      this.wakeRecv(c);
    }
    if (how !== SHUT_RD && !c.finQueued) {
      c.finQueued = true;
      this.output(c);
    }
    return 0;
  }

  /**
   * Closes c's descriptor: a listener stops (resetting the connections not yet accepted); a
   * connection sends FIN after its bytes and lives on until it ends. Returns whether c's port
   * can be freed now.
   */
  close(c: TcpConn): boolean {
    c.fd = null;
    // Calls still waiting on the descriptor (from other tasks holding it) end with EBADF.
    for (const w of c.recvWaiters.splice(0)) this.answer(w.reply, 'recv', { code: EBADF });
    for (const w of c.sendWaiters.splice(0)) this.answer(w.reply, 'send', { code: EBADF });
    for (const w of c.acceptWaiters.splice(0)) this.answer(w, 'accept', { code: EBADF });
    if (c.connectWaiter !== null) this.answer(c.connectWaiter, 'connect', { code: EBADF });
    c.connectWaiter = null;
    if (c.state === 'LISTEN') {
      this.listeners.delete(c.lport);
      for (const x of [...this.conns.values()]) if (x.parent === c && (x.state === 'SYN_RCVD' || c.acceptQ.includes(x))) this.abort(x);
      c.state = 'CLOSED';
      return true;
    }
    if (c.state === 'CLOSED') return true;
    if (c.state === 'SYN_SENT') {
      this.remove(c);
      return false; // remove freed it
    }
    c.readShut = true;
    c.rcvBuf = [];
    c.rcvLen = 0;
    if (!c.finQueued) {
      c.finQueued = true;
      this.output(c);
    }
    return false;
  }

  // --- segments ------------------------------------------------------------------------------

  /** A segment arrived from host `from`. */
  segment(from: string, h: TcpHeader, bytes: Uint8Array): void {
    const int = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    if (!(bytes instanceof Uint8Array) || typeof from !== 'string' || !int(h.sport) || !int(h.dport) || !int(h.seq) || !int(h.ack)) return; // not a segment: dropped
    const rhost = canonical(from, this.env.self);
    const c = this.conns.get(keyOf(h.dport, rhost, h.sport));
    const f = flagsOf(h.flags);
    if (c) return this.input(c, h, f, bytes);
    if (f.rst) return;
    const l = this.listeners.get(h.dport);
    if (l && f.syn && !f.ack) return this.passiveOpen(l, rhost, h);
    // Nothing here: RST (the connect that sent a SYN gets ECONNREFUSED).
    const len = bytes.length + (f.syn ? 1 : 0) + (f.fin ? 1 : 0);
    if (f.ack) this.emitTo(rhost, h.dport, h.sport, 'RST', h.ack, 0);
    else this.emitTo(rhost, h.dport, h.sport, 'RST,ACK', 0, h.seq + len);
  }

  private passiveOpen(l: TcpConn, rhost: string, h: TcpHeader): void {
    if (l.acceptQ.length + l.halfOpen >= l.backlog) {
      l.synDrops++;
      return; // dropped, as Linux does: the client will send its SYN again
    }
    const c = new TcpConn(null);
    c.state = 'SYN_RCVD';
    c.parent = l;
    c.lport = l.lport;
    c.rhost = rhost;
    c.rport = h.sport;
    c.rcvNxt = h.seq + 1;
    c.iss = this.nextIss += 1000;
    c.sndUna = c.iss;
    c.sndNxt = c.iss + 1;
    c.sndBase = c.iss + 1;
    l.halfOpen++;
    this.conns.set(keyOf(c.lport, c.rhost, c.rport), c);
    this.emit(c, 'SYN,ACK', c.iss, c.rcvNxt);
    this.arm(c);
  }

  private input(c: TcpConn, h: TcpHeader, f: Flags, bytes: Uint8Array): void {
    if (f.rst) {
      if (c.state === 'SYN_SENT') {
        if (f.ack && h.ack === c.sndNxt) this.fail(c, ECONNREFUSED);
      } else if (c.state === 'SYN_RCVD' || c.state === 'TIME_WAIT') this.remove(c);
      else this.fail(c, ECONNRESET);
      return;
    }
    if (c.state === 'SYN_SENT') {
      if (f.syn && f.ack && h.ack === c.iss + 1) {
        c.rcvNxt = h.seq + 1;
        c.sndUna = h.ack;
        c.state = 'ESTABLISHED';
        this.settle(c);
        this.emit(c, 'ACK', c.sndNxt, c.rcvNxt);
        if (c.connectWaiter !== null) this.answer(c.connectWaiter, 'connect', { code: 0 });
        c.connectWaiter = null;
        this.output(c);
      } else if (f.ack) this.emitTo(c.rhost, c.lport, c.rport, 'RST', h.ack, 0);
      return;
    }
    if (c.state === 'SYN_RCVD') {
      if (f.syn && !f.ack) return this.emit(c, 'SYN,ACK', c.iss, c.rcvNxt); // our SYN-ACK was lost
      if (!f.ack || h.ack !== c.iss + 1) return;
      c.sndUna = h.ack;
      c.state = 'ESTABLISHED';
      this.settle(c);
      const l = c.parent!;
      l.halfOpen--;
      if (this.listeners.get(c.lport) !== l) return this.abort(c);
      l.acceptQ.push(c);
      this.wakeAccept(l);
    } else if (f.syn) {
      return this.emit(c, 'ACK', c.sndNxt, c.rcvNxt); // the peer's SYN-ACK again: our ACK was lost
    } else if (f.ack) this.acked(c, h.ack);
    if (!this.conns.has(keyOf(c.lport, c.rhost, c.rport))) return;
    if (bytes.length === 0 && !f.fin) return;
    if (c.state === 'ESTABLISHED' || c.state === 'FIN_WAIT_1' || c.state === 'FIN_WAIT_2') this.arrive(c, h.seq, bytes, f.fin);
    if (c.state === 'TIME_WAIT') c.twAt = this.env.now() + TIME_WAIT;
    this.emit(c, 'ACK', c.sndNxt, c.rcvNxt);
  }

  /** An ack for everything before `ack`. */
  private acked(c: TcpConn, ack: number): void {
    if (ack <= c.sndUna || ack > c.sndNxt) return;
    c.sndUna = ack;
    const drop = Math.min(c.sndData.length, ack - c.sndBase);
    if (drop > 0) {
      c.sndData = c.sndData.subarray(drop);
      c.sndBase += drop;
    }
    this.settle(c);
    if (c.finSeq >= 0 && ack > c.finSeq) {
      if (c.state === 'FIN_WAIT_1') c.state = 'FIN_WAIT_2';
      else if (c.state === 'CLOSING') this.timeWait(c);
      else if (c.state === 'LAST_ACK') return this.remove(c);
    }
    this.admitSends(c);
    this.output(c);
  }

  /** Bytes (and maybe FIN) at seq: taken in order, kept when early, dropped when old. */
  private arrive(c: TcpConn, seq: number, bytes: Uint8Array, fin: boolean): void {
    if (seq + bytes.length + (fin ? 1 : 0) <= c.rcvNxt) return; // all seen before
    if (seq > c.rcvNxt) {
      const had = c.early.get(seq);
      if (!had || had.bytes.length < bytes.length || (fin && !had.fin)) c.early.set(seq, { bytes, fin });
      return;
    }
    this.takeIn(c, seq, bytes, fin);
    for (let more = true; more && !c.peerFin; ) {
      more = false;
      for (const [s, e] of c.early) {
        if (s > c.rcvNxt) continue;
        c.early.delete(s);
        if (s + e.bytes.length + (e.fin ? 1 : 0) > c.rcvNxt) this.takeIn(c, s, e.bytes, e.fin);
        more = true;
        break;
      }
    }
    if (c.peerFin) c.early.clear();
    this.wakeRecv(c);
  }

  private takeIn(c: TcpConn, seq: number, bytes: Uint8Array, fin: boolean): void {
    const skip = c.rcvNxt - seq;
    if (skip < bytes.length) {
      const part = skip > 0 ? bytes.subarray(skip) : bytes;
      if (!c.readShut) {
        c.rcvBuf.push(part);
        c.rcvLen += part.length;
      }
      c.rcvNxt += part.length;
    }
    if (fin && c.rcvNxt === seq + bytes.length) {
      c.rcvNxt += 1;
      c.peerFin = true;
      if (c.state === 'ESTABLISHED') c.state = 'CLOSE_WAIT';
      else if (c.state === 'FIN_WAIT_1') c.state = 'CLOSING';
      else if (c.state === 'FIN_WAIT_2') this.timeWait(c);
    }
  }

  // --- sending -------------------------------------------------------------------------------

  /** Sends what the window allows, then FIN when it is due. */
  private output(c: TcpConn): void {
    if (c.state !== 'ESTABLISHED' && c.state !== 'CLOSE_WAIT') return;
    for (;;) {
      const off = c.sndNxt - c.sndBase;
      const avail = c.sndData.length - off;
      const inflight = c.sndNxt - c.sndUna;
      if (avail <= 0 || inflight >= WINDOW) break;
      const len = Math.min(mss(c), avail, WINDOW - inflight);
      this.emit(c, 'PSH,ACK', c.sndNxt, c.rcvNxt, c.sndData.subarray(off, off + len));
      c.sndNxt += len;
    }
    if (c.finQueued && c.finSeq < 0 && c.sndNxt === c.sndBase + c.sndData.length) {
      c.finSeq = c.sndNxt;
      this.emit(c, 'FIN,ACK', c.sndNxt, c.rcvNxt);
      c.sndNxt += 1;
      c.state = c.state === 'ESTABLISHED' ? 'FIN_WAIT_1' : 'LAST_ACK';
    }
    this.arm(c);
  }

  private admitSends(c: TcpConn): void {
    while (c.sendWaiters.length > 0 && c.sndData.length < SNDBUF && !c.finQueued && !c.error) {
      const w = c.sendWaiters.shift()!;
      const grown = new Uint8Array(c.sndData.length + w.bytes.length);
      grown.set(c.sndData);
      grown.set(w.bytes, c.sndData.length);
      c.sndData = grown;
      this.answer(w.reply, 'send', { code: 0, n: w.bytes.length });
      this.output(c);
    }
  }

  private retransmit(c: TcpConn): void {
    if (c.retries >= RETRIES) return this.fail(c, ETIMEDOUT);
    c.retries++;
    c.retransmits++;
    c.rto = Math.min(c.rto * 2, RTO_MAX);
    c.rtoAt = this.env.now() + c.rto;
    if (c.state === 'SYN_SENT') return this.emit(c, 'SYN', c.iss, 0, EMPTY, true);
    if (c.state === 'SYN_RCVD') return this.emit(c, 'SYN,ACK', c.iss, c.rcvNxt, EMPTY, true);
    const off = c.sndUna - c.sndBase;
    if (off >= 0 && off < c.sndData.length) {
      const len = Math.min(mss(c), c.sndData.length - off, c.sndNxt - c.sndUna);
      this.emit(c, 'PSH,ACK', c.sndUna, c.rcvNxt, c.sndData.subarray(off, off + len), true);
    } else if (c.finSeq >= 0 && c.sndUna === c.finSeq) this.emit(c, 'FIN,ACK', c.finSeq, c.rcvNxt, EMPTY, true);
  }

  /** Progress: the RTO back to its first value, the timer running only while something is unacknowledged. */
  private settle(c: TcpConn): void {
    c.retries = 0;
    c.rto = RTO_INITIAL;
    c.rtoAt = null;
    this.arm(c);
  }

  private arm(c: TcpConn): void {
    if (c.sndNxt > c.sndUna && c.rtoAt === null) c.rtoAt = this.env.now() + c.rto;
  }

  private timeWait(c: TcpConn): void {
    c.state = 'TIME_WAIT';
    c.rtoAt = null;
    c.twAt = this.env.now() + TIME_WAIT;
  }

  // --- endings -------------------------------------------------------------------------------

  /** Ends c with an error its waiting callers (and later ones) get. */
  private fail(c: TcpConn, code: number): void {
    c.error = code;
    if (c.connectWaiter !== null) this.answer(c.connectWaiter, 'connect', { code });
    c.connectWaiter = null;
    for (const w of c.sendWaiters.splice(0)) this.answer(w.reply, 'send', { code });
    this.remove(c);
    this.wakeRecv(c);
  }

  /** Resets c (RST to the peer) and forgets it. */
  private abort(c: TcpConn): void {
    this.emit(c, 'RST', c.sndNxt, 0);
    this.remove(c);
  }

  private remove(c: TcpConn): void {
    const key = keyOf(c.lport, c.rhost, c.rport);
    if (this.conns.get(key) === c) this.conns.delete(key);
    if (c.state === 'SYN_RCVD' && c.parent) c.parent.halfOpen--;
    if (c.parent) {
      const i = c.parent.acceptQ.indexOf(c);
      if (i >= 0) c.parent.acceptQ.splice(i, 1);
    }
    c.state = 'CLOSED';
    c.rtoAt = null;
    c.twAt = null;
    if (c.fd === null && c.ownsPort) {
      c.ownsPort = false;
      this.env.release(c.lport);
    }
  }

  // --- answers -------------------------------------------------------------------------------

  private wakeAccept(l: TcpConn): void {
    while (l.acceptWaiters.length > 0 && l.acceptQ.length > 0) {
      const c = l.acceptQ.shift()!;
      c.fd = this.env.newFd(c);
      this.answer(l.acceptWaiters.shift()!, 'accept', { code: 0, fd: c.fd, from: c.rhost, port: c.rport });
    }
  }

  private wakeRecv(c: TcpConn): void {
    while (c.recvWaiters.length > 0) {
      if (c.rcvLen > 0) {
        const w = c.recvWaiters.shift()!;
        this.answer(w.reply, 'recv', { code: 0, bytes: this.read(c, w.max) });
      } else if (c.peerFin || c.readShut) this.answer(c.recvWaiters.shift()!.reply, 'recv', { code: 0, bytes: EMPTY });
      else if (c.error) this.answer(c.recvWaiters.shift()!.reply, 'recv', { code: c.error });
      else break;
    }
  }

  private read(c: TcpConn, max: number): Uint8Array {
    const n = Math.min(max, c.rcvLen);
    if (c.rcvBuf[0]!.length === n) {
      c.rcvLen -= n;
      return c.rcvBuf.shift()!;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = c.rcvBuf[0]!;
      const k = Math.min(head.length, n - at);
      out.set(head.subarray(0, k), at);
      at += k;
      if (k === head.length) c.rcvBuf.shift();
      else c.rcvBuf[0] = head.subarray(k);
    }
    c.rcvLen -= n;
    return out;
  }

  private answer(reply: number, call: TcpCall, body: Record<string, unknown>): void {
    this.effects.push({ kind: 'answer', reply, call, body });
  }

  private emit(c: TcpConn, flags: string, seq: number, ack: number, bytes: Uint8Array = EMPTY, rtx = false): void {
    this.emitTo(c.rhost, c.lport, c.rport, flags, seq, ack, bytes, rtx);
  }

  private emitTo(host: string, sport: number, dport: number, flags: string, seq: number, ack: number, bytes: Uint8Array = EMPTY, rtx = false): void {
    const len = bytes.length;
    const label = `${flags} seq=${seq} ack=${ack}${len ? ` len=${len}` : ''}${rtx ? ' (rtx)' : ''}`;
    const meta: TcpHeader = { proto: 'tcp', sport, dport, flags, seq, ack, len, label };
    if (rtx) meta.rtx = true;
    this.effects.push({ kind: 'segment', host, bytes, meta });
  }
}

interface Flags {
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
}

function flagsOf(flags: string): Flags {
  const f = typeof flags === 'string' ? flags.split(',') : [];
  return { syn: f.includes('SYN'), ack: f.includes('ACK'), fin: f.includes('FIN'), rst: f.includes('RST') };
}

/** The segment size for c's path. */
function mss(c: TcpConn): number {
  return c.rhost === LOOPBACK ? MSS_LOOPBACK : MSS;
}

/** listen's backlog: at least 1, at most 4096 (SOMAXCONN). */
function clampBacklog(b: number): number {
  return Number.isInteger(b) ? Math.max(1, Math.min(b, 4096)) : 1;
}
