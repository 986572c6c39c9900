import type { Sys } from '../index.ts';
import type { Endpoint, MessagingModel, ModelEnv, Payload, Received } from './model.ts';

/** How long a caller waits for its reply before it gives up on the call (virtual ms). */
const REPLY_WAIT = 1000;
/** Slots of a ring whose workload asks for unbounded buffers. */
const UNBOUNDED_SLOTS = 1024;
/** Bytes of a ring's header: in, out, slots, slot size (32-bit each); the slots follow. */
const HEADER = 16;

/** A ring buffer in a shared region, mapped by this task, with its three named semaphores. */
interface Ring {
  view: Uint8Array;
  words: DataView;
  slots: number;
  slotSize: number;
  /** Counting semaphores: items in the ring, free slots; and a binary one guarding in and out. */
  items: number;
  free: number;
  lock: number;
}

/** The number of slots a ring gets for a workload's capacity (0, a rendezvous, cannot be expressed: one slot). */
function slotsFor(capacity: number | undefined): number {
  if (capacity === undefined) return 5;
  if (!Number.isFinite(capacity)) return UNBOUNDED_SLOTS;
  return Math.max(1, capacity);
}

/**
 * Shared memory as a messaging model: each receiving task owns a ring buffer in
 * a memory region (checked in with the name service as `shm:<name>`), guarded by
 * three named POSIX semaphores (`/<name>.items`, `/<name>.free`, `/<name>.lock`:
 * the course's full, empty and mutex). `send` waits for a free slot and copies
 * the payload into the ring itself (no message, no kernel copy: only the
 * semaphore calls are system calls); `receive` takes the oldest slot. A reply
 * goes into the caller's own ring (named in the payload). A pool of workers
 * shares the dealer's ring, each job to exactly one (the lock); a restarted
 * server maps the same ring, with the requests still in it. It has no way to
 * hand a right to a third task (there are no messages), no rendezvous (capacity
 * 0 becomes one slot), and no death notice (supervision borrows the direct
 * model's link to the watched process).
 */
export const shm: MessagingModel = {
  name: 'shm',
  description: 'a ring buffer per receiver in a shared region, with counting semaphores; payloads copied by the sender',
  expresses: ['stable-name', 'shared-mailbox'],
  prepare(_k, env: ModelEnv) {
    // Every slot holds the largest payload of the workload: its padding plus the JSON around it.
    let largest = 0;
    for (const r of env.workload.roles) for (const s of r.steps) if ('size' in s && s.size !== undefined) largest = Math.max(largest, s.size);
    env.state.slotSize = 4 + largest + 160;
  },
  endpoint(sys: Sys, self: string, env): Endpoint {
    const slotSize = (env.state.slotSize as number | undefined) ?? 256;
    const rings = new Map<string, Ring>();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();

    const semaphores = async (name: string, slots: number, create: boolean) => ({
      items: (await sys.sem_open(`/${name}.items`, create, 0)).semaphore!,
      free: (await sys.sem_open(`/${name}.free`, create, slots)).semaphore!,
      lock: (await sys.sem_open(`/${name}.lock`, create, 1)).semaphore!,
    });
    const mapRing = async (region: number, sems: { items: number; free: number; lock: number }): Promise<Ring> => {
      const view = (await sys.region_map(region)).view!;
      const words = new DataView(view.buffer);
      return { view, words, slots: words.getInt32(8), slotSize: words.getInt32(12), ...sems };
    };
    /** The ring published under name: made now (with the workload's capacity), or taken over if it is there. */
    const make = async (name: string): Promise<Ring> => {
      const there = await sys.netname_look_up(`shm:${name}`);
      if (there.code === 0) return mapRing(there.port!, await semaphores(name, 0, false));
      const slots = slotsFor(env.workload.capacity);
      const region = (await sys.region_create(HEADER + slots * slotSize, true, `${name}.ring`)).region!;
      const ring = await mapRing(region, await semaphores(name, slots, true));
      ring.words.setInt32(8, slots);
      ring.words.setInt32(12, slotSize);
      ring.slots = slots;
      ring.slotSize = slotSize;
      await sys.netname_check_in(`shm:${name}`, region);
      return ring;
    };
    /** Another task's ring: looked up (waiting for it to be made) and mapped once. */
    const lookUp = async (name: string): Promise<Ring> => {
      const known = rings.get(name);
      if (known) return known;
      const r = await sys.netname_look_up(`shm:${name}`, { wait: true });
      const ring = await mapRing(r.port!, await semaphores(name, 0, false));
      rings.set(name, ring);
      return ring;
    };
    /** Producer side: a free slot, then in and the slot under the lock. Resolves to 0, or the semaphore's code. */
    const put = async (ring: Ring, body: Payload): Promise<number> => {
      const bytes = encoder.encode(JSON.stringify(body));
      if (bytes.length > ring.slotSize - 4) return -1;
      const code = await sys.sem_wait(ring.free);
      if (code !== 0) return code;
      await sys.sem_wait(ring.lock);
      const i = ring.words.getInt32(0);
      const at = HEADER + i * ring.slotSize;
      ring.words.setUint32(at, bytes.length);
      ring.view.set(bytes, at + 4); // the one copy: straight into the receiver's memory
      ring.words.setInt32(0, (i + 1) % ring.slots);
      await sys.sem_post(ring.lock);
      return sys.sem_post(ring.items);
    };
    /** Consumer side: an item (waiting at most `timeout` ms if given), then out and the slot under the lock; null on a timeout. */
    const get = async (ring: Ring, timeout?: number): Promise<Payload | null> => {
      if ((await sys.semaphore_wait(ring.items, timeout)) !== 0) return null;
      await sys.sem_wait(ring.lock);
      const o = ring.words.getInt32(4);
      const at = HEADER + o * ring.slotSize;
      const body = JSON.parse(decoder.decode(ring.view.subarray(at + 4, at + 4 + ring.words.getUint32(at)))) as Payload;
      ring.words.setInt32(4, (o + 1) % ring.slots);
      await sys.sem_post(ring.lock);
      await sys.sem_post(ring.free);
      return body;
    };
    const received = (body: Payload): Received => ({ body, reply: async (answer) => put(await lookUp(body.from), answer) });
    let own: Ring | null = null;
    const open = async (): Promise<void> => {
      own ??= await make(self);
    };
    return {
      open,
      async send(to, body) {
        return put(await lookUp(to), body);
      },
      async receive() {
        await open();
        const body = await get(own!);
        return body ? received(body) : null;
      },
      async call(to, body) {
        await open();
        if ((await put(await lookUp(to), body)) !== 0) return null;
        for (;;) {
          const answer = await get(own!, REPLY_WAIT);
          if (!answer) return null;
          if (answer.re === body.seq) return answer;
        }
      },
      async rediscover(to) {
        return (await lookUp(to)) !== null; // the same ring: whoever maps it now answers
      },
      async watch(name) {
        // Shared memory says nothing when a process dies: the direct model's link to its pid does.
        const pid = env.pids[name] ?? 0;
        for (;;) if (!(await sys.receive(pid)).ok) return;
      },
      async announce() {},
      async take(dealer) {
        const body = await get(await lookUp(`${dealer}.pool`));
        return body ? received(body) : null;
      },
      async deal(_to, _copies, body) {
        const pool = rings.get(`${self}.pool`) ?? (await make(`${self}.pool`));
        rings.set(`${self}.pool`, pool);
        return put(pool, body);
      },
    };
  },
};
