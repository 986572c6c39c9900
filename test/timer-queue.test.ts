import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Clock } from '../index.ts';

/**
 * The clock's timer queue (a 4-ary heap with keys in typed arrays; cancelled
 * timers dropped lazily, the heap rebuilt when they outnumber live ones) must
 * fire exactly what a sorted list would: by time, then by order armed, never a
 * cancelled timer, and `pending` must count only live ones.
 */
describe('the clock timer queue', () => {
  it('matches a sorted list through arms, cancels (enough to rebuild) and fires, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('arm' as const), d: fc.integer({ min: 0, max: 50 }), count: fc.integer({ min: 1, max: 1500 }) }),
            fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 1500 }) }),
            fc.record({ op: fc.constant('fire' as const), count: fc.integer({ min: 1, max: 300 }) }),
          ),
          { maxLength: 40 },
        ),
        (ops) => {
          const clock = new Clock();
          const fired: number[] = [];
          // The model: live timers as [time, id], id = order armed.
          let model: { time: number; id: number; timer: ReturnType<Clock['after']> }[] = [];
          const want: number[] = [];
          let id = 0;
          for (const o of ops) {
            if (o.op === 'arm') {
              for (let i = 0; i < o.count; i++) {
                const me = id++;
                const time = clock.now() + ((o.d * 7 + i * 13) % 51);
                model.push({ time, id: me, timer: clock.after(time - clock.now(), () => fired.push(me)) });
              }
            } else if (o.op === 'cancel') {
              for (let i = 0; i < o.count && model.length > 0; i++) {
                const k = (o.pick + i * 31) % model.length;
                model[k]!.timer.cancel();
                model[k]!.timer.cancel(); // twice: still one cancel
                model.splice(k, 1);
              }
            } else {
              model.sort((a, b) => a.time - b.time || a.id - b.id);
              for (let i = 0; i < o.count && model.length > 0; i++) {
                const next = model.shift()!;
                want.push(next.id);
                expect(clock.nextTime()).toBe(next.time);
                expect(clock.fireNext()).toBe(true);
                next.timer.cancel(); // after it fired: a no-op
              }
            }
            expect(clock.pending).toBe(model.length);
          }
          model.sort((a, b) => a.time - b.time || a.id - b.id);
          want.push(...model.map((m) => m.id));
          clock.flush();
          expect(fired).toEqual(want);
          expect(clock.pending).toBe(0);
          expect(clock.nextTime()).toBeUndefined();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('many cancelled timers (more than the live ones): the heap is rebuilt without them, order kept', () => {
    const clock = new Clock();
    const fired: number[] = [];
    const timers = Array.from({ length: 4000 }, (_, i) => clock.after(1 + ((i * 7919) % 997), () => fired.push(i)));
    for (let i = 0; i < 4000; i++) if (i % 8 !== 0) timers[i]!.cancel(); // 3500 cancelled, 500 live
    expect(clock.pending).toBe(500);
    clock.flush();
    const want = Array.from({ length: 500 }, (_, k) => k * 8).sort((a, b) => ((a * 7919) % 997) - ((b * 7919) % 997) || a - b);
    expect(fired).toEqual(want);
  });

  it('a timer cancelled by another timer due at the same time does not fire', () => {
    const clock = new Clock();
    const seen: string[] = [];
    const later = clock.after(5, () => seen.push('b'));
    clock.after(5, () => {
      seen.push('a');
      later.cancel();
    });
    // 'b' was armed first, so it fires first; arm the pair the other way round too.
    const c2 = clock.after(9, () => {
      seen.push('c');
      d2.cancel();
    });
    const d2 = clock.after(9, () => seen.push('d'));
    clock.flush();
    expect(seen).toEqual(['b', 'a', 'c']);
    expect(c2.fn).toBeNull();
    expect(clock.pending).toBe(0);
  });
});
