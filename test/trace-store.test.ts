import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, MACH_PORT_NULL, renderJsonLines, type Kernel, type Sys, type TraceRecord } from '../index.ts';
import { RecordStore } from '../trace/store.ts';
import { Trace } from '../trace/trace.ts';

/**
 * The record store keeps records in flat arrays and makes objects again when
 * they are read: what a reader gets must be what was emitted, key for key, in
 * the same order, with the same values (JSON lines and renderers unchanged).
 */

/** A run with many kinds of records: messages with bodies of every sort, sleeps, time-outs, logs, a port's death, exits. */
function world(k: Kernel<Sys>): void {
  const long = 'x'.repeat(3000); // longer than what the store copies into its chars
  k.spawn('server', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'svc');
    await sys.netname_check_in('svc', name!);
    for (let i = 0; i < 40; i++) {
      const r = await sys.msg_receive<unknown>(name!, { timeout: 50 });
      if (!r.ok) continue;
      if (r.msg.reply !== MACH_PORT_NULL) await sys.msg_send(r.msg.reply, { id: 2, body: r.msg.body });
    }
    sys.log(`done ✓ ${long.slice(0, 10)} \ud83d\ude00 \ud800 lone surrogate`);
    return 0;
  });
  k.spawn('client', async (sys) => {
    const { port } = await sys.netname_look_up('svc', { wait: true });
    const bodies: unknown[] = [1, 2.5, -0, 'hi', long, { job: 3, text: 'a long line of text that is cut' }, [1, [2, [3, [4]]]], null, undefined, true, 10n, new Uint8Array(4)];
    for (const body of bodies) await sys.msg_rpc(port!, { id: 1, body });
    await sys.sleep(7);
    sys.log(long);
    return 0;
  });
  k.spawn('quitter', async (sys) => {
    const { name } = await sys.port_allocate('receive', 'doomed');
    await sys.msg_send(name!, { id: 9, body: 'left in the queue' });
    return 3;
  });
}

/** The records of a run as they were emitted (the Observable's objects). */
async function emitted(limit?: number): Promise<{ k: Kernel<Sys>; seen: TraceRecord[] }> {
  const k = boot({ seed: 5, trace: limit === undefined ? true : { limit } });
  const seen: TraceRecord[] = [];
  k.trace.records$.subscribe((r) => seen.push(r));
  world(k);
  await k.run();
  return { k, seen };
}

describe('the trace record store', () => {
  it('gives back every record as emitted: same keys in the same order, same values', async () => {
    const { k, seen } = await emitted();
    const kept = k.trace.records;
    expect(kept.length).toBe(seen.length);
    expect(kept.length).toBeGreaterThan(200);
    for (let i = 0; i < kept.length; i++) {
      expect(Object.keys(kept[i]!)).toEqual(Object.keys(seen[i]!));
      expect(kept[i]).toStrictEqual(seen[i]);
    }
    expect(renderJsonLines(kept, { runId: k.runId })).toBe(renderJsonLines(seen, { runId: k.runId }));
    expect(kept.some((r) => r.detail?.length === 3000)).toBe(true);
    expect(kept.some((r) => r.detail?.includes('\ud83d\ude00 \ud800'))).toBe(true);
  });

  it('without a subscriber, records read back with seq last, as an observed run emits them', async () => {
    const { seen } = await emitted();
    const k = boot({ seed: 5 });
    world(k);
    await k.run();
    expect(JSON.stringify(k.trace.records)).toBe(JSON.stringify(seen));
  });

  it('keeps the latest `limit` records and counts the rest as dropped', async () => {
    for (const limit of [1, 7, 100]) {
      const { k, seen } = await emitted(limit);
      expect(k.trace.dropped).toBe(seen.length - limit);
      expect(JSON.stringify(k.trace.records)).toBe(JSON.stringify(seen.slice(-limit)));
    }
  });

  it('records read during a run are the same objects later, and the array grows with the run', async () => {
    const k = boot({ seed: 2 });
    const views: TraceRecord[][] = [];
    k.spawn('t', async (sys) => {
      for (let i = 0; i < 5; i++) {
        views.push(k.trace.records);
        await sys.sleep(1);
      }
      return 0;
    });
    await k.run();
    const all = k.trace.records;
    expect(views.every((v) => v === all)).toBe(true);
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i));
  });
});

