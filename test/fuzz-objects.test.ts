import { describe, expect, it } from 'vitest';
import { audit, boot, codeName, KERN_INVALID_RIGHT, KERN_OPERATION_TIMED_OUT, KERN_SUCCESS, simulate } from '../index.ts';
import { auditObjects } from '../kernel/audit.ts';
import { Ledger, type PortObj } from '../testing/fuzz/invariants.ts';
import { KNOWN_BUGS } from '../testing/fuzz/known.ts';
import { sweep } from '../testing/fuzz/sweep.ts';
import { FAULT_KINDS, generate, type Workload } from '../testing/fuzz/workload.ts';
import { runWorkload } from '../testing/fuzz/world.ts';


describe('fuzz runner: links, mailboxes, regions, semaphores', () => {
  it('workloads reach every object, kill tasks blocked on them, and run clean on 400 seeds', async () => {
    const r = await sweep({ from: 0, count: 400, workers: 0, faults: FAULT_KINDS });
    expect(r.failures.map((f) => `seed ${f.seed}: ${f.problems[0]}`)).toEqual([]);
    for (const k of ['links', 'linkMessages', 'mailboxes', 'mailboxMessages', 'regions', 'semOps', 'cutShort', 'killed']) expect(r.counters[k], k).toBeGreaterThan(0);
    // Every run ended with a report: done or a deadlock, never a hang.
    expect((r.statuses.done ?? 0) + (r.statuses.deadlock ?? 0)).toBe(400);
  }, 60_000);

  it('the same seed gives the same trace, objects included', async () => {
    for (const seed of [2674, 3512]) {
      const w = generate(seed);
      expect(w.tasks.some((t) => JSON.stringify(t.steps).match(/"op":"(swait|mrecv|drecv)"/))).toBe(true);
      const a = await runWorkload(w, { traceTail: 200 });
      const b = await runWorkload(structuredClone(w) as Workload, { traceTail: 200 });
      expect(a.trace.length).toBeGreaterThan(20);
      expect(b).toEqual(a);
    }
  });

  // Found by the fuzzer: seed 5 (audit), seed 1 (a mutex unlocked twice), seed 2674 (a signal lost to a killed waiter).
  it('the seeds of the three bugs it found are clean: 5, 1, 2674', async () => {
    for (const seed of [5, 1, 2674]) expect((await runWorkload(generate(seed))).problems, `seed ${seed}`).toEqual([]);
  });

  it('a task blocked on a semaphore leaves the audit clean (its request holds the answer\'s send-once right)', async () => {
    const k = boot({ seed: 1, console: false });
    const seen: string[][] = [];
    k.spawn('a', async (sys) => {
      const sem = (await sys.semaphore_create(0)).semaphore!;
      await sys.thread_create(async (t: typeof sys) => void (await t.semaphore_wait(sem)));
      await sys.sleep(2);
      seen.push(audit(k).problems, auditObjects(k).problems);
      await sys.semaphore_signal(sem);
    });
    await k.run({ until: 100 });
    expect(seen).toEqual([[], []]);
  });

  it('a signal goes to the next live waiter, never to one killed while it waited', async () => {
    const k = boot({ seed: 1, console: false });
    const log: string[] = [];
    k.spawn('a', async (sys) => {
      const sem = (await sys.semaphore_create(0)).semaphore!;
      const f = await sys.fork(async (c) => void (await c.semaphore_wait(sem)));
      await sys.sleep(2);
      await sys.kill(f.handle!, 'kill');
      await sys.sleep(1);
      log.push(`signal ${await sys.semaphore_signal(sem)}`);
      log.push(`wait ${await sys.semaphore_wait(sem, 5)}`);
      log.push(`again ${await sys.semaphore_wait(sem, 0)}`);
    });
    await k.run({ until: 100 });
    expect(log).toEqual([`signal ${KERN_SUCCESS}`, `wait ${KERN_SUCCESS}`, `again ${KERN_OPERATION_TIMED_OUT}`]);
  });

  it('unlocking a mutex nobody holds is refused: it never lets two holders in', async () => {
    const k = boot({ seed: 1, console: false });
    const log: number[] = [];
    k.spawn('a', async (sys) => {
      const m = (await sys.mutex_create()).semaphore!;
      log.push(await sys.mutex_unlock(m)); // nobody holds it
      log.push(await sys.semaphore_wait(m, 0)); // taken
      log.push(await sys.semaphore_wait(m, 0)); // held: a second taker waits
      log.push(await sys.mutex_unlock(m));
      log.push(await sys.mutex_unlock(m)); // unlocked already
    });
    await k.run({ until: 100 });
    expect(log).toEqual([KERN_INVALID_RIGHT, KERN_SUCCESS, KERN_OPERATION_TIMED_OUT, KERN_SUCCESS, KERN_INVALID_RIGHT]);
  });

  // Found by the fuzzer (region-leak, seed 1): regions were never freed. Each is now freed with its last mapping and its last send right.
  it('region-leak is fixed: the fuzzer\'s smallest reproduction and seed 1 are clean, and no known bug is left', async () => {
    const json = '{"seed":9,"sched":{"policy":"fcfs","cpus":1,"quantum":1},"cascade":false,"tasks":[{"priority":0,"at":0,"qlimit":5,"steps":[{"op":"region","slot":0,"shared":false,"publish":false}]}],"faults":[]}';
    const out = await runWorkload(JSON.parse(json) as Workload);
    expect(out.problems).toEqual([]);
    expect(out.counters.regions).toBe(1);
    expect((await runWorkload(generate(1))).problems).toEqual([]);
    expect(KNOWN_BUGS).toEqual([]);
  });

  it('a region lives while a task maps it or a send right names it, and is freed when both are gone', async () => {
    const log: string[] = [];
    const sim = await simulate(boot({ seed: 1, console: false }), (k) => {
      k.spawn('t', async (sys) => {
        const at = (what: string) => log.push(`${sys.now()} ${what}`);
        // Mapped, its right deallocated: it lives on in the mapping.
        const a = (await sys.region_create(4, true, 'a')).region!;
        const va = (await sys.region_map(a)).view!;
        va[0] = 7;
        at(`deallocate a ${codeName(await sys.port_deallocate(a))}`);
        await sys.sleep(1);
        va[1] = 8;
        at(`a still reads ${va[0]},${va[1]}`);
        // Named by a right, unmapped: it lives on in the right (its bytes kept).
        const b = (await sys.region_create(4, true, 'b')).region!;
        (await sys.region_map(b)).view![0] = 9;
        at(`unmap b ${codeName(await sys.region_unmap(b))}`);
        await sys.sleep(1);
        at(`b mapped again reads ${(await sys.region_map(b)).view![0]}`);
        at(`unmap b ${codeName(await sys.region_unmap(b))}`);
        await sys.sleep(1);
        // The last reference goes: the right after the mapping.
        at(`deallocate b ${codeName(await sys.port_deallocate(b))}`);
        await sys.sleep(1);
        // The last reference goes: the mapping after the right.
        at(`unmap a ${codeName(await sys.region_unmap(a))}`);
        await sys.sleep(1);
      });
    });
    const deaths = sim.records.filter((r) => r.kind === 'port-death' && (r.portLabel === 'a' || r.portLabel === 'b')).map((r) => `${r.t} ${r.portLabel}`);
    expect(log).toEqual(['0 deallocate a SUCCESS', '1 a still reads 7,8', '1 unmap b SUCCESS', '2 b mapped again reads 9', '2 unmap b SUCCESS', '3 deallocate b SUCCESS', '4 unmap a KERN_INVALID_NAME']);
    // Each dies at the moment its last reference goes: b at its deallocate (t=3); a (unmapped by nobody: its name was gone) at the task's end (t=5).
    expect(deaths).toEqual(['3 b', '5 a']);
    expect(auditObjects(sim.kernel).problems).toEqual([]);
    expect(audit(sim.kernel).problems).toEqual([]);
  });

  it('a fork\'s private copy dies with the child; the region it copied lives on in the parent', async () => {
    const log: string[] = [];
    const sim = await simulate(boot({ seed: 1, console: false }), (k) => {
      k.spawn('parent', async (sys) => {
        const priv = (await sys.region_create(4, false, 'priv')).region!;
        const p = (await sys.region_map(priv)).view!;
        p[0] = 1;
        const { pid } = await sys.fork(async (c) => {
          const mine = (await c.region_map(priv)).view!; // the copy's view
          mine[0] = 2;
          await c.sleep(3);
        }, { name: 'child' });
        await sys.wait(pid);
        log.push(`${sys.now()} parent reads ${p[0]}`);
        await sys.sleep(2);
      });
    });
    const deaths = sim.records.filter((r) => r.kind === 'port-death' && /^(priv|child\.copy)$/.test(r.portLabel ?? '')).map((r) => `${r.t} ${r.portLabel}`);
    expect(log).toEqual(['3 parent reads 1']);
    // The copy at the child's exit (t=3); the parent's region at the parent's (t=5).
    expect(deaths).toEqual(['3 child.copy', '5 priv']);
    expect(auditObjects(sim.kernel).problems).toEqual([]);
  });

  it('the checks bite: a message lost, a waiter passed over, a semaphore count off its books', () => {
    const k = boot({ seed: 1, console: false });
    const port = { id: 40, label: 'p1→p2', active: true, queue: [], senders: [] } as unknown as PortObj;
    const gone = { ...port, id: 41, active: false } as unknown as PortObj;
    const l = new Ledger();
    l.sentTo({ fz: 1, n: 0 }, port, 'p2');
    l.sentTo({ fz: 1, n: 1 }, port, 'p2');
    l.sentTo({ fz: 1, n: 2 }, gone, 'p2'); // destroyed with its receiver: fine
    l.sentTo({ fz: 3, n: 0 }, port, 'm40');
    l.received({ fz: 1, n: 0 });
    const cut = l.receiving('m40', 5); // a mailbox receive that never returned may have taken one
    void cut;
    l.semCreated(9, 0);
    l.check([{ id: 9, value: 0, mutex: false, waiters: [{ pid: 2, ended: false }, { pid: 3, ended: false }] }]);
    l.semCall(9, 3, 'wait')(true); // pid 3 woken…
    l.check([{ id: 9, value: 0, mutex: false, waiters: [{ pid: 2, ended: false }] }]); // …while pid 2, ahead of it, still waits
    expect(l.problems).toEqual(['sem: semaphore port 9 woke pid 3 before pid 2, which waited longer and still waits']);
    expect(l.end(k, [{ id: 9, value: 1, mutex: false, waiters: [] }])).toEqual([
      'lost: 1 message sent with success never received, not queued, not destroyed (to pid 2; 0 receives cut short): message 1 of pid 1 (port 40 p1→p2)',
      'sem: semaphore port 9 has value 1, its books say -1 (made at 0, 0 signals and 1 waits returned; calls under way: 0 waits, 0 signals)',
    ]);
  });
});
