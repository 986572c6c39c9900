/**
 * Producer–consumer through a bounded and an unbounded buffer, on Mach ports and
 * on a direct link: the producer makes ITEMS items (1–2 ms each), the consumer
 * takes them (2–4 ms each), on two CPUs; both block when they must (a full
 * buffer, an empty one). The work times come from the seed and are the same for
 * every run of that seed, so the runs differ only in the buffer and the model.
 */
import { boot, Random, type Kernel, type Sys, type TraceRecord } from '../../index.ts';
import type { Model } from './cells.ts';

export const ITEMS = 20;
/** The bounded buffer's capacity (as scenarios/shared-buffer.ts's BUFFER_SIZE). */
export const BOUNDED = 5;
export const PRODUCE = [1, 2] as const;
export const CONSUME = [2, 4] as const;

/** One run's figures. */
export interface PcFigures {
  model: Model;
  capacity: number;
  /** Items consumed, in the order made. */
  consumed: number;
  inOrder: boolean;
  /** Virtual ms until the consumer took the last item, and items per virtual second. */
  time: number;
  /** Virtual ms when the producer had sent its last item. */
  producerDone: number;
  throughput: number;
  /** ms each side spent blocked in send / receive. */
  producerBlocked: number;
  consumerBlocked: number;
  /** Items in the buffer over time: [t, length] at each instant it changed (value after the instant). */
  queue: [number, number][];
  maxQueue: number;
  kernel: Kernel<Sys>;
}

/** The work times of a seed: ms to produce and to consume each item. */
export function workTimes(seed: number): { produce: number[]; consume: number[] } {
  const r = new Random(seed);
  const draw = ([lo, hi]: readonly [number, number]) => lo + Math.floor(r.next() * (hi - lo + 1));
  const produce: number[] = [];
  const consume: number[] = [];
  for (let i = 0; i < ITEMS; i++) {
    produce.push(draw(PRODUCE));
    consume.push(draw(CONSUME));
  }
  return { produce, consume };
}

/**
 * Runs producer–consumer once on `model` with a buffer of `capacity` (BOUNDED or
 * Infinity). `make` boots the kernel (default: `boot`).
 *
 * @example
 * const f = await producerConsumer('direct', BOUNDED, 1); // f.maxQueue === 5, f.producerBlocked > 0
 */
export async function producerConsumer(
  model: Model, capacity: number, seed: number, make: (o: Parameters<typeof boot>[0]) => Kernel<Sys> = boot,
): Promise<PcFigures> {
  const { produce, consume } = workTimes(seed);
  const k = make({ seed, console: false, sched: { cpus: 2 } });
  const got: number[] = [];
  let producerBlocked = 0;
  let consumerBlocked = 0;
  let end = 0;
  let producerDone = 0;
  /** Runs one send or receive, adding the ms it took (blocked: it costs no CPU time) to a side's total. */
  const timed = async <T>(sys: Sys, run: () => Promise<T>, add: (ms: number) => void): Promise<T> => {
    const t0 = sys.now();
    const out = await run();
    add(sys.now() - t0);
    return out;
  };
  let cPid = 0;
  let pPid = 0;
  const producer = async (sys: Sys, send: (i: number) => Promise<number>) => {
    for (let i = 0; i < ITEMS; i++) {
      await sys.compute(produce[i]!);
      await timed(sys, () => send(i), (ms) => (producerBlocked += ms));
    }
    producerDone = sys.now();
  };
  const consumer = async (sys: Sys, receive: () => Promise<number | null>) => {
    for (let i = 0; i < ITEMS; i++) {
      const item = await timed(sys, receive, (ms) => (consumerBlocked += ms));
      if (item === null) return;
      got.push(item);
      await sys.compute(consume[i]!);
    }
    end = sys.now();
  };
  if (model === 'mach') {
    const buffer = k.port('buffer', { qlimit: capacity });
    cPid = k.spawn('consumer', (sys) => consumer(sys, async () => {
      const r = await sys.msg_receive<number>(sys.ports.buffer!);
      return r.ok ? r.msg.body : null;
    }), { ports: { buffer: { port: buffer, right: 'receive' } } }).pid;
    pPid = k.spawn('producer', (sys) => producer(sys, (i) => sys.msg_send(sys.ports.buffer!, { id: 1, body: i })), { ports: { buffer } }).pid;
  } else {
    cPid = k.spawn('consumer', async (sys) => {
      await sys.link_open(pPid, capacity); // the first to use the link fixes its capacity: open it first
      await consumer(sys, async () => {
        const r = await sys.receive<number>(pPid);
        return r.ok ? r.body : null;
      });
    }).pid;
    pPid = k.spawn('producer', async (sys) => {
      await sys.link_open(cPid, capacity);
      await producer(sys, (i) => sys.send(cPid, i));
    }).pid;
  }
  await k.run();
  const queue = queueOverTime(k.trace.records, model === 'mach' ? 'buffer' : 'producer→consumer');
  return {
    model, capacity, consumed: got.length, inOrder: got.every((v, i) => v === i), time: end, producerDone,
    throughput: end === 0 ? 0 : Math.round((got.length / end) * 1000), producerBlocked, consumerBlocked,
    queue, maxQueue: Math.max(0, ...queue.map(([, n]) => n)), kernel: k,
  };
}

/**
 * The queue length of the port labelled `label` over time, from the trace: sends
 * minus receives on it. One point per instant it changed, with the length after
 * everything that happened at that instant.
 */
export function queueOverTime(records: readonly TraceRecord[], label: string): [number, number][] {
  const out: [number, number][] = [];
  let n = 0;
  for (const r of records) {
    if (r.portLabel !== label || (r.kind !== 'send' && r.kind !== 'receive')) continue;
    n += r.kind === 'send' ? 1 : -1;
    const last = out[out.length - 1];
    if (last && last[0] === r.t) last[1] = n;
    else out.push([r.t, n]);
  }
  return out;
}
