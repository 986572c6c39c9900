import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from '../ports/deque.ts';
import { copyBody } from '../ports/message.ts';
import { Port, validQlimit } from '../ports/port.ts';
import { IpcSpace, type Entry } from '../ports/space.ts';

describe('Deque (ring buffer)', () => {
  it('behaves like an array queue under any mix of push and shift', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.oneof(fc.integer(), fc.constant(null))), (giveBack, ops) => {
        const d = new Deque<number>(giveBack);
        const model: number[] = [];
        for (const op of ops) {
          if (op === null) expect(d.shift()).toBe(model.shift());
          else {
            d.push(op);
            model.push(op);
          }
          expect(d.length).toBe(model.length);
          expect(d.peek()).toBe(model[0]);
        }
        expect([...d]).toEqual(model);
      }),
    );
  });

  it('removes one item from the middle, keeping the order of the rest', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 20; i++) d.push(i);
    for (let i = 0; i < 5; i++) d.shift();
    expect(d.removeWhere((x) => x === 9)).toBe(9);
    expect(d.removeWhere((x) => x === 99)).toBeUndefined();
    expect([...d]).toEqual([5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });
});

describe('a name space finds the entry for a port', () => {
  it('as a map by port would, across the switch from a short array to a Map (more than 8 ports)', () => {
    const ports = Array.from({ length: 14 }, (_, i) => new Port(i + 1, null));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('allocate' as const), port: fc.nat(13), shared: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('free' as const, 'dead' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const space = new IpcSpace(1, 't');
        const model = new Map<Port, Entry>();
        const live: Entry[] = [];
        for (const o of ops) {
          if (o.kind === 'allocate') {
            const port = ports[o.port]!;
            const e = space.allocate(port, o.shared);
            if (o.shared) model.set(port, e);
            live.push(e);
          } else if (live.length > 0) {
            const e = live.splice(o.pick % live.length, 1)[0]!;
            if (e.port && model.get(e.port) === e) model.delete(e.port);
            if (o.kind === 'free') space.free(e);
            else {
              e.sendRefs = 1;
              space.makeDead(e);
            }
          }
          for (const port of ports) expect(space.entryFor(port)).toBe(model.get(port));
        }
      }),
    );
  });

  it('keeps the four flags of an entry apart', () => {
    const e = new IpcSpace(1, 't').allocate(null, false);
    e.receive = true;
    e.dnrequest = true;
    expect([e.receive, e.sendOnce, e.marequest, e.dnrequest]).toEqual([true, false, false, true]);
    e.receive = false;
    e.sendOnce = true;
    e.marequest = true;
    expect([e.receive, e.sendOnce, e.marequest, e.dnrequest]).toEqual([false, true, true, true]);
    expect(IpcSpace.typeOf(e)).toBe(0x40000 | 0x80000000 | 0x40000000);
  });
});

describe('message bodies are copied', () => {
  it('copies plain data deeply and counts bytes', () => {
    const body = { a: [1, 2, { b: 'xy' }], n: null };
    const c = copyBody(body);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.value).toEqual(body);
    expect(c.value).not.toBe(body);
    expect((c.value as typeof body).a).not.toBe(body.a);
    expect(c.size).toBe(50);
  });

  it('keeps what structured clone keeps (Map, Date, typed arrays, cycles)', () => {
    const cyclic: { self?: unknown; when: Date; m: Map<string, number>; bytes: Uint8Array } = {
      when: new Date(5),
      m: new Map([['k', 1]]),
      bytes: new Uint8Array([1, 2, 3]),
    };
    cyclic.self = cyclic;
    const c = copyBody(cyclic);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    const v = c.value as typeof cyclic;
    expect(v.self).toBe(v);
    expect(v.when).toEqual(new Date(5));
    expect(v.m.get('k')).toBe(1);
    expect([...v.bytes]).toEqual([1, 2, 3]);
    expect(c.size).toBe(65);
  });

  it('refuses what cannot be cloned, with the reason', () => {
    for (const bad of [() => 1, { deep: { fn: () => 2 } }, Symbol('s'), [Symbol('t')]]) {
      const c = copyBody(bad);
      expect(c.ok).toBe(false);
      if (!c.ok) expect(c.error.length).toBeGreaterThan(0);
    }
  });

  it('agrees with structuredClone on any JSON-like value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = copyBody(v);
        expect(c.ok).toBe(true);
        if (c.ok) expect(c.value).toEqual(structuredClone(v));
      }),
    );
  });
});

describe('queue limits', () => {
  it('accepts 0..1024 and Infinity, nothing else', () => {
    for (const q of [0, 1, 5, 1024, Infinity]) expect(validQlimit(q)).toBe(true);
    for (const q of [-1, 1025, 1.5, NaN, '5', null, -Infinity]) expect(validQlimit(q)).toBe(false);
  });
});

describe('copyBody: bytes', () => {
  it('copies a Uint8Array (only the bytes it views) and counts its length', () => {
    const big = new Uint8Array([9, 1, 2, 3, 9]);
    const view = big.subarray(1, 4);
    const c = copyBody(view);
    expect(c.ok && [...(c.value as Uint8Array)]).toEqual([1, 2, 3]);
    expect(c.ok && (c.value as Uint8Array).buffer.byteLength).toBe(3);
    expect(c.ok && c.size).toBe(3);
    view[0] = 7;
    expect(c.ok && (c.value as Uint8Array)[0]).toBe(1); // a copy, not shared
    const nested = copyBody({ data: new Uint8Array([4, 5]) });
    expect(nested.ok && [...(nested.value as { data: Uint8Array }).data]).toEqual([4, 5]);
  });
});
