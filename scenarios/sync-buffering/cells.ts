/**
 * The cells of the course's synchronisation × buffering table, each one run and
 * measured: a sender S makes 3 sends, a receiver R makes 3 receives, over one
 * channel (a Mach port, or a direct link) of capacity 0, 2 or unbounded, with
 * blocking or non-blocking send and receive, one side arriving `delay` ms after
 * the other. Both sides live on until the end of the window (t = HORIZON), so
 * every code comes from the channel and not from a peer that ended; a call still
 * blocked then is stuck for good (the other side has made all its calls).
 */
import { boot, codeName, MACH_MSG_SUCCESS, Random, type Kernel, type Sys, type TraceRecord } from '../../index.ts';

export type Model = 'mach' | 'direct';
export type Mode = 'blocking' | 'non-blocking';
/** Who comes first: the other side arrives `delay` ms later. */
export type First = 'sender' | 'receiver';

export const MODELS: readonly Model[] = ['mach', 'direct'];
export const CAPACITIES: readonly number[] = [0, 2, Infinity];
export const MODES: readonly Mode[] = ['blocking', 'non-blocking'];
export const FIRSTS: readonly First[] = ['sender', 'receiver'];
/** Messages S sends, receives R makes. */
export const MESSAGES = 3;
/** The end of each cell's window (virtual ms). */
export const HORIZON = 50;

/** One call as the program saw it: when it began, when it returned (null: still blocked at HORIZON), its code. */
export interface Call {
  start: number;
  end: number | null;
  code: number | null;
}

/** One cell of the table, measured. */
export interface Cell {
  model: Model;
  capacity: number;
  send: Mode;
  receive: Mode;
  first: First;
  /** ms between the first side's arrival (t=0) and the other's. */
  delay: number;
  sender: Call[];
  receiver: Call[];
  /** Messages received. */
  delivered: number;
  /** Of those, messages handed straight from one side to the other, one of them waiting in its trap (never in a buffer). */
  handed: number;
  kernel: Kernel<Sys>;
}

/** The second side's arrival, from the seed: 5 to 15 ms. */
export function arrivalDelay(seed: number): number {
  return 5 + Math.floor(new Random(seed).next() * 11);
}

/**
 * Runs one cell and measures it. `make` boots the kernel (default: `boot`).
 *
 * @example
 * const c = await runCell('direct', 0, 'blocking', 'blocking', 'sender', 1);
 * rendezvous(c); // true: S waited for R, every message handed over
 */
export async function runCell(
  model: Model, capacity: number, send: Mode, receive: Mode, first: First, seed: number,
  make: (o: Parameters<typeof boot>[0]) => Kernel<Sys> = boot,
): Promise<Cell> {
  const delay = arrivalDelay(seed);
  const k = make({ seed, console: false });
  const sender: Call[] = [];
  const receiver: Call[] = [];
  /** Records one call: pushed when it starts, completed when it returns. */
  const call = async (log: Call[], sys: Sys, run: () => Promise<number>) => {
    const c: Call = { start: sys.now(), end: null, code: null };
    log.push(c);
    c.code = await run();
    c.end = sys.now();
  };
  const linger = (sys: Sys) => sys.sleep(HORIZON + 10 - sys.now());
  const sendOpts = send === 'blocking' ? undefined : ({ policy: 'return' } as const);
  const rcvOpts = receive === 'blocking' ? undefined : { timeout: 0 };
  let rPid = 0;
  let sPid = 0;
  if (model === 'mach') {
    const link = k.port('link', { qlimit: capacity });
    rPid = k.spawn('R', async (sys) => {
      if (first === 'sender') await sys.sleep(delay);
      for (let i = 0; i < MESSAGES; i++) await call(receiver, sys, async () => (await sys.msg_receive(sys.ports.link!, rcvOpts)).code);
      await linger(sys);
    }, { ports: { link: { port: link, right: 'receive' } } }).pid;
    sPid = k.spawn('S', async (sys) => {
      if (first === 'receiver') await sys.sleep(delay);
      for (let i = 1; i <= MESSAGES; i++) await call(sender, sys, () => sys.msg_send(sys.ports.link!, { id: 1, body: i }, sendOpts));
      await linger(sys);
    }, { ports: { link } }).pid;
  } else {
    const direct = { block: false } as const;
    rPid = k.spawn('R', async (sys) => {
      await sys.link_open(sPid, capacity); // whichever side opens first makes the link, with this capacity
      if (first === 'sender') await sys.sleep(delay);
      for (let i = 0; i < MESSAGES; i++) await call(receiver, sys, async () => (await sys.receive(sPid, receive === 'blocking' ? {} : direct)).code);
      await linger(sys);
    }).pid;
    sPid = k.spawn('S', async (sys) => {
      await sys.link_open(rPid, capacity);
      if (first === 'receiver') await sys.sleep(delay);
      for (let i = 1; i <= MESSAGES; i++) await call(sender, sys, () => sys.send(rPid, i, send === 'blocking' ? {} : direct));
      await linger(sys);
    }).pid;
  }
  await k.run({ until: HORIZON });
  const label = model === 'mach' ? 'link' : 'S→R';
  const { delivered, handed } = handovers(k.trace.records, label);
  return { model, capacity, send, receive, first, delay, sender, receiver, delivered, handed, kernel: k };
}

