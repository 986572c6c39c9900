/**
 * 12. Shared memory against Mach messages on one workload: a producer hands
 * 64 KB items to a consumer, in order, through a buffer of 4.
 *
 * - Mach: `msg_send` of a 64 KB `Uint8Array` body into a port of qlimit 4 (the
 *   kernel copies the body: structured clone), `msg_receive` on the other side.
 * - Shared memory: a region of 4 slots of 64 KB (plus in/out counters and two
 *   "waiting" flags), mapped by both tasks. The producer writes its item into
 *   the slot itself (no copy of the body anywhere); system calls only to sleep
 *   and wake (two semaphores), futex style: a side that finds the ring full
 *   (empty) sets its flag and waits; the other side posts only when the flag
 *   is set. A check and its flag are set with no trap in between, so no other
 *   task runs there (program code executes one task at a time).
 *
 * Both producers stamp the item's number into its first 4 bytes; both
 * consumers check it. Benchmark 12a: messages/s, shm vs Mach (aim ≥ 1).
 * Benchmark 12b: the cost per message of shared memory plus one 64 KB copy
 * against Mach's (aim ≤ 1: shared memory beats Mach by at least the copy it
 * avoids).
 */
import { boot, KERN_SUCCESS } from '../index.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { barrier, runChecked, SteadyClock } from './workloads.ts';

const BODY = 64 * 1024;
const SLOTS = 4;
// The region's header, in 32-bit words: items put, items taken, producer waiting, consumer waiting.
const PUT = 0;
const TAKEN = 1;
const PRODUCER_WAITS = 2;
const CONSUMER_WAITS = 3;
const HEADER = 16;

/** Mach: n messages of 64 KB through a port of qlimit SLOTS. Returns the steady state's ms. */
export async function machBulk(n: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  const clock = new SteadyClock(2);
  const port = k.port('items', { qlimit: SLOTS });
  k.spawn('consumer', async (sys) => {
    await barrier(sys);
    clock.start();
    for (let i = 0; i < n; i++) {
      const r = await sys.msg_receive<Uint8Array>(sys.ports.items!);
      if (!r.ok || new DataView(r.msg.body.buffer, r.msg.body.byteOffset).getUint32(0) !== i) return 1;
    }
    clock.end();
    return 0;
  }, { ports: { items: { port, right: 'receive' } } });
  k.spawn('producer', async (sys) => {
    const item = new Uint8Array(BODY);
    const stamp = new DataView(item.buffer);
    await barrier(sys);
    clock.start();
    for (let i = 0; i < n; i++) {
      stamp.setUint32(0, i);
      if ((await sys.msg_send(sys.ports.items!, { id: 1, body: item })) !== KERN_SUCCESS) return 1;
    }
    clock.end();
    return 0;
  }, { ports: { items: port } });
  await runChecked(k, 'Mach 64 KB producer-consumer');
  return clock.ms();
}

/** Shared memory: n items of 64 KB through a ring of SLOTS slots in one region. Returns the steady state's ms. */
export async function shmBulk(n: number): Promise<number> {
  const k = boot({ seed: 1, trace: false, console: false });
  const clock = new SteadyClock(2);
  k.spawn('main', async (sys) => {
    const region = (await sys.region_create(HEADER + SLOTS * BODY, true, 'ring')).region!;
    const wakeProducer = (await sys.semaphore_create(0, 'wake-producer')).semaphore!;
    const wakeConsumer = (await sys.semaphore_create(0, 'wake-consumer')).semaphore!;
    await sys.fork(async (c) => {
      const view = (await c.region_map(region)).view!;
      const words = new Int32Array(view.buffer, 0, 4);
      const slots = new DataView(view.buffer, HEADER);
      await barrier(c);
      clock.start();
      for (let i = 0; i < n; i++) {
        while (words[PUT]! - words[TAKEN]! === SLOTS) {
          words[PRODUCER_WAITS] = 1;
          await c.semaphore_wait(wakeProducer);
        }
        slots.setUint32((words[PUT]! % SLOTS) * BODY, i); // the item, made in place
        words[PUT]!++;
        if (words[CONSUMER_WAITS]) {
          words[CONSUMER_WAITS] = 0;
          await c.semaphore_signal(wakeConsumer);
        }
      }
      clock.end();
      return 0;
    }, { name: 'producer' });
    await sys.fork(async (c) => {
      const view = (await c.region_map(region)).view!;
      const words = new Int32Array(view.buffer, 0, 4);
      const slots = new DataView(view.buffer, HEADER);
      await barrier(c);
      clock.start();
      for (let i = 0; i < n; i++) {
        while (words[PUT] === words[TAKEN]) {
          words[CONSUMER_WAITS] = 1;
          await c.semaphore_wait(wakeConsumer);
        }
        if (slots.getUint32((words[TAKEN]! % SLOTS) * BODY) !== i) return 1;
        words[TAKEN]!++;
        if (words[PRODUCER_WAITS]) {
          words[PRODUCER_WAITS] = 0;
          await c.semaphore_signal(wakeProducer);
        }
      }
      clock.end();
      return 0;
    }, { name: 'consumer' });
    for (let i = 0; i < 2; i++) if ((await sys.wait()).status?.code !== 0) return 1;
    return 0;
  });
  await runChecked(k, 'shared-memory 64 KB producer-consumer');
  return clock.ms();
}

/** ms to copy one 64 KB body the way msg_send does (structured clone), averaged over n copies. */
export function copyMs(n: number): number {
  const item = new Uint8Array(BODY);
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += structuredClone(item).length;
  const ms = (performance.now() - t0) / n;
  if (sink !== n * BODY) throw new Error('copy: lost bytes');
  return ms;
}

export default function shm({ quick }: BenchContext): Benchmark[] {
  const n = quick ? 2_000 : 10_000;
  return [
    {
      name: 'shm-vs-mach: shared-memory producer-consumer vs Mach messages, 64 KB items through a buffer of 4, messages/s (higher is better)',
      item: 12,
      unit: 'ops/s',
      aim: { min: 1 },
      run: async () => (n / (await shmBulk(n))) * 1000,
      baseline: { name: 'Mach msg_send/msg_receive of 64 KB bodies', run: async () => (n / (await machBulk(n))) * 1000 },
    },
    {
      name: 'shm-copy-margin: shared memory per message plus one 64 KB copy vs Mach per message, µs/msg (≤ 1: shared memory saves at least the copy; lower is better)',
      item: 12,
      unit: 'µs/msg',
      aim: { max: 1 },
      run: async () => ((await shmBulk(n)) / n + copyMs(n)) * 1000,
      baseline: { name: 'Mach msg_send/msg_receive of 64 KB bodies', run: async () => ((await machBulk(n)) / n) * 1000 },
    },
  ];
}
