import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  audit,
  boot,
  MACH_MSG_SUCCESS,
  MACH_PORT_QLIMIT_UNBOUNDED,
  MACH_SEND_WILL_NOTIFY,
  type Kernel,
  type RunReport,
  type SendOptions,
  type Sys,
} from '../index.ts';

interface Tag {
  from: number;
  seq: number;
}

interface World {
  kernel: Kernel<Sys>;
  report: RunReport;
  /** Messages whose send said they were queued (SUCCESS or WILL_NOTIFY). */
  accepted: Tag[];
  /** Messages received, in order, per receiving task. */
  received: Map<number, Tag[]>;
  /** What the audit found wrong at any step of any task (empty when the books balance). */
  problems: string[];
}

/**
 * A random workload driven only by the kernel's seeded generator: each task
 * owns a port with a random queue limit, and does `ops` random steps — send
 * to a random peer with a random full-queue policy, receive with a random
 * timeout, or sleep.
 */
async function world(seed: number, tasks: number, ops: number): Promise<World> {
  const kernel = boot({ seed });
  const accepted: Tag[] = [];
  const received = new Map<number, Tag[]>();
  const problems: string[] = [];
  const qlimits = [0, 1, 2, 5, MACH_PORT_QLIMIT_UNBOUNDED];
  for (let i = 0; i < tasks; i++) {
    kernel.spawn(`t${i}`, async (sys) => {
      const { name: mine } = await sys.port_allocate('receive', `inbox${i}`);
      await sys.port_set_qlimit(mine!, qlimits[Math.floor(sys.random() * qlimits.length)]!);
      await sys.netname_check_in(`inbox${i}`, mine!);
      const peers: number[] = [];
      for (let j = 0; j < tasks; j++) peers.push((await sys.netname_look_up(`inbox${j}`, { wait: true })).port!);
      const got: Tag[] = [];
      received.set(sys.pid, got);
      let seq = 0;
      for (let step = 0; step < ops; step++) {
        const dice = sys.random();
        if (dice < 0.45) {
          const dest = peers[Math.floor(sys.random() * peers.length)]!;
          const policies: SendOptions[] = [{ policy: 'return' }, { timeout: 1 + Math.floor(sys.random() * 10) }, { policy: 'cache' }, { policy: 'wait' }];
          const opts = policies[Math.floor(sys.random() * policies.length)]!;
          const tag = { from: sys.pid, seq: seq++ };
          // Now and then carry a right: a copy of a send right to some peer.
          const carry = sys.random() < 0.3 ? [{ name: peers[Math.floor(sys.random() * peers.length)]!, disposition: 'copy-send' as const }] : [];
          const code = await sys.msg_send(dest, { id: 1, body: tag, rights: carry }, opts);
          if (code === MACH_MSG_SUCCESS || code === MACH_SEND_WILL_NOTIFY) accepted.push(tag);
        } else if (dice < 0.85) {
          const r = await sys.msg_receive<Tag>(mine!, { timeout: Math.floor(sys.random() * 15) });
          if (r.ok) {
            got.push(r.msg.body);
            // Keep or drop the rights that came with it.
            for (const right of r.msg.rights) if (sys.random() < 0.5) await sys.port_deallocate(right.name);
          }
        } else {
          // Drain notifications now and then (msg-accepted), then sleep.
          await sys.msg_receive(sys.notifyPort, { timeout: 0 });
          await sys.sleep(1 + Math.floor(sys.random() * 5));
        }
        // The books must balance between any two system calls.
        problems.push(...audit(kernel).problems.map((p) => `t${i} step ${step}: ${p}`));
      }
    });
  }
  const report = await kernel.run();
  return { kernel, report, accepted, received, problems };
}

const params = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  tasks: fc.integer({ min: 2, max: 5 }),
  ops: fc.integer({ min: 1, max: 30 }),
});

describe('invariants over random workloads', () => {
  it('no message is lost or duplicated; per-sender order holds; rights are counted right', async () => {
    await fc.assert(
      fc.asyncProperty(params, async ({ seed, tasks, ops }) => {
        const w = await world(seed, tasks, ops);
        expect(w.problems).toEqual([]);
        expect(audit(w.kernel).problems).toEqual([]);
        expect(w.kernel.bugs).toEqual([]);
        // Every task ended, or the run names who is stuck.
        if (w.report.status !== 'done') expect(w.report.deadlock.length).toBeGreaterThan(0);
        // No duplicates, nothing received that was not accepted.
        const key = (t: Tag) => `${t.from}:${t.seq}`;
        const acceptedKeys = new Set(w.accepted.map(key));
        const seen = new Set<string>();
        for (const list of w.received.values()) {
          for (const t of list) {
            expect(seen.has(key(t))).toBe(false);
            seen.add(key(t));
            expect(acceptedKeys.has(key(t))).toBe(true);
          }
          // FIFO per sender: each sender's messages arrive in the order sent.
          const last = new Map<number, number>();
          for (const t of list) {
            expect(t.seq).toBeGreaterThan(last.get(t.from) ?? -1);
            last.set(t.from, t.seq);
          }
        }
        // Accepted = received + still queued + destroyed (user messages: the audit's totals include the kernel's too).
        const c = w.kernel.trace.counters;
        const userReceived = [...w.received.values()].reduce((n, l) => n + l.length, 0);
        const destroyedUser = w.kernel.trace.records.filter((r) => r.kind === 'destroy' && r.msgId === 1).length;
        let queuedUser = 0;
        for (const t of w.kernel.tasks.values()) {
          for (const e of t.space.entries.values()) {
            if (e.receive && e.port) for (const m of e.port.queue) if (m.id === 1 && m.sender !== 0) queuedUser++;
          }
        }
        expect(w.accepted.length).toBe(userReceived + queuedUser + destroyedUser);
        expect(c.messagesSent).toBe(c.messagesReceived + audit(w.kernel).queued + c.messagesDestroyed);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 60) },
    );
  });

  it('same seed, same trace (byte for byte)', async () => {
    await fc.assert(
      fc.asyncProperty(params, async ({ seed, tasks, ops }) => {
        const a = await world(seed, tasks, ops);
        const b = await world(seed, tasks, ops);
        expect(JSON.stringify(b.kernel.trace.records)).toBe(JSON.stringify(a.kernel.trace.records));
        expect(b.report).toEqual(a.report);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 25) },
    );
  });

  it('different seeds give different runs (the seed really drives the choices)', async () => {
    const a = await world(1, 4, 20);
    const b = await world(2, 4, 20);
    expect(JSON.stringify(a.kernel.trace.records)).not.toBe(JSON.stringify(b.kernel.trace.records));
  });
});