describe('the typed emitters (state, trap, wake)', () => {
  it('keep the same records as emit, with or without an object, and through another host\'s view', () => {
    const typed = new Trace();
    const plain = new Trace();
    const seen: TraceRecord[] = [];
    const observed = new Trace();
    observed.records$.subscribe((r) => seen.push(r));
    for (const tr of [typed, observed]) {
      tr.state(0, 1, 'a', 'ready', 'new', null);
      tr.state(1.5, 1, 'a', 'running', 'ready', 0);
      tr.trap(2, 1, 'a', 'msg_send');
      tr.wake(3, 1, 'a', true, undefined, undefined);
      tr.wake(4, 1, 'a', false, 0, 'SUCCESS');
      tr.wake(5, 1, 'a', false, undefined, undefined);
    }
    plain.emit({ t: 0, kind: 'state', pid: 1, task: 'a', op: 'ready', from: 'new' });
    plain.emit({ t: 1.5, kind: 'state', pid: 1, task: 'a', op: 'running', from: 'ready', cpu: 0 });
    plain.emit({ t: 2, kind: 'trap', pid: 1, task: 'a', op: 'msg_send' });
    plain.emit({ t: 3, kind: 'wake', pid: 1, task: 'a', wait: 'sleep' });
    plain.emit({ t: 4, kind: 'wake', pid: 1, task: 'a', code: 0, codeName: 'SUCCESS' });
    plain.emit({ t: 5, kind: 'wake', pid: 1, task: 'a' });
    expect(JSON.stringify(typed.records)).toBe(JSON.stringify(plain.records));
    expect(JSON.stringify(observed.records)).toBe(JSON.stringify(plain.records));
    expect(JSON.stringify(seen)).toBe(JSON.stringify(plain.records));
    // A view as the kernel makes for another host: its emit adds host, and the typed emitters go through it.
    const view = Object.create(plain, { emit: { value: (r: Omit<TraceRecord, 'seq'>) => plain.emit({ ...r, host: '10.0.0.2' }) } }) as Trace;
    view.state(3, 2, 'b', 'ready', 'new', null);
    view.trap(4, 2, 'b', 'msg_receive');
    view.wake(5, 2, 'b', false, 0, 'SUCCESS');
    expect(plain.records.slice(6)).toStrictEqual([
      { t: 3, kind: 'state', pid: 2, task: 'b', op: 'ready', from: 'new', host: '10.0.0.2', seq: 6 },
      { t: 4, kind: 'trap', pid: 2, task: 'b', op: 'msg_receive', host: '10.0.0.2', seq: 7 },
      { t: 5, kind: 'wake', pid: 2, task: 'b', code: 0, codeName: 'SUCCESS', host: '10.0.0.2', seq: 8 },
    ]);
  });
});

/** Keys a record may have, in any order; values of every sort. */
const KEYS = ['t', 'kind', 'pid', 'task', 'cpu', 'op', 'from', 'port', 'portLabel', 'peer', 'peerTask', 'msgId', 'code', 'codeName', 'size', 'ref', 'detail', 'wait', 'role', 'text', 'pending', 'host', 'src', 'dst', 'seq'];
const value = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 1100 }),
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const record = fc
  .uniqueArray(fc.constantFrom(...KEYS), { minLength: 0, maxLength: KEYS.length })
  .chain((keys) => fc.tuple(...keys.map((key) => fc.tuple(fc.constant(key), key === 't' ? fc.oneof(fc.double({ noNaN: true }), value) : value))))
  .map((entries) => Object.fromEntries(entries) as Omit<TraceRecord, 'seq'>);

describe('RecordStore (property)', () => {
  it('any records, any limit: get(i) is the i-th of the latest `limit` records, keys in order, seq where it was or last', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 1, max: 70 }), (recs, limit) => {
        const store = new RecordStore(limit);
        let dropped = 0;
        for (const r of recs) if (store.push(r)) dropped++;
        const kept = Math.min(limit, recs.length);
        expect(store.length).toBe(kept);
        expect(dropped).toBe(recs.length - kept);
        const first = recs.length - kept;
        for (let i = 0; i < kept; i++) {
          const seq = first + i;
          const want = { ...recs[seq]!, seq } as Record<string, unknown>; // seq keeps its place if it had one, else goes last
          const got = store.get(i, seq) as unknown as Record<string, unknown>;
          expect(Object.keys(got)).toEqual(Object.keys(want));
          expect(got).toStrictEqual(want);
        }
      }),
      { numRuns: 300 },
    );
  });
});