/**
 * Messages received on the port labelled `label`, and those handed straight over: the
 * receive is the port's next event after the send, at the same instant, and the sender or
 * the receiver was blocked in its trap when the message was sent (so it never sat in a buffer).
 */
export function handovers(records: readonly TraceRecord[], label: string): { delivered: number; handed: number } {
  const blocked = new Set<number>();
  let delivered = 0;
  let handed = 0;
  /** The port's last send, if it is the port's last event: its seq, time, and whether a side was waiting. */
  let last: { seq: number; t: number; waiting: boolean } | null = null;
  for (const r of records) {
    if (r.kind === 'block' && (r.wait === 'send' || r.wait === 'receive') && r.role === undefined) blocked.add(r.pid);
    else if (r.kind === 'wake' || r.kind === 'timeout') blocked.delete(r.pid);
    if (r.portLabel !== label) continue;
    if (r.kind === 'send') last = { seq: r.seq, t: r.t, waiting: blocked.has(r.pid) || (r.peer !== undefined && blocked.has(r.peer)) };
    else if (r.kind === 'receive') {
      delivered++;
      if (last && last.seq === r.ref && last.t === r.t && last.waiting) handed++;
      last = null;
    }
  }
  return { delivered, handed };
}

/** Both sides blocking, and every message handed over with one side waiting for the other: the course's rendezvous. */
export function rendezvous(c: Cell): boolean {
  return c.delivered === MESSAGES && c.handed === MESSAGES;
}

/** ms a side spent in its calls (a call still blocked counts until HORIZON). */
export function blockedMs(calls: readonly Call[]): number {
  return calls.reduce((sum, c) => sum + (c.end ?? HORIZON) - c.start, 0);
}

/** Sends refused because the channel was full (non-blocking): MACH_SEND_TIMED_OUT. */
export function refused(c: Cell): number {
  return c.sender.filter((x) => x.code !== null && codeName(x.code) === 'MACH_SEND_TIMED_OUT').length;
}

/** Every cell of the table, for both models: capacity × send × receive × who comes first. */
export async function syncTable(seed: number, make?: (o: Parameters<typeof boot>[0]) => Kernel<Sys>): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const capacity of CAPACITIES)
    for (const send of MODES)
      for (const receive of MODES)
        for (const first of FIRSTS) for (const model of MODELS) cells.push(await runCell(model, capacity, send, receive, first, seed, make));
  return cells;
}

/** What a cell returned, as short marks: ✓ success, ✗ send refused (full), · nothing to receive, ∞ never returned. */
export function marks(calls: readonly Call[]): string {
  return calls
    .map((c) => {
      if (c.code === null) return '∞';
      if (c.code === MACH_MSG_SUCCESS) return '✓';
      const name = codeName(c.code);
      return name === 'MACH_SEND_TIMED_OUT' ? '✗' : name === 'MACH_RCV_TIMED_OUT' ? '·' : ` ${name} `;
    })
    .join('');
}
