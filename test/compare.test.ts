import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, renderComparison, WORKLOADS, type Step, type Workload } from '../index.ts';

describe('compare(): one workload on every model', () => {
  it('ping-pong, worked by hand: ten calls are twenty messages on every model, with what each model costs', async () => {
    const [mach, direct, mailbox] = await compare(WORKLOADS.pingPong, { models: ['mach', 'direct', 'mailbox'] });
    for (const f of [mach!, direct!, mailbox!]) {
      expect(f.status).toBe('done');
      expect(f.userMessages).toBe(20); // 10 requests + 10 replies
      expect(f.delivered).toBe(20);
      expect(f.deliveries).toEqual({ 'client->server': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'server->client': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    }
    // Mach: the server's inbox and the look-up; direct: one link (two ports and a set) and no name service; mailbox: two mailboxes.
    expect([mach!.links, direct!.links, mailbox!.links]).toEqual([0, 1, 0]);
    expect([mach!.mailboxes, direct!.mailboxes, mailbox!.mailboxes]).toEqual([0, 0, 2]);
    // Every task owns three ports (kernel, notify, reply), plus the bootstrap port: 7; then each model's own.
    expect([mach!.ports, direct!.ports, mailbox!.ports]).toEqual([9, 11, 9]);
    // Once a link is known, a direct send or receive is one trap, as a Mach one is (the link is made once).
    expect([mach!.traps, direct!.traps, mailbox!.traps]).toEqual([35, 43, 50]);
    expect([mach!.syscallMessages, direct!.syscallMessages, mailbox!.syscallMessages]).toEqual([10, 6, 60]);
    expect(renderComparison([mach!, direct!]).split('\n').slice(0, 4)).toEqual([
      'figure                            mach   direct',
      '-------------------------------   ----   ------',
      'run                               done     done',
      'virtual time to completion (ms)      0        0',
    ]);
  });

  it('what a model cannot express is said, and the run still completes with a workaround', async () => {
    const crash = await compare(WORKLOADS.crash, { models: ['mach', 'direct', 'mailbox'] });
    expect(crash.map((f) => [f.model, f.status, f.couldNotExpress])).toEqual([
      ['mach', 'done', []],
      ['direct', 'done', ['stable-name']],
      ['mailbox', 'done', []],
    ]);
    // Every client got all four answers on every model: 8 replies, and 8 requests served.
    for (const f of crash) {
      expect((f.deliveries['server->client#0'] ?? []).length + (f.deliveries['server->client#1'] ?? []).length).toBe(8);
    }
    const pool = await compare(WORKLOADS.workerPool, { models: ['mach', 'direct', 'mailbox'] });
    expect(pool.map((f) => f.couldNotExpress)).toEqual([['shared-mailbox'], ['shared-mailbox'], []]);
    expect(pool.map((f) => f.delivered)).toEqual([24, 24, 24]);
  });

  it('same seed, same figures', async () => {
    const a = await compare(WORKLOADS.manyClients, { models: ['mach', 'direct'], seed: 5 });
    const b = await compare(WORKLOADS.manyClients, { models: ['mach', 'direct'], seed: 5 });
    expect(a).toEqual(b);
  });

  it('refuses an unknown model or a workload naming an unknown role', async () => {
    await expect(compare(WORKLOADS.pingPong, { models: ['smoke-signals'] })).rejects.toThrow('compare: no model "smoke-signals" (the models are mach, direct, mailbox, shm)');
    const bad: Workload = { name: 'bad', description: '', roles: [{ name: 'a', steps: [{ op: 'send', to: 'nobody' }] }] };
    await expect(compare(bad)).rejects.toThrow('workload bad: role a names an unknown role "nobody"');
  });

  it('property: every model delivers the same messages per (sender, receiver), in each sender\'s order, none lost', async () => {
    // Random star workloads: senders send to receivers, each receiver takes exactly what is sent to it.
    const arb = fc.record({
      senders: fc.integer({ min: 1, max: 3 }),
      receivers: fc.integer({ min: 1, max: 3 }),
      counts: fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
      capacity: fc.constantFrom(0, 1, 3, Infinity),
      size: fc.integer({ min: 0, max: 200 }),
      compute: fc.integer({ min: 0, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ senders, receivers, counts, capacity, size, compute }) => {
        const roles: Workload['roles'] = [];
        for (let s = 0; s < senders; s++) {
          const steps: Step[] = [];
          for (let r = 0; r < receivers; r++) if (counts[s]![r]! > 0) steps.push({ op: 'send', to: `r${r}`, count: counts[s]![r]!, size });
          roles.push({ name: `s${s}`, steps });
        }
        for (let r = 0; r < receivers; r++) {
          let n = 0;
          for (let s = 0; s < senders; s++) n += counts[s]![r]!;
          roles.push({ name: `r${r}`, steps: [{ op: 'take', from: 's0', count: n, compute, direct: true }] });
        }
        const w: Workload = { name: 'star', description: '', roles, capacity };
        const figures = await compare(w, { models: ['mach', 'direct', 'mailbox'], seed: 3 });
        const expected: Record<string, number[]> = {};
        for (let s = 0; s < senders; s++) {
          // A sender numbers its messages in the order it sends them, across receivers.
          let seq = 0;
          for (let r = 0; r < receivers; r++) {
            const n = counts[s]![r]!;
            if (n > 0) expected[`s${s}->r${r}`] = Array.from({ length: n }, () => seq++);
          }
        }
        for (const f of figures) {
          expect(f.status).toBe('done');
          expect(f.deliveries).toEqual(expected);
          expect(f.destroyed).toBe(0);
        }
      }),
      { numRuns: 25 },
    );
  });
});
