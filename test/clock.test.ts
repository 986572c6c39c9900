import { interval, take, timer, toArray, firstValueFrom } from 'rxjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Clock } from '../index.ts';

describe('Clock: one RxJS scheduler, virtual time', () => {
  it('runs RxJS timers in virtual time: an hour costs nothing', () => {
    const clock = new Clock();
    const seen: number[] = [];
    timer(3_600_000, clock).subscribe(() => seen.push(clock.now()));
    timer(10, clock).subscribe(() => seen.push(clock.now()));
    clock.flush();
    expect(seen).toEqual([10, 3_600_000]);
  });

  it('reschedules periodic actions (interval) on the same timeline', async () => {
    const clock = new Clock();
    const values = firstValueFrom(interval(25, clock).pipe(take(4), toArray()));
    const times: number[] = [];
    interval(25, clock).pipe(take(4)).subscribe(() => times.push(clock.now()));
    clock.flush();
    expect(await values).toEqual([0, 1, 2, 3]);
    expect(times).toEqual([25, 50, 75, 100]);
  });

  it('fires equal times in the order they were scheduled; unsubscribe cancels', () => {
    const clock = new Clock();
    const order: string[] = [];
    clock.schedule(() => order.push('a'), 5);
    const sub = clock.schedule(() => order.push('cancelled'), 5);
    clock.schedule(() => order.push('b'), 5);
    clock.schedule(() => order.push('first'), 1);
    sub.unsubscribe();
    clock.flush();
    expect(order).toEqual(['first', 'a', 'b']);
  });

  it('keeps any set of timers in time order (heap property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { maxLength: 200 }), (specs) => {
        const clock = new Clock();
        const fired: [number, number][] = [];
        const timers = specs.map(([d], i) => clock.after(d, () => fired.push([clock.now(), i])));
        specs.forEach(([, cancel], i) => cancel && timers[i]!.cancel());
        clock.flush();
        const expected = specs
          .map(([d, cancel], i) => ({ d, i, cancel }))
          .filter((s) => !s.cancel)
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .map((s) => [s.d, s.i]);
        expect(fired).toEqual(expected);
      }),
    );
  });

  it('gives XState a clock whose timeouts run on the same timeline', () => {
    const clock = new Clock();
    const seen: number[] = [];
    const id = clock.xstate.setTimeout(() => seen.push(clock.now()), 40);
    clock.xstate.setTimeout(() => seen.push(clock.now()), 70);
    clock.xstate.clearTimeout(id);
    clock.flush();
    expect(seen).toEqual([70]);
  });
});
